/// A layer kind as a plugin library writes it: a forward and a backward pass over raw buffers
/// that the engine owns, so that it can cross the C boundary (`cnnzoo_plugin.h`) without a
/// tensor being copied.
///
/// The engine allocates the output and the gradients and passes pointers to them, with the
/// values of the layer's parameters. It keeps the forward pass's input for the backward pass,
/// so a layer caches only what it computes itself. A ``PluginLibrary`` lists such types; the
/// same types can be built into a program (``Plugin/init(library:)``), through the same table.
///
/// For work over the batch, ``Parallelism/forEachChunk(_:_:)`` runs on the program's threads
/// from inside a loaded library too.
public protocol PluginLayer: AnyObject, SendableMetatype {
    /// The registry name of this kind of layer.
    static var kind: String { get }
    /// One line saying what the layer computes.
    static var summary: String { get }
    /// The settings a spec may give, for validation and for `cnn-zoo layers`.
    static var settings: [SettingDescription] { get }

    /// Builds the layer for per-sample inputs of `inputShape`, validating `settings`; a bad
    /// setting or shape throws a ``ModelError`` naming it.
    init(settings: Settings, inputShape: [Int]) throws

    /// The shape of one sample's output.
    var outputShape: [Int] { get }
    /// The trained parameters, then the buffers (saved with the weights, never trained), in a
    /// stable order: the order of the values a pass hands over.
    var parameters: [ParameterDescription] { get }
    /// Multiply-adds per sample of one forward pass.
    var multiplyAdds: Int { get }

    /// Writes the output of a batch; in training, also updates the buffers and caches what the
    /// backward pass needs.
    func forward(_ pass: LayerForwardPass)
    /// Writes this batch's ∂L/∂θ of every trained parameter and, when asked for, ∂L/∂input.
    func backward(_ pass: LayerBackwardPass)
    /// The ONNX nodes computing the layer in inference form, for `cnn-zoo export`: from
    /// `inputs` to `output`, its weights named `<name>.<parameter>`; nil (the default) when it
    /// has none, and export then fails naming the kind.
    func onnxNodes(name: String, inputs: [String], output: String) -> ONNXNodes?
}

extension PluginLayer {
    public var multiplyAdds: Int { 0 }
    public func onnxNodes(name: String, inputs: [String], output: String) -> ONNXNodes? { nil }
}

/// A parameter or buffer of a ``PluginLayer``: what the engine allocates, initialises, trains
/// (parameters only) and saves.
public struct ParameterDescription: Sendable, Equatable {
    /// Its name in checkpoints and in PyTorch's `state_dict`: `weight`, `running_mean`.
    public var name: String
    public var shape: [Int]
    /// How a fresh model draws it.
    public var initializer: Initializer
    public var fanIn: Int, fanOut: Int
    /// A buffer is saved and restored, never trained: the layer updates it in forward passes.
    public var isBuffer: Bool

    public init(name: String, shape: [Int], initializer: Initializer, fanIn: Int = 1, fanOut: Int = 1, isBuffer: Bool = false) {
        self.name = name
        self.shape = shape
        self.initializer = initializer
        self.fanIn = fanIn
        self.fanOut = fanOut
        self.isBuffer = isBuffer
    }

    /// The number of values.
    public var count: Int { Tensor.count(of: shape) }
}

/// One forward pass of a ``PluginLayer`` over a batch, on the engine's buffers.
public struct LayerForwardPass {
    /// The samples in the batch.
    public let batch: Int
    public let mode: Mode
    /// `[batch, input shape…]`.
    public let input: UnsafeBufferPointer<Float>
    /// `[batch, output shape…]`, to be written in full.
    public let output: UnsafeMutableBufferPointer<Float>
    /// The values of each parameter and buffer, in the order the layer lists them; buffers are
    /// the layer's to update.
    public let values: [UnsafeMutableBufferPointer<Float>]
    /// Draws from the run's generator (deterministic for the seed).
    public var random: PassRandom

    public init(batch: Int, mode: Mode, input: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>,
                values: [UnsafeMutableBufferPointer<Float>], random: PassRandom) {
        self.batch = batch
        self.mode = mode
        self.input = input
        self.output = output
        self.values = values
        self.random = random
    }
}

/// One backward pass of a ``PluginLayer``, for the batch of its last training forward pass.
public struct LayerBackwardPass {
    public let batch: Int
    /// The forward pass's input, as it was.
    public let input: UnsafeBufferPointer<Float>
    /// ∂L/∂output.
    public let outputGradient: UnsafeBufferPointer<Float>
    /// ∂L/∂input, to be written in full; nil when nobody needs it (the first layer).
    public let inputGradient: UnsafeMutableBufferPointer<Float>?
    /// The values of each parameter and buffer, in the layer's order.
    public let values: [UnsafeMutableBufferPointer<Float>]
    /// For each parameter, to be written with this batch's gradient summed over the batch; nil
    /// for the buffers. The engine adds it to the running gradient.
    public let gradients: [UnsafeMutableBufferPointer<Float>?]

    public init(batch: Int, input: UnsafeBufferPointer<Float>, outputGradient: UnsafeBufferPointer<Float>,
                inputGradient: UnsafeMutableBufferPointer<Float>?, values: [UnsafeMutableBufferPointer<Float>],
                gradients: [UnsafeMutableBufferPointer<Float>?]) {
        self.batch = batch
        self.input = input
        self.outputGradient = outputGradient
        self.inputGradient = inputGradient
        self.values = values
        self.gradients = gradients
    }
}

/// The run's random generator as a forward pass lends it: a plain `RandomNumberGenerator`.
public struct PassRandom: RandomNumberGenerator {
    private let draw: () -> UInt64

    public init(_ draw: @escaping () -> UInt64) { self.draw = draw }

    public mutating func next() -> UInt64 { draw() }

    /// A uniform draw in [0, 1), as the engine's own generator makes them.
    public mutating func nextUniform() -> Float { Float(next() >> 40) * 0x1p-24 }
}
