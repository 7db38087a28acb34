/// A rule that updates parameters from their gradients: a registered kind, like a layer.
///
/// An optimizer value holds only its hyperparameters; everything that changes as it runs
/// lives in an ``OptimizerState`` the trainer owns and a checkpoint saves. A kind declares
/// the per-parameter state slots it keeps (``slots``), so a checkpoint reader knows exactly
/// which tensors a complete state must hold. A plugin adds a kind by conforming a type and
/// registering it in an ``OptimizerRegistry``.
public protocol Optimizer: Sendable {
    /// The registry name of its kind (`sgd`, `adam`, …).
    var kind: String { get }
    /// The base learning rate, which the schedule scales.
    var learningRate: Double { get }
    /// Every setting with its value, defaults filled in, in declaration order: what a
    /// checkpoint stores and what rebuilds an identical optimizer.
    var hyperparameters: [(name: String, value: SettingValue)] { get }
    /// The state slots this configuration keeps for every parameter once it has taken a
    /// step (PyTorch's names: `momentum_buffer`, `exp_avg`, …); none before the first step.
    var slots: [String] { get }

    /// Updates every parameter from its gradient at `learningRate` (the scheduled rate), advancing `state`
    /// (whose ``OptimizerState/step`` counts the steps taken, this one included, on return).
    func step(_ parameters: [(path: String, parameter: Parameter)], learningRate: Double, state: inout OptimizerState)
}

/// An optimizer type that declares its own `kind` name and how it is built from settings.
public protocol RegisteredOptimizer: Optimizer, SendableMetatype {
    /// The registry name of this kind (`sgd`, `adam`, …).
    static var kind: String { get }
    /// One line saying what it does.
    static var summary: String { get }
    /// The settings a spec may give (`lr` among them), for validation and `cnn-zoo show`.
    static var settings: [SettingDescription] { get }

    /// Builds the optimizer from a spec's settings, validating every one.
    /// Throws ``ModelError/badOptimizer(_:)`` naming the problem; never traps on bad settings.
    init(settings: Settings) throws
}

extension RegisteredOptimizer {
    /// The kind of this value.
    public var kind: String { Self.kind }
}

extension Optimizer {
    /// The optimizer as a spec names it, hyperparameters included.
    public var spec: OptimizerSpec {
        OptimizerSpec(kind: kind, settings: Dictionary(uniqueKeysWithValues: hyperparameters.map { ($0.name, $0.value) }))
    }

    /// "adam lr 0.001, betas [0.9, 0.999], eps 1e-08, weight_decay 0, amsgrad false".
    public var summaryLine: String {
        kind + " " + hyperparameters.map { "\($0.name) \($0.value)" }.joined(separator: ", ")
    }
}
