/// A network built from a ``ModelSpec`` through a ``LayerRegistry``: a chain, each layer taking
/// the previous one's output, or a directed acyclic graph where layers name their inputs
/// (``LayerSpec/inputs``). Either way the layers run in the spec's order; the last one's output is
/// the model's.
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
        var shapes: [[Int]] = []
        var built: [(String, any Layer)] = []
        var sources: [[Int]] = []
        var indexOfName: [String: Int] = [:]
        let names = spec.layers.enumerated().map { index, layer in layer.name.isEmpty ? "\(layer.kind)\(index + 1)" : layer.name }
        let isGraph = spec.layers.contains { $0.inputs != nil }
        for (index, layerSpec) in spec.layers.enumerated() {
            let name = names[index]
            guard LayerName.isValid(name) else {
                throw ModelError.badSpec("layer \(index + 1): name '\(name)' must be 1–64 letters, digits, '_' or '-'")
            }
            guard indexOfName[name] == nil else {
                throw ModelError.badSpec("layer \(index + 1): name '\(name)' is used twice; layer names must be unique")
            }
            if isGraph && name == LayerSpec.modelInput {
                throw ModelError.badSpec("layer \(index + 1): '\(name)' names the model's input in a spec whose layers name their inputs; call the layer something else")
            }
            let mine = try layerSpec.inputs.map { inputs in
                guard !inputs.isEmpty else { throw ModelError.badSetting(layer: name, message: "'inputs' names no layer") }
                return try inputs.map { input -> Int in
                    if input == LayerSpec.modelInput { return -1 }
                    if let source = indexOfName[input] { return source }
                    if input == name { throw ModelError.badSetting(layer: name, message: "takes its own output as an input (a cycle)") }
                    if names.contains(input) {
                        throw ModelError.badSetting(layer: name, message: "input '\(input)' comes after it; a layer's inputs must come before it in the spec (no cycles)")
                    }
                    var message = "unknown input '\(input)'"
                    if let nearest = Suggestion.nearest(to: input, in: Array(names.prefix(index))) { message += " (did you mean '\(nearest)'?)" }
                    throw ModelError.badSetting(layer: name, message: message + "; an input is a layer before it, or '\(LayerSpec.modelInput)'")
                }
            } ?? [index - 1]
            let layer = try registry.makeLayer(kind: layerSpec.kind, settings: LayerSettings(layerName: name, values: layerSpec.settings),
                                               inputShapes: mine.map { $0 < 0 ? spec.inputShape : shapes[$0] })
            let shape = layer.outputShape
            guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }), Tensor.count(of: shape) <= 1 << 26 else {
                throw ModelError.shapeMismatch(layer: name, message: "output shape \(shape) is empty or too large")
            }
            indexOfName[name] = index
            shapes.append(shape)
            sources.append(mine)
            built.append((name, layer))
        }
        // Every output but the last feeds a layer: a branch that leads nowhere is a mistake.
        let used = Set(sources.joined())
        if let dangling = built.indices.dropLast().first(where: { !used.contains($0) }) {
            throw ModelError.badSpec("layer '\(built[dangling].0)': its output is not an input of any layer; only the last layer's output is the model's")
        }
        let shape = shapes.last!
        guard Tensor.count(of: shape) == spec.classes else {
            throw ModelError.shapeMismatch(layer: built.last!.0,
                message: "the model ends with shape \(shape) but the spec has \(spec.classes) classes")
        }
        self.spec = spec
        self.layers = built
        self.loss = try losses.makeLoss(spec.loss)
        (layerRegistry, lossRegistry) = (registry, losses)
        self.sources = sources
        uses = Self.uses(of: sources)
        isChain = sources.enumerated().allSatisfy { index, source in source == [index - 1] }
        forwardSteps = Self.forwardSteps(built.map(\.1))
        evaluationForwardSteps = Self.forwardSteps(built.map(\.1), mode: .evaluation)
        graphSteps = Self.graphSteps(built.map(\.1), sources: sources, uses: uses.layers)
        evaluationGraphSteps = Self.graphSteps(built.map(\.1), sources: sources, uses: uses.layers, mode: .evaluation)
        namedParameters = built.flatMap { name, layer in layer.parameters.map { ("\(name).\($0.name)", $0) } }
        namedBuffers = built.flatMap { name, layer in layer.buffers.map { ("\(name).\($0.name)", $0) } }
    }

    /// The registries the model was built through, for its copies (``predict(_:)``).
    let layerRegistry: LayerRegistry, lossRegistry: LossRegistry
    /// Copies of the layers for ``predict(_:)``'s threads, sharing the weights; built when first needed.
    var replicas: [Model] = []

    /// Every parameter with its dotted path (`conv1.weight`), the key a checkpoint and PyTorch use.
    /// Fixed at build time: the layers and their parameters never change afterwards.
    public let namedParameters: [(path: String, parameter: Parameter)]

    /// The layers as the forward pass of a chain runs them, sample-wise layers fused onto the layer before.
    let forwardSteps: [ForwardStep]
    /// The same in evaluation, where batch normalisation fuses too (``EvaluationSampleWiseLayer``).
    let evaluationForwardSteps: [ForwardStep]
    /// The layers as the forward pass of a graph runs them, fused where a block is a chain.
    let graphSteps: [GraphStep]
    /// The same in evaluation.
    let evaluationGraphSteps: [GraphStep]

    /// For each layer, the layers whose outputs it takes, in order (−1: the model's input).
    public let sources: [[Int]]
    /// Whether every layer takes the previous one's output alone.
    public let isChain: Bool
    /// How many layers take each output, and the model's input: how long the graph's forward
    /// pass keeps each.
    let uses: (input: Int, layers: [Int])

    /// Every buffer (state saved but not trained) with its dotted path (`bn1.running_mean`).
    public let namedBuffers: [(path: String, buffer: Parameter)]

    /// The number of trainable scalars.
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.parameter.count } }

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
        try checkInput(input)
        return run(input, mode: mode, random: &random)
    }

    /// The forward pass of a batch already checked to have the model's input shape.
    func run(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        guard isChain else { return graphForward(input, mode: mode, random: &random) }
        var activation = input
        // Handing each layer the only reference lets element-wise layers work in place.
        for step in mode == .training ? forwardSteps : evaluationForwardSteps { activation = Self.run(step, consume activation, mode: mode, random: &random) }
        return activation
    }

    /// Throws unless `input` is a batch of the model's input shape.
    func checkInput(_ input: borrowing Tensor) throws {
        guard input.shape.count == spec.inputShape.count + 1, Array(input.shape.dropFirst()) == spec.inputShape, input.batchSize > 0 else {
            throw ModelError.badSpec("model '\(spec.name)' takes batches of shape [N, \(spec.inputShape.map(String.init).joined(separator: ", "))], got \(input.shape)")
        }
    }

    /// Back-propagates ∂L/∂output through every layer, accumulating parameter gradients.
    /// Returns ∂L/∂input when `needsInputGradient`; otherwise the first layer skips it.
    /// The layers run from last to first; `finished(index)` is called as each is done, its
    /// parameters' gradients complete (a data-parallel step starts reducing them there).
    @discardableResult
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool = false, finished: ((_ layer: Int) -> Void)? = nil) -> Tensor? {
        guard isChain else { return graphBackward(outputGradient, needsInputGradient: needsInputGradient, finished: finished) }
        var gradient = outputGradient
        for index in layers.indices.dropFirst().reversed() {
            gradient = layers[index].layer.backward(consume gradient)
            finished?(index)
        }
        defer { finished?(0) }
        if needsInputGradient { return layers[0].layer.backward(gradient) }
        layers[0].layer.accumulateParameterGradients(gradient)
        return nil
    }

    /// Clears every parameter's gradient.
    public func zeroGradients() {
        for (_, parameter) in namedParameters { parameter.clearGradient() }
    }
}
