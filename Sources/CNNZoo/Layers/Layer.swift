/// Whether a forward pass is part of training (dropout active) or evaluation.
public enum Mode: Sendable {
    case training, evaluation
}

/// One step of a model: a forward map over a whole batch and its backward pass.
///
/// Shapes reported by `outputShape` are per sample (no batch axis); tensors passed to
/// `forward` and `backward` carry the batch first. A layer is built by its kind's registry
/// entry: a ``RegisteredLayer`` type, or a kind a plugin library adds through the C boundary.
public protocol Layer: AnyObject {
    /// The shape of one sample's output.
    var outputShape: [Int] { get }
    /// The trainable parameters, in a stable order.
    var parameters: [Parameter] { get }
    /// State that is saved and restored with the weights but not trained — BatchNorm's running
    /// statistics, PyTorch's registered buffers. The optimizer never sees them; the layer
    /// updates them itself (in training-mode forward passes). Their gradients go unused.
    var buffers: [Parameter] { get }
    /// Multiply-adds per sample of one forward pass (for `show` and the benchmark).
    var multiplyAdds: Int { get }
    /// The multiplies the layer really performs per sample, where its algorithm needs fewer than
    /// ``multiplyAdds`` (a Winograd convolution); the benchmark reports both rates.
    var performedMultiplyAdds: Int { get }

    /// Maps a batch `[N, inputShape…]` to `[N, outputShape…]`, caching what backward needs.
    func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor
    /// Given ∂L/∂output of the last forward batch, adds ∂L/∂θ into each parameter's
    /// gradient and returns ∂L/∂input.
    func backward(_ outputGradient: consuming Tensor) -> Tensor
    /// Like `backward` but without ∂L/∂input, for the first layer, whose input gradient
    /// nobody needs. The default runs `backward` and drops the result.
    func accumulateParameterGradients(_ outputGradient: Tensor)
}

/// A layer type that declares its own `kind` name and how it is built from settings; a
/// ``LayerRegistry`` maps kinds to builders, and a ``ModelSpec`` names kinds.
public protocol RegisteredLayer: Layer, SendableMetatype {
    /// The registry name of this kind of layer (`conv2d`, `relu`, …).
    static var kind: String { get }
    /// One line saying what the layer computes.
    static var summary: String { get }
    /// The settings a spec may give, for validation and for `cnn-zoo layers`.
    static var settings: [SettingDescription] { get }

    /// Builds the layer for inputs of `inputShape` (per sample), validating `settings`.
    /// Throws ``ModelError`` naming the problem; never traps on bad settings.
    init(settings: LayerSettings, inputShape: [Int]) throws
}

/// A layer of several inputs — `add`, `concat` — which a spec wires with `inputs`. The model
/// calls these two methods instead of the single-input ones.
public protocol MultiInputLayer: Layer {
    /// Maps the batches of every input, in the spec's order, to one output batch.
    func forward(inputs: [Tensor], mode: Mode, random: inout RandomGenerator) -> Tensor
    /// Given ∂L/∂output, returns ∂L/∂input for every input, in order.
    func backward(toInputs outputGradient: Tensor) -> [Tensor]
}

extension MultiInputLayer {
    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        forward(inputs: [input], mode: mode, random: &random)
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        backward(toInputs: outputGradient)[0]
    }
}

/// A multi-input layer type that declares its kind and how it is built from its inputs' shapes.
public protocol RegisteredMultiInputLayer: MultiInputLayer, SendableMetatype {
    static var kind: String { get }
    static var summary: String { get }
    static var settings: [SettingDescription] { get }

    /// Builds the layer for inputs of `inputShapes` (per sample, in the spec's order).
    init(settings: LayerSettings, inputShapes: [[Int]]) throws
}

extension Layer {
    public func accumulateParameterGradients(_ outputGradient: Tensor) {
        _ = backward(outputGradient)
    }

    public var parameters: [Parameter] { [] }
    public var buffers: [Parameter] { [] }
    public var multiplyAdds: Int { 0 }
    public var performedMultiplyAdds: Int { multiplyAdds }
}

/// One setting a layer kind accepts, as documented by `cnn-zoo layers`.
public struct SettingDescription: Sendable {
    public let name: String
    public let type: String
    /// The default, or nil when the setting is required.
    public let defaultValue: String?
    public let help: String

    public init(_ name: String, _ type: String, default defaultValue: String? = nil, _ help: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.help = help
    }
}
