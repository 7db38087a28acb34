extension Model {
    /// One step of a forward pass: a layer alone, or a sample-producing layer with the run of
    /// sample-wise layers after it, which then run on each sample as it is produced.
    enum ForwardStep {
        case single(any Layer)
        /// The followers are ``SampleWiseLayer``s, and in evaluation also ``EvaluationSampleWiseLayer``s.
        case fused(any SampleProducingLayer, followers: [any Layer])
    }

    /// Whether `layer` can follow a sample-producing layer in a fused step of a pass in `mode`, and if
    /// so whether the run of followers must end at it (it keeps its output for backward).
    static func follows(_ layer: any Layer, mode: Mode) -> (follows: Bool, endsRun: Bool) {
        if let sampleWise = layer as? any SampleWiseLayer { return (true, type(of: sampleWise).keepsOutput) }
        return (mode == .evaluation && layer is any EvaluationSampleWiseLayer, false)
    }

    /// The forward steps for `layers` in `mode`: each sample-producing layer takes the sample-wise
    /// layers right after it, up to and including the first that keeps its output.
    static func forwardSteps(_ layers: [any Layer], mode: Mode = .training) -> [ForwardStep] {
        var steps: [ForwardStep] = []
        var index = 0
        while index < layers.count {
            defer { index += 1 }
            guard let producer = layers[index] as? any SampleProducingLayer else {
                steps.append(.single(layers[index]))
                continue
            }
            var followers: [any Layer] = []
            while index + 1 < layers.count, case let (follows, endsRun) = follows(layers[index + 1], mode: mode), follows {
                followers.append(layers[index + 1])
                index += 1
                if endsRun { break }
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
            let passes = followers.map { follower -> (UnsafeMutablePointer<Float>, Int) -> Void in
                if let sampleWise = follower as? any SampleWiseLayer { return sampleWise.forward(sample:count:) }
                return (follower as! any EvaluationSampleWiseLayer).sampleWiseEvaluation()
            }
            let output = producer.forward(input, mode: mode, random: &random) { sample in
                for pass in passes { pass(sample, count) }
            }
            for case let follower as any SampleWiseLayer in followers { follower.finishFusedForward(output: output) }
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
    static func graphSteps(_ layers: [any Layer], sources: [[Int]], uses: [Int], mode: Mode = .training) -> [GraphStep] {
        var steps: [GraphStep] = []
        var index = 0
        while index < layers.count {
            let first = index
            defer { index += 1 }
            guard let producer = layers[index] as? any SampleProducingLayer else {
                steps.append(GraphStep(step: .single(layers[index]), layers: index...index))
                continue
            }
            var followers: [any Layer] = []
            while index + 1 < layers.count, sources[index + 1] == [index], uses[index] == 1,
                  case let (follows, endsRun) = follows(layers[index + 1], mode: mode), follows {
                followers.append(layers[index + 1])
                index += 1
                if endsRun { break }
            }
            steps.append(GraphStep(step: followers.isEmpty ? .single(producer) : .fused(producer, followers: followers),
                                   layers: first...index))
        }
        return steps
    }
}
