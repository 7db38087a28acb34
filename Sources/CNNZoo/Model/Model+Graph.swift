extension Model {
    /// The forward pass of a graph: the layers in the spec's order (fused as ``graphSteps``
    /// says), each given its inputs' outputs,
    /// each output kept until its last consumer has run (which then gets the only reference, so an
    /// element-wise layer can work in place).
    func graphForward(_ input: Tensor, mode: Mode, random: inout RandomGenerator, observe: ((Int, Tensor) -> Void)? = nil) -> Tensor {
        var outputs = [Tensor?](repeating: nil, count: layers.count)
        var modelInput: Tensor? = input
        var remaining = uses
        func take(_ source: Int) -> Tensor {
            if source < 0 {
                remaining.input -= 1
                defer { if remaining.input == 0 { modelInput = nil } }
                return modelInput!
            }
            remaining.layers[source] -= 1
            defer { if remaining.layers[source] == 0 { outputs[source] = nil } }
            return outputs[source]!
        }
        // Pictures need every layer's output, so `observe` runs the layers one at a time (the
        // same values: a fused step computes what its layers compute in turn).
        let steps = observe == nil ? (mode == .training ? graphSteps : evaluationGraphSteps) : layers.indices.map { GraphStep(step: .single(layers[$0].layer), layers: $0...$0) }
        for graphStep in steps {
            let (first, last) = (graphStep.layers.lowerBound, graphStep.layers.upperBound)
            let output: Tensor
            if let merge = layers[first].layer as? any MultiInputLayer {
                output = merge.forward(inputs: sources[first].map(take), mode: mode, random: &random)
            } else {
                output = Self.run(graphStep.step, take(sources[first][0]), mode: mode, random: &random)
            }
            observe?(first, output)
            outputs[last] = output
        }
        return outputs[layers.count - 1]!
    }

    /// How many layers take each output (the last one's also the model's), and the model's input.
    static func uses(of sources: [[Int]]) -> (input: Int, layers: [Int]) {
        var counts = [Int](repeating: 0, count: sources.count), input = 0
        for source in sources.joined() {
            if source < 0 { input += 1 } else { counts[source] += 1 }
        }
        counts[sources.count - 1] += 1
        return (input, counts)
    }

    /// The backward pass of a graph: the layers in reverse order, where an output feeds several
    /// layers its gradients added in the order of those layers from last to first — a fixed order,
    /// so the sums are the same on every run.
    func graphBackward(_ outputGradient: Tensor, needsInputGradient: Bool, finished: ((Int) -> Void)?) -> Tensor? {
        var gradients = [Tensor?](repeating: nil, count: layers.count)
        gradients[layers.count - 1] = outputGradient
        var inputGradient: Tensor?
        func add(_ gradient: Tensor, to source: Int) {
            if source < 0 {
                inputGradient = inputGradient.map { Tensor.sum($0, gradient) } ?? gradient
            } else {
                gradients[source] = gradients[source].map { Tensor.sum($0, gradient) } ?? gradient
            }
        }
        for (index, (_, layer)) in layers.enumerated().reversed() {
            guard let gradient = gradients[index] else { continue }
            gradients[index] = nil
            let mine = sources[index]
            if let merge = layer as? any MultiInputLayer {
                for (source, part) in zip(mine, merge.backward(toInputs: gradient)) { add(part, to: source) }
            } else if mine == [-1] && !needsInputGradient {
                layer.accumulateParameterGradients(gradient)
            } else {
                add(layer.backward(gradient), to: mine[0])
            }
            finished?(index)
        }
        return needsInputGradient ? inputGradient : nil
    }

    /// Runs a batch through the model in evaluation mode, layer by layer, handing every layer's
    /// output to `observe` as it is made (for pictures of the feature maps); the same values as
    /// ``forward(_:mode:random:)``.
    public func forward(_ input: Tensor, observe: (_ layer: Int, _ output: Tensor) -> Void) throws -> Tensor {
        try checkInput(input)
        var random = RandomGenerator(seed: 0)
        return withoutActuallyEscaping(observe) { observe in graphForward(input, mode: .evaluation, random: &random, observe: observe) }
    }
}
