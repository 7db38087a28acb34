/// A loss kind as a plugin library writes it, on the engine's buffers: the batch mean of a
/// per-sample loss of outputs `[batch, width]`.
public protocol PluginLoss: AnyObject, SendableMetatype {
    /// The registry name of this kind.
    static var kind: String { get }
    /// One line saying what it computes.
    static var summary: String { get }
    /// The settings a spec may give.
    static var settings: [SettingDescription] { get }

    /// Builds the loss from a spec's settings, validating them.
    init(settings: Settings) throws

    /// Returns the loss and writes ∂loss/∂output into `gradient` in full.
    func evaluate(batch: Int, width: Int, output: UnsafeBufferPointer<Float>, target: UnsafeBufferPointer<Float>,
                  gradient: UnsafeMutableBufferPointer<Float>) -> Float
}
