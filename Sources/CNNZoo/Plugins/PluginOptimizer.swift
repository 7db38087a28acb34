/// An optimizer kind as a plugin library writes it: an update of one parameter at a time, on
/// the engine's buffers, so that it can cross the C boundary (`cnnzoo_plugin.h`).
///
/// The engine keeps everything that changes as the optimizer runs: it counts the steps, holds
/// one tensor per state slot and parameter (zeros on a slot's first step), saves them in
/// checkpoints and restores them on resume. The optimizer value holds only its settings.
public protocol PluginOptimizer: Sendable {
    /// The registry name of this kind.
    static var kind: String { get }
    /// One line saying what it does.
    static var summary: String { get }
    /// The settings a spec may give (`lr` among them).
    static var settings: [SettingDescription] { get }

    /// Builds the optimizer from a spec's settings, validating every one.
    init(settings: Settings) throws

    /// The base learning rate, which the schedule scales.
    var learningRate: Double { get }
    /// Every setting with its value, defaults filled in: what a checkpoint stores and what
    /// rebuilds an identical optimizer.
    var hyperparameters: [String: SettingValue] { get }
    /// The state slots kept for every parameter (PyTorch's names: `momentum_buffer`, `exp_avg`).
    var slots: [String] { get }

    /// Updates one parameter.
    func update(_ update: ParameterUpdate)
}

/// One optimizer update of one parameter, on the engine's buffers.
public struct ParameterUpdate {
    /// Steps taken before this one: 0 on the first.
    public let step: Int
    /// The scheduled learning rate for this step.
    public let learningRate: Double
    /// The parameter's path in the model: `conv1.weight`.
    public let path: String
    public let value: UnsafeMutableBufferPointer<Float>
    public let gradient: UnsafeBufferPointer<Float>
    /// One buffer per state slot, in the order of ``PluginOptimizer/slots``.
    public let slots: [UnsafeMutableBufferPointer<Float>]

    public init(step: Int, learningRate: Double, path: String, value: UnsafeMutableBufferPointer<Float>,
                gradient: UnsafeBufferPointer<Float>, slots: [UnsafeMutableBufferPointer<Float>]) {
        self.step = step
        self.learningRate = learningRate
        self.path = path
        self.value = value
        self.gradient = gradient
        self.slots = slots
    }

    /// Calls `body` on contiguous spans of the parameter's elements, on the engine's threads
    /// when the parameter is large enough to pay for them: for a rule where each element
    /// depends on nothing but its own index.
    public func forEachSpan(_ body: (Range<Int>) -> Void) {
        Parallelism.forEachSpan(value.count, body)
    }
}
