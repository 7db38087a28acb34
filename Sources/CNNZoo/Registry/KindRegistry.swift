/// One registered kind — a layer, loss or optimizer kind: its name, what it does, the settings
/// it takes, and how it is built.
public struct KindEntry<Maker: Sendable>: Sendable {
    public let kind: String
    public let summary: String
    public let settings: [SettingDescription]
    /// Builds a value of the kind from validated settings.
    public let maker: Maker

    public init(kind: String, summary: String, settings: [SettingDescription], maker: Maker) {
        self.kind = kind
        self.summary = summary
        self.settings = settings
        self.maker = maker
    }
}

/// What a registry holds: layer, loss or optimizer kinds. It words the registry's errors.
public enum KindRole: String, Sendable {
    case layer, loss, optimizer

    func error(_ message: String) -> ModelError {
        switch self {
        case .layer, .loss: return .badSpec(message)
        case .optimizer: return .badOptimizer(message)
        }
    }
}

/// Maps kind names to their entries: the one shape of the layer, loss and optimizer registries.
///
/// A value type: start from `.standard` and register your own kinds on a copy, then build
/// through it. Registering a name twice is an error (silently replacing a kind would change
/// what a saved model means).
public struct KindRegistry<Maker: Sendable>: Sendable {
    public let role: KindRole
    private var entries: [String: KindEntry<Maker>] = [:]

    /// An empty registry of `role` kinds.
    public init(role: KindRole) {
        self.role = role
    }

    /// Adds `entry` under its kind name.
    /// - Throws: ``ModelError`` if the name is taken or is not letters, digits, `_` or `-`.
    public mutating func register(_ entry: KindEntry<Maker>) throws {
        guard entries[entry.kind] == nil else {
            if role == .layer { throw ModelError.duplicateKind(entry.kind) }
            throw role.error("\(role) kind '\(entry.kind)' is already registered; choose another kind name")
        }
        guard LayerName.isValid(entry.kind) else {
            throw role.error("\(role) kind '\(entry.kind)' must be letters, digits, '_' or '-'")
        }
        entries[entry.kind] = entry
    }

    /// The registered kind names, sorted.
    public var kinds: [String] { entries.keys.sorted() }

    /// The entry for `kind`, if registered.
    public func entry(for kind: String) -> KindEntry<Maker>? { entries[kind] }

    /// The entry for `kind` with `settings` checked against its declared ones, or the error
    /// naming the unknown kind and the nearest known one.
    func checkedEntry(_ kind: String, settings: Settings) throws -> KindEntry<Maker> {
        guard let entry = entries[kind] else {
            if role == .layer { throw ModelError.unknownKind(layer: settings.layerName, kind: kind, known: kinds) }
            var message = "unknown \(role) '\(kind)'"
            if let nearest = Suggestion.nearest(to: kind, in: kinds) { message += " (did you mean '\(nearest)'?)" }
            throw role.error(message + "; known \(role == .loss ? "losses" : "optimizers"): \(kinds.joined(separator: ", "))")
        }
        try settings.checkKnown(entry.settings)
        return entry
    }
}

/// Builds a layer from its settings and the per-sample shapes of its inputs.
public struct LayerMaker: Sendable {
    public let build: @Sendable (Settings, [[Int]]) throws -> any Layer

    public init(inputs build: @escaping @Sendable (Settings, [[Int]]) throws -> any Layer) { self.build = build }

    /// A maker for a kind of one input: given several, it refuses them naming the layer.
    public init(_ build: @escaping @Sendable (Settings, [Int]) throws -> any Layer) {
        self.build = { settings, shapes in
            guard shapes.count == 1 else {
                throw ModelError.badSetting(layer: settings.layerName, message: "takes one input, but the spec gives it \(shapes.count)")
            }
            return try build(settings, shapes[0])
        }
    }
}

/// Builds a loss from its settings.
public struct LossMaker: Sendable {
    public let build: @Sendable (Settings) throws -> any Loss
    public init(_ build: @escaping @Sendable (Settings) throws -> any Loss) { self.build = build }
}

/// Builds an optimizer from its settings.
public struct OptimizerMaker: Sendable {
    public let build: @Sendable (Settings) throws -> any Optimizer
    public init(_ build: @escaping @Sendable (Settings) throws -> any Optimizer) { self.build = build }
}

