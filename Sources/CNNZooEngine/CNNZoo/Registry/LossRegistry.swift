/// Maps loss kind names to the types that build them; the losses' counterpart of
/// ``LayerRegistry``, a value type with the same rules (a taken name is refused).
public struct LossRegistry: Sendable {
    public struct Entry: Sendable {
        public let kind: String
        public let summary: String
        public let settings: [SettingDescription]
        public let type: any RegisteredLoss.Type
    }

    private var entries: [String: Entry] = [:]

    public init() {}

    /// The built-in losses: `cross_entropy`, `binary_cross_entropy`, `mse`.
    public static let standard: LossRegistry = {
        var registry = LossRegistry()
        for type in Plugin.engine.losses { try! registry.register(type) }
        return registry
    }()

    /// Adds a loss kind under its own `kind` name; a taken name is refused.
    public mutating func register(_ type: any RegisteredLoss.Type) throws {
        guard entries[type.kind] == nil else { throw ModelError.badSpec("loss kind '\(type.kind)' is already registered; choose another kind name") }
        guard LayerName.isValid(type.kind) else { throw ModelError.badSpec("loss kind '\(type.kind)' must be letters, digits, '_' or '-'") }
        entries[type.kind] = Entry(kind: type.kind, summary: type.summary, settings: type.settings, type: type)
    }

    /// The registered kind names, sorted.
    public var kinds: [String] { entries.keys.sorted() }

    public func entry(for kind: String) -> Entry? { entries[kind] }

    /// Builds the loss `spec` names, validating its settings.
    public func makeLoss(_ spec: LossSpec) throws -> any Loss {
        guard let entry = entries[spec.kind] else {
            var message = "unknown loss '\(spec.kind)'"
            if let nearest = Suggestion.nearest(to: spec.kind, in: kinds) { message += " (did you mean '\(nearest)'?)" }
            throw ModelError.badSpec(message + "; known losses: \(kinds.joined(separator: ", "))")
        }
        let settings = Settings(owner: .loss(spec.kind), values: spec.settings)
        try settings.checkKnown(entry.settings)
        return try entry.type.init(settings: settings)
    }
}
