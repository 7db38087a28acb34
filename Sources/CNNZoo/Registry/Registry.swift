/// Everything a cnn-zoo run can name — layer, loss and optimizer kinds and zoo entries — and
/// the plugin each came from. One value, built from plugin descriptions (the built-ins first)
/// and passed to whatever builds models, reads checkpoints or lists kinds; nothing global.
public struct Registry: Sendable {
    /// What a registered plugin contributed.
    public struct PluginRecord: Sendable, Equatable {
        public let name: String
        public let version: String
        /// Where it came from: `built in`, or the file it was loaded from.
        public let origin: String
        public let layers: [String]
        public let losses: [String]
        public let optimizers: [String]
        public let models: [String]
    }

    /// A contribution, for ownership and messages: `layer kind 'batchnorm2d'`.
    public enum Contribution: Hashable, Sendable, CustomStringConvertible {
        case layer(String), loss(String), optimizer(String), model(String)

        /// What it is (`layer`, `loss`, `optimizer`, `model`) and its name.
        public var role: String {
            switch self {
            case .layer: return "layer"
            case .loss: return "loss"
            case .optimizer: return "optimizer"
            case .model: return "model"
            }
        }

        public var name: String {
            switch self { case .layer(let n), .loss(let n), .optimizer(let n), .model(let n): return n }
        }

        /// The contribution of `role` called `name`, or nil for an unknown role.
        public init?(role: String, name: String) {
            switch role {
            case "layer": self = .layer(name)
            case "loss": self = .loss(name)
            case "optimizer": self = .optimizer(name)
            case "model": self = .model(name)
            default: return nil
            }
        }

        public var description: String {
            switch self {
            case .layer(let kind): return "layer kind '\(kind)'"
            case .loss(let kind): return "loss kind '\(kind)'"
            case .optimizer(let kind): return "optimizer kind '\(kind)'"
            case .model(let name): return "zoo entry '\(name)'"
            }
        }
    }

    public private(set) var layers = LayerRegistry()
    public private(set) var losses = LossRegistry()
    public private(set) var optimizers = OptimizerRegistry()
    /// The zoo entries, in registration order.
    public private(set) var models: [ModelSpec] = []
    public private(set) var plugins: [PluginRecord] = []
    private var owners: [Contribution: PluginRecord] = [:]

    /// An empty registry.
    public init() {}

    /// A registry of `plugins` built into the program, added in order.
    public init(plugins: [Plugin]) throws {
        for plugin in plugins { try add(plugin) }
    }

    /// The engine's built-in kinds (no zoo entries).
    public static let standard = try! Registry(plugins: [.engine])

    /// Adds everything `plugin` contributes, or nothing: a name already taken — by a built-in or
    /// another plugin — is refused naming both, and each zoo entry must build from the kinds
    /// registered so far, the plugin's own included.
    public mutating func add(_ plugin: Plugin, origin: String = "built in") throws {
        if let same = plugins.first(where: { $0.name == plugin.name }) {
            throw ModelError.badSpec("plugin '\(plugin.name)' (\(origin)) is already loaded (\(same.origin))")
        }
        let record = PluginRecord(name: plugin.name, version: plugin.version, origin: origin,
                                  layers: plugin.layers.map(\.kind), losses: plugin.losses.map(\.kind),
                                  optimizers: plugin.optimizers.map(\.kind), models: plugin.models.map(\.name))
        var next = self
        let contributions = record.layers.map(Contribution.layer) + record.losses.map(Contribution.loss)
            + record.optimizers.map(Contribution.optimizer) + record.models.map(Contribution.model)
        for contribution in contributions {
            if let owner = next.owners[contribution] {
                let by = owner.name == plugin.name ? "it" : "plugin '\(owner.name)' \(owner.version) (\(owner.origin))"
                throw ModelError.badSpec("plugin '\(plugin.name)' \(plugin.version) (\(origin)) registers \(contribution), which \(by) already registers")
            }
            next.owners[contribution] = record
        }
        do {
            for entry in plugin.layers { try next.layers.register(entry) }
            for entry in plugin.losses { try next.losses.register(entry) }
            for entry in plugin.optimizers { try next.optimizers.register(entry) }
        } catch let error as ModelError {
            throw ModelError.badSpec("plugin '\(plugin.name)' (\(origin)): \(error.description)")
        }
        for spec in plugin.models {
            do {
                _ = try Model(spec: spec, registry: next)
                _ = try next.optimizers.makeOptimizer(spec.training.optimizer)
            } catch let error as ModelError {
                throw ModelError.badSpec("plugin '\(plugin.name)' (\(origin)): zoo entry '\(spec.name)' does not build: \(error.description)")
            }
        }
        next.models += plugin.models
        next.plugins.append(record)
        self = next
    }

    /// The plugin that registered `contribution`.
    public func owner(of contribution: Contribution) -> PluginRecord? { owners[contribution] }

    /// Every kind a spec (with its optimizer) uses, for checkpoints to record what they need.
    public static func contributions(of spec: ModelSpec, optimizer: String) -> [Contribution] {
        var seen = Set<Contribution>(), ordered: [Contribution] = []
        for contribution in spec.layers.map({ Contribution.layer($0.kind) }) + [.loss(spec.loss.kind), .optimizer(optimizer)]
        where seen.insert(contribution).inserted {
            ordered.append(contribution)
        }
        return ordered
    }
}
