/// Maps optimizer kind names to the types that build them; the optimizers' counterpart of
/// ``LayerRegistry``, a value type with the same rules (a taken name is refused).
public struct OptimizerRegistry: Sendable {
    /// What the registry knows of one kind.
    public struct Entry: Sendable {
        public let kind: String
        public let summary: String
        public let settings: [SettingDescription]
        public let type: any Optimizer.Type
    }

    private var entries: [String: Entry] = [:]

    /// An empty registry.
    public init() {}

    /// The built-in optimizers: `sgd`, `adam`, `adamw`.
    public static let standard: OptimizerRegistry = {
        var registry = OptimizerRegistry()
        for type in Plugin.engine.optimizers { try! registry.register(type) }
        return registry
    }()

    /// Adds an optimizer kind under its own `kind` name.
    /// - Throws: ``ModelError/duplicateKind(_:)`` if the name is taken.
    public mutating func register(_ type: any Optimizer.Type) throws {
        let kind = type.kind
        guard entries[kind] == nil else { throw ModelError.badOptimizer("optimizer kind '\(kind)' is already registered; choose another kind name") }
        guard LayerName.isValid(kind) else {
            throw ModelError.badOptimizer("optimizer kind '\(kind)' must be letters, digits, '_' or '-'")
        }
        entries[kind] = Entry(kind: kind, summary: type.summary, settings: type.settings, type: type)
    }

    /// The registered kind names, sorted.
    public var kinds: [String] { entries.keys.sorted() }

    /// The entry for `kind`, if registered.
    public func entry(for kind: String) -> Entry? { entries[kind] }

    /// Builds the optimizer `spec` names, validating its settings.
    public func makeOptimizer(_ spec: OptimizerSpec) throws -> any Optimizer {
        guard let entry = entries[spec.kind] else {
            var message = "unknown optimizer '\(spec.kind)'"
            if let nearest = Suggestion.nearest(to: spec.kind, in: kinds) { message += " (did you mean '\(nearest)'?)" }
            throw ModelError.badOptimizer(message + "; known optimizers: \(kinds.joined(separator: ", "))")
        }
        let settings = Settings(owner: .optimizer(spec.kind), values: spec.settings)
        try settings.checkKnown(entry.settings)
        return try entry.type.init(settings: settings)
    }
}
