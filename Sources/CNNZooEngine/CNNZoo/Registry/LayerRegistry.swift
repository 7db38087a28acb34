/// Maps layer kind names to the types that build them.
///
/// A value type: start from ``standard`` and register your own kinds on a copy,
/// then build models through it. Registering a kind twice is an error
/// (silently replacing a layer would change what a saved model means).
public struct LayerRegistry: Sendable {
    /// What the registry knows of one kind.
    public struct Entry: Sendable {
        public let kind: String
        public let summary: String
        public let settings: [SettingDescription]
        let build: @Sendable (LayerSettings, [Int]) throws -> any Layer
    }

    private var entries: [String: Entry] = [:]

    /// An empty registry.
    public init() {}

    /// The built-in layers.
    public static let standard: LayerRegistry = {
        var registry = LayerRegistry()
        for type in Plugin.engine.layers { try! registry.register(type) }
        return registry
    }()

    /// Adds a layer kind under its own `kind` name.
    /// - Throws: ``ModelError/duplicateKind(_:)`` if the name is taken.
    public mutating func register(_ type: any Layer.Type) throws {
        let kind = type.kind
        guard entries[kind] == nil else { throw ModelError.duplicateKind(kind) }
        guard LayerName.isValid(kind) else {
            throw ModelError.badSpec("layer kind '\(kind)' must be letters, digits, '_' or '-'")
        }
        entries[kind] = Entry(kind: kind, summary: type.summary, settings: type.settings) { settings, shape in
            try settings.checkKnown(type.settings)
            return try type.init(settings: settings, inputShape: shape)
        }
    }

    /// The registered kind names, sorted.
    public var kinds: [String] { entries.keys.sorted() }

    /// The entry for `kind`, if registered.
    public func entry(for kind: String) -> Entry? { entries[kind] }

    /// Builds one layer of `kind` for inputs of `inputShape`.
    public func makeLayer(kind: String, settings: LayerSettings, inputShape: [Int]) throws -> any Layer {
        guard let entry = entries[kind] else {
            throw ModelError.unknownKind(layer: settings.layerName, kind: kind, known: kinds)
        }
        return try entry.build(settings, inputShape)
    }
}

/// Names of layers and kinds: safe as HDF5 group names and as dotted PyTorch keys.
public enum LayerName {
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
    }
}