public typealias LayerEntry = KindEntry<LayerMaker>
public typealias LossEntry = KindEntry<LossMaker>
public typealias OptimizerEntry = KindEntry<OptimizerMaker>
public typealias LayerRegistry = KindRegistry<LayerMaker>
public typealias LossRegistry = KindRegistry<LossMaker>
public typealias OptimizerRegistry = KindRegistry<OptimizerMaker>

extension KindEntry where Maker == LayerMaker {
    /// The entry of a Swift layer type.
    public init(_ type: any RegisteredLayer.Type) {
        self.init(kind: type.kind, summary: type.summary, settings: type.settings,
                  maker: LayerMaker { settings, shape in try type.init(settings: settings, inputShape: shape) })
    }

    /// The entry of a Swift layer type of several inputs.
    public init(_ type: any RegisteredMultiInputLayer.Type) {
        self.init(kind: type.kind, summary: type.summary, settings: type.settings,
                  maker: LayerMaker(inputs: { settings, shapes in try type.init(settings: settings, inputShapes: shapes) }))
    }
}

extension KindEntry where Maker == LossMaker {
    /// The entry of a Swift loss type.
    public init(_ type: any RegisteredLoss.Type) {
        self.init(kind: type.kind, summary: type.summary, settings: type.settings,
                  maker: LossMaker { settings in try type.init(settings: settings) })
    }
}

extension KindEntry where Maker == OptimizerMaker {
    /// The entry of a Swift optimizer type.
    public init(_ type: any RegisteredOptimizer.Type) {
        self.init(kind: type.kind, summary: type.summary, settings: type.settings,
                  maker: OptimizerMaker { settings in try type.init(settings: settings) })
    }
}

extension KindRegistry where Maker == LayerMaker {
    /// An empty layer registry.
    public init() { self.init(role: .layer) }

    /// The built-in layers.
    public static let standard: LayerRegistry = {
        var registry = LayerRegistry()
        for entry in Plugin.engine.layers { try! registry.register(entry) }
        return registry
    }()

    /// Adds a Swift layer type under its own `kind` name.
    public mutating func register(_ type: any RegisteredLayer.Type) throws { try register(LayerEntry(type)) }

    /// Builds one layer of `kind` for inputs of `inputShape`.
    public func makeLayer(kind: String, settings: LayerSettings, inputShape: [Int]) throws -> any Layer {
        try makeLayer(kind: kind, settings: settings, inputShapes: [inputShape])
    }

    /// Builds one layer of `kind` for inputs of `inputShapes`, in order.
    public func makeLayer(kind: String, settings: LayerSettings, inputShapes: [[Int]]) throws -> any Layer {
        try checkedEntry(kind, settings: settings).maker.build(settings, inputShapes)
    }
}

extension KindRegistry where Maker == LossMaker {
    /// An empty loss registry.
    public init() { self.init(role: .loss) }

    /// The built-in losses: `cross_entropy`, `binary_cross_entropy`, `mse`.
    public static let standard: LossRegistry = {
        var registry = LossRegistry()
        for entry in Plugin.engine.losses { try! registry.register(entry) }
        return registry
    }()

    /// Adds a Swift loss type under its own `kind` name.
    public mutating func register(_ type: any RegisteredLoss.Type) throws { try register(LossEntry(type)) }

    /// Builds the loss `spec` names, validating its settings.
    public func makeLoss(_ spec: LossSpec) throws -> any Loss {
        let settings = Settings(owner: .loss(spec.kind), values: spec.settings)
        return try checkedEntry(spec.kind, settings: settings).maker.build(settings)
    }
}

extension KindRegistry where Maker == OptimizerMaker {
    /// An empty optimizer registry.
    public init() { self.init(role: .optimizer) }

    /// The built-in optimizers: `sgd`, `adam`, `adamw`.
    public static let standard: OptimizerRegistry = {
        var registry = OptimizerRegistry()
        for entry in Plugin.engine.optimizers { try! registry.register(entry) }
        return registry
    }()

    /// Adds a Swift optimizer type under its own `kind` name.
    public mutating func register(_ type: any RegisteredOptimizer.Type) throws { try register(OptimizerEntry(type)) }

    /// Builds the optimizer `spec` names, validating its settings.
    public func makeOptimizer(_ spec: OptimizerSpec) throws -> any Optimizer {
        let settings = Settings(owner: .optimizer(spec.kind), values: spec.settings)
        return try checkedEntry(spec.kind, settings: settings).maker.build(settings)
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
