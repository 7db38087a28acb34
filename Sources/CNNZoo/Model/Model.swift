/// A sequential network built from a ``ModelSpec`` through a ``LayerRegistry``.
public final class Model {
    /// The spec the model was built from.
    public let spec: ModelSpec
    /// The layers, in order, with their names from the spec.
    public let layers: [(name: String, layer: any Layer)]
    /// The loss the spec names.
    public let loss: any Loss

    /// Builds every layer and the loss through `registry`, inferring shapes from the spec's input shape.
    /// Parameters start at zero: call ``initializeParameters(seed:)`` or load them.
    /// - Throws: ``ModelError`` naming the layer and the problem.
    public convenience init(spec: ModelSpec, registry: Registry) throws {
        try self.init(spec: spec, registry: registry.layers, losses: registry.losses)
    }

    /// Builds every layer through `registry` and the loss through `losses`.
    public init(spec: ModelSpec, registry: LayerRegistry = .standard, losses: LossRegistry = .standard) throws {
        guard !spec.inputShape.isEmpty, spec.inputShape.allSatisfy({ $0 > 0 && $0 <= 1 << 16 }),
              Tensor.count(of: spec.inputShape) <= 1 << 26 else {
            throw ModelError.badSpec("input_shape must be positive sizes of sensible extent, got \(spec.inputShape)")
        }
        guard (1...1 << 16).contains(spec.classes) else {
            throw ModelError.badSpec("classes must be between 1 and 65536, got \(spec.classes)")
        }
        guard !spec.layers.isEmpty else { throw ModelError.badSpec("a model needs at least one layer") }
        var shape = spec.inputShape
        var built: [(String, any Layer)] = []
        var seen = Set<String>()
        for (index, layerSpec) in spec.layers.enumerated() {
            let name = layerSpec.name.isEmpty ? "\(layerSpec.kind)\(index + 1)" : layerSpec.name
            guard LayerName.isValid(name) else {
                throw ModelError.badSpec("layer \(index + 1): name '\(name)' must be 1–64 letters, digits, '_' or '-'")
            }
            guard seen.insert(name).inserted else {
                throw ModelError.badSpec("layer \(index + 1): name '\(name)' is used twice; layer names must be unique")
            }
            let layer = try registry.makeLayer(kind: layerSpec.kind,
                                               settings: LayerSettings(layerName: name, values: layerSpec.settings),
                                               inputShape: shape)
            shape = layer.outputShape
            guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }), Tensor.count(of: shape) <= 1 << 26 else {
                throw ModelError.shapeMismatch(layer: name, message: "output shape \(shape) is empty or too large")
            }
            built.append((name, layer))
        }
        guard Tensor.count(of: shape) == spec.classes else {
            throw ModelError.shapeMismatch(layer: built.last!.0,
                message: "the model ends with shape \(shape) but the spec has \(spec.classes) classes")
        }
        self.spec = spec
        self.layers = built
        self.loss = try losses.makeLoss(spec.loss)
        forwardSteps = Self.forwardSteps(built.map(\.1))
        namedParameters = built.flatMap { name, layer in layer.parameters.map { ("\(name).\($0.name)", $0) } }
        namedBuffers = built.flatMap { name, layer in layer.buffers.map { ("\(name).\($0.name)", $0) } }
    }

    /// Every parameter with its dotted path (`conv1.weight`), the key a checkpoint and PyTorch use.
    /// Fixed at build time: the layers and their parameters never change afterwards.
    public let namedParameters: [(path: String, parameter: Parameter)]

    /// The layers as the forward pass runs them, sample-wise layers fused onto the layer before.
    let forwardSteps: [ForwardStep]

    /// Every buffer (state saved but not trained) with its dotted path (`bn1.running_mean`).
    public let namedBuffers: [(path: String, buffer: Parameter)]

    /// The number of trainable scalars.
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.parameter.value.count } }

    /// The shape of one output sample.
    public var outputShape: [Int] { layers.last!.layer.outputShape }

    /// Draws every parameter from its initializer with a generator seeded by `seed`.
    public func initializeParameters(seed: UInt64) {
        var random = RandomGenerator(seed: seed)
        for (_, parameter) in namedParameters { parameter.initialize(using: &random) }
        for (_, buffer) in namedBuffers { buffer.initialize(using: &random) }
    }

    /// Runs a batch `[N, inputShape…]` through every layer.
    /// - Throws: ``ModelError/badSpec(_:)`` when the batch does not have the model's input shape.
    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) throws -> Tensor {
        guard input.shape.count == spec.inputShape.count + 1, Array(input.shape.dropFirst()) == spec.inputShape, input.batchSize > 0 else {
            throw ModelError.badSpec("model '\(spec.name)' takes batches of shape [N, \(spec.inputShape.map(String.init).joined(separator: ", "))], got \(input.shape)")
        }
        var activation = input
        // Handing each layer the only reference lets element-wise layers work in place.
        for step in forwardSteps { activation = Self.run(step, consume activation, mode: mode, random: &random) }
        return activation
    }

    /// Forward in evaluation mode (no dropout, no random draws).
    public func predict(_ input: Tensor) throws -> Tensor {
        var unused = RandomGenerator(seed: 0)
        return try forward(input, mode: .evaluation, random: &unused)
    }

    /// Back-propagates ∂L/∂output through every layer, accumulating parameter gradients.
    /// Returns ∂L/∂input when `needsInputGradient`; otherwise the first layer skips it.
    @discardableResult
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool = false) -> Tensor? {
        var gradient = outputGradient
        for (_, layer) in layers.dropFirst().reversed() { gradient = layer.backward(consume gradient) }
        if needsInputGradient { return layers[0].layer.backward(gradient) }
        layers[0].layer.accumulateParameterGradients(gradient)
        return nil
    }

    /// Clears every parameter's gradient.
    public func zeroGradients() {
        for (_, parameter) in namedParameters { parameter.clearGradient() }
    }
}
