extension Model {
    /// One step of a forward pass: a layer alone, or a sample-producing layer with the run of
    /// sample-wise layers after it, which then run on each sample as it is produced.
    enum ForwardStep {
        case single(any Layer)
        case fused(any SampleProducingLayer, followers: [any SampleWiseLayer])
    }

    /// The forward steps for `layers`: each sample-producing layer takes the sample-wise layers
    /// right after it, up to and including the first that keeps its output.
    static func forwardSteps(_ layers: [any Layer]) -> [ForwardStep] {
        var steps: [ForwardStep] = []
        var index = 0
        while index < layers.count {
            defer { index += 1 }
            guard let producer = layers[index] as? any SampleProducingLayer else {
                steps.append(.single(layers[index]))
                continue
            }
            var followers: [any SampleWiseLayer] = []
            while index + 1 < layers.count, let follower = layers[index + 1] as? any SampleWiseLayer {
                followers.append(follower)
                index += 1
                if type(of: follower).keepsOutput { break }
            }
            steps.append(followers.isEmpty ? .single(producer) : .fused(producer, followers: followers))
        }
        return steps
    }

    /// Runs one forward step.
    static func run(_ step: ForwardStep, _ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        switch step {
        case .single(let layer):
            return layer.forward(input, mode: mode, random: &random)
        case .fused(let producer, let followers):
            let count = Tensor.count(of: producer.outputShape)
            let output = producer.forward(input, mode: mode, random: &random) { sample in
                for follower in followers { follower.forward(sample: sample, count: count) }
            }
            for follower in followers { follower.finishFusedForward(output: output) }
            return output
        }
    }

    /// A forward step of a graph: the layers it covers, `first` taking its inputs from
    /// `sources[first]`, `last` leaving the output that later layers take.
    struct GraphStep {
        let step: ForwardStep
        let layers: ClosedRange<Int>
    }

    /// The forward steps of a graph: as ``forwardSteps(_:)`` fuses a chain, a sample-producing
    /// layer takes the sample-wise layers after it while each takes the one before alone and
    /// nothing else takes that one's output — inside a block (conv → bias → relu) as in a chain.
    static func graphSteps(_ layers: [any Layer], sources: [[Int]], uses: [Int]) -> [GraphStep] {
        var steps: [GraphStep] = []
        var index = 0
        while index < layers.count {
            let first = index
            defer { index += 1 }
            guard let producer = layers[index] as? any SampleProducingLayer else {
                steps.append(GraphStep(step: .single(layers[index]), layers: index...index))
                continue
            }
            var followers: [any SampleWiseLayer] = []
            while index + 1 < layers.count, sources[index + 1] == [index], uses[index] == 1,
                  let follower = layers[index + 1] as? any SampleWiseLayer {
                followers.append(follower)
                index += 1
                if type(of: follower).keepsOutput { break }
            }
            steps.append(GraphStep(step: followers.isEmpty ? .single(producer) : .fused(producer, followers: followers),
                                   layers: first...index))
        }
        return steps
    }
}
