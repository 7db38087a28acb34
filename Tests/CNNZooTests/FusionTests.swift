import XCTest
@testable import CNNZoo
import CNNZooTesting

/// The speed-ups that change how work is arranged but must not change a single value: sample-wise
/// layers fused onto a convolution, and a dense ∂W formed a block of columns at a time.
final class FusionTests: XCTestCase {
    override func tearDown() { Parallelism.setThreads(ProcessInfoCores.active) }

    static let spec = ModelSpec(name: "fused", inputShape: [2, 6, 6], classes: 3, layers: [
        LayerSpec(name: "conv1", kind: "conv2d", settings: ["out_channels": 4, "kernel": 3, "padding": 1]),
        LayerSpec(name: "bias1", kind: "bias", settings: ["init": "lecun_uniform"]),
        LayerSpec(name: "relu1", kind: "relu"),
        LayerSpec(name: "conv2", kind: "conv2d", settings: ["out_channels": 3, "kernel": 3, "bias": false]),
        LayerSpec(name: "sigmoid", kind: "sigmoid"),
        LayerSpec(name: "bias2", kind: "bias", settings: ["init": "lecun_uniform"]),
        LayerSpec(name: "flat", kind: "flatten"),
        LayerSpec(name: "fc", kind: "dense", settings: ["units": 3]),
    ], loss: LossSpec(kind: "cross_entropy"))

    func testARunOfSampleWiseLayersEndsAtTheFirstThatKeepsItsOutput() throws {
        let model = try Model(spec: Self.spec)
        func kind(_ layer: any Layer) -> String { (type(of: layer) as! any RegisteredLayer.Type).kind }
        let steps = model.forwardSteps.map { step -> String in
            switch step {
            case .single(let layer): return kind(layer)
            case .fused(let producer, let followers):
                return ([kind(producer)] + followers.map(kind)).joined(separator: "+")
            }
        }
        // conv2's sigmoid keeps its output for backward, so bias2 (which would change it) runs alone.
        XCTAssertEqual(steps, ["conv2d+bias+relu", "conv2d+sigmoid", "bias", "flatten", "dense"])
    }

    /// The fused forward pass gives exactly what the layers give one after another, on one
    /// thread and on three, and what the activations keep for backward is the same too.
    func testFusedForwardEqualsLayerByLayer() throws {
        for threads in [1, 3] {
            Parallelism.setThreads(threads)
            let model = try Model(spec: Self.spec)
            model.initializeParameters(seed: 5)
            var random = RandomGenerator(seed: 9)
            let input = Tensor(shape: [5, 2, 6, 6], scalars: (0..<360).map { _ in Float(random.nextUniform()) * 2 - 1 })
            let separate = model.layerByLayer(input, mode: .training, random: &random)
            let keptSeparately = try XCTUnwrap(model.layers[4].layer as? Sigmoid).output
            let fused = try model.forward(input, mode: .training, random: &random)
            XCTAssertEqual(fused.scalars, separate.scalars, "\(threads) thread(s)")
            XCTAssertEqual(try XCTUnwrap(model.layers[4].layer as? Sigmoid).output.scalars, keptSeparately.scalars)
        }
    }

    /// Inside a graph a convolution takes the sample-wise layers after it while nothing else
    /// takes what they pass along: a block's conv → bias → activation fuses, a conv whose output also
    /// feeds a shortcut does not. The fused pass gives what the layers give one at a time.
    func testGraphBlocksFuseWhereTheyAreChains() throws {
        let spec = ModelSpec(name: "fused-graph", inputShape: [2, 6, 6], classes: 3, layers: [
            LayerSpec(name: "stem", kind: "conv2d", settings: ["out_channels": 3, "kernel": 3, "padding": 1]),
            LayerSpec(name: "stem_act", kind: "tanh"),
            LayerSpec(name: "conv1", kind: "conv2d", settings: ["out_channels": 3, "kernel": 3, "padding": 1, "bias": false]),
            LayerSpec(name: "bias1", kind: "bias", settings: ["init": "lecun_uniform"]),
            LayerSpec(name: "act1", kind: "tanh"),
            LayerSpec(name: "conv2", kind: "conv2d", settings: ["out_channels": 3, "kernel": 3, "padding": 1]),
            LayerSpec(name: "sum", kind: "add", inputs: ["conv2", "stem_act"]),
            LayerSpec(name: "side", kind: "conv2d", settings: ["out_channels": 2, "kernel": 1], inputs: ["sum"]),
            LayerSpec(name: "side_act", kind: "sigmoid"),
            LayerSpec(name: "joined", kind: "concat", inputs: ["sum", "side_act", "side"]),
            LayerSpec(name: "gap", kind: "global_avg_pool"),
            LayerSpec(name: "fc", kind: "dense", settings: ["units": 3]),
        ], loss: LossSpec(kind: "cross_entropy"))
        let model = try Model(spec: spec)
        func kind(_ layer: any Layer) -> String {
            (type(of: layer) as? any RegisteredLayer.Type)?.kind ?? (type(of: layer) as! any RegisteredMultiInputLayer.Type).kind
        }
        let steps = model.graphSteps.map { graphStep -> String in
            switch graphStep.step {
            case .single(let layer): return kind(layer)
            case .fused(let producer, let followers): return ([kind(producer)] + followers.map(kind)).joined(separator: "+")
            }
        }
        // Smooth activations, so no kink sits near a finite-difference probe. stem_act feeds the
        // sum too, but only after it: its tanh still fuses onto the stem.
        // side's output is also concatenated, so its sigmoid runs alone.
        XCTAssertEqual(steps, ["conv2d+tanh", "conv2d+bias+tanh", "conv2d", "add", "conv2d", "sigmoid", "concat",
                               "global_avg_pool", "dense"])
        XCTAssertEqual(model.graphSteps.map(\.layers), [0...1, 2...4, 5...5, 6...6, 7...7, 8...8, 9...9, 10...10, 11...11])
        for threads in [1, 3] {
            Parallelism.setThreads(threads)
            model.initializeParameters(seed: 5)
            let input = GradientCheck.randomTensor([5, 2, 6, 6], seed: 8)
            var random = RandomGenerator(seed: 9)
            let fused = try model.forward(input, mode: .evaluation, random: &random)
            let oneAtATime = try model.forward(input) { _, _ in }
            XCTAssertEqual(fused.scalars, oneAtATime.scalars, "\(threads) thread(s)")
        }
        try GradientCheck.check(model, input: GradientCheck.randomTensor([2, 2, 6, 6], seed: 3))
    }

    /// In evaluation batch normalisation runs with fixed statistics, so it fuses onto the convolution
    /// before it like a sample-wise layer (in training it needs the whole batch and runs alone); the
    /// fused evaluation gives exactly what the layers give one at a time, in a chain and in a graph.
    func testBatchNormalisationFusesInEvaluationWithTheSameValues() throws {
        let layers = [
            LayerSpec(name: "conv1", kind: "conv2d", settings: ["out_channels": 3, "kernel": 3, "padding": 1, "bias": false]),
            LayerSpec(name: "bn1", kind: "batchnorm2d"),
            LayerSpec(name: "relu1", kind: "relu"),
            LayerSpec(name: "conv2", kind: "conv2d", settings: ["out_channels": 3, "kernel": 3, "padding": 1, "bias": false]),
            LayerSpec(name: "bn2", kind: "batchnorm2d"),
        ]
        let chain = ModelSpec(name: "bn-chain", inputShape: [2, 6, 6], classes: 3, layers: layers + [
            LayerSpec(name: "gap", kind: "global_avg_pool"),
            LayerSpec(name: "fc", kind: "dense", settings: ["units": 3]),
        ], loss: LossSpec(kind: "cross_entropy"))
        let graph = ModelSpec(name: "bn-graph", inputShape: [2, 6, 6], classes: 3, layers: [
            LayerSpec(name: "stem", kind: "conv2d", settings: ["out_channels": 3, "kernel": 1]),
        ] + layers + [
            LayerSpec(name: "sum", kind: "add", inputs: ["bn2", "stem"]),
            LayerSpec(name: "gap", kind: "global_avg_pool"),
            LayerSpec(name: "fc", kind: "dense", settings: ["units": 3]),
        ], loss: LossSpec(kind: "cross_entropy"))
        func kind(_ layer: any Layer) -> String {
            (type(of: layer) as? any RegisteredLayer.Type)?.kind ?? (type(of: layer) as! any RegisteredMultiInputLayer.Type).kind
        }
        func describe(_ steps: [Model.ForwardStep]) -> [String] {
            steps.map { step in
                switch step {
                case .single(let layer): return kind(layer)
                case .fused(let producer, let followers): return ([kind(producer)] + followers.map(kind)).joined(separator: "+")
                }
            }
        }
        let chainModel = try Model(spec: chain), graphModel = try Model(spec: graph)
        // In training batch normalisation runs alone, and hands its samples to a ReLU after it.
        XCTAssertEqual(describe(chainModel.forwardSteps), ["conv2d", "batchnorm2d+relu", "conv2d", "batchnorm2d", "global_avg_pool", "dense"])
        XCTAssertEqual(describe(chainModel.evaluationForwardSteps), ["conv2d+batchnorm2d+relu", "conv2d+batchnorm2d", "global_avg_pool", "dense"])
        XCTAssertEqual(describe(graphModel.evaluationGraphSteps.map(\.step)),
                       ["conv2d", "conv2d+batchnorm2d+relu", "conv2d+batchnorm2d", "add", "global_avg_pool", "dense"])
        // Training: the ReLU after a batch normalisation runs on each of its samples, with the same
        // values, the same statistics and the same output kept for backward as one layer after another.
        for threads in [1, 3] {
            Parallelism.setThreads(threads)
            let fused = try Model(spec: chain), separate = try Model(spec: chain)
            fused.initializeParameters(seed: 6)
            separate.initializeParameters(seed: 6)
            let input = GradientCheck.randomTensor([5, 2, 6, 6], seed: 2)
            var random = RandomGenerator(seed: 1)
            let output = try fused.forward(input, mode: .training, random: &random)
            let layerByLayer = separate.layerByLayer(input, mode: .training, random: &random)
            XCTAssertEqual(output.scalars, layerByLayer.scalars, "training, \(threads) thread(s)")
            XCTAssertEqual(fused.namedBuffers.map(\.buffer.value), separate.namedBuffers.map(\.buffer.value))
            XCTAssertEqual(try XCTUnwrap(fused.layers[2].layer as? ReLU).output, try XCTUnwrap(separate.layers[2].layer as? ReLU).output)
        }
        for model in [chainModel, graphModel] {
            model.initializeParameters(seed: 5)
            // Statistics and scales of every kind, as training leaves them.
            for (index, (path, buffer)) in (model.namedBuffers + model.namedParameters.filter { $0.path.hasPrefix("bn") }).enumerated() {
                let values = GradientCheck.randomTensor(buffer.value.shape, seed: UInt64(40 + index)).scalars
                buffer.value = Tensor(shape: buffer.value.shape, scalars: path.hasSuffix("running_var") ? values.map { 0.5 + abs($0) } : values)
            }
            for threads in [1, 3] {
                Parallelism.setThreads(threads)
                let input = GradientCheck.randomTensor([5, 2, 6, 6], seed: 8)
                let fused = try model.predict(input)
                var random = RandomGenerator(seed: 1)
                let oneAtATime = model.isChain ? model.layerByLayer(input, mode: .evaluation, random: &random)
                    : try model.forward(input) { _, _ in }
                XCTAssertEqual(fused.scalars, oneAtATime.scalars, "\(model.spec.name), \(threads) thread(s)")
            }
        }
    }

    /// `predict` runs each thread's rows through every layer on a copy of the layers: the same bits
    /// as the layer-by-layer evaluation pass with as many threads, and the copies follow the model's
    /// weights and buffers as they change between calls.
    func testPredictGivesTheEvaluationPassBitForBitAndFollowsTheWeights() throws {
        let graph = ModelSpec(name: "graph", inputShape: [2, 6, 6], classes: 3, layers: [
            LayerSpec(name: "stem", kind: "conv2d", settings: ["out_channels": 4, "kernel": 3, "padding": 1]),
            LayerSpec(name: "bn", kind: "batchnorm2d"),
            LayerSpec(name: "relu", kind: "relu"),
            LayerSpec(name: "branch", kind: "conv2d", settings: ["out_channels": 4, "kernel": 1], inputs: ["relu"]),
            LayerSpec(name: "sum", kind: "add", inputs: ["branch", "relu"]),
            LayerSpec(name: "pool", kind: "maxpool2d", settings: ["kernel": 2]),
            LayerSpec(name: "flat", kind: "flatten"),
            LayerSpec(name: "fc", kind: "dense", settings: ["units": 3]),
        ], loss: LossSpec(kind: "cross_entropy"))
        for spec in [Self.spec, graph] {
            let model = try Model(spec: spec)
            for threads in [2, 3] {
                Parallelism.setThreads(threads)
                model.initializeParameters(seed: UInt64(threads))
                let input = GradientCheck.randomTensor([7, 2, 6, 6], seed: 8)
                var random = RandomGenerator(seed: 1)
                XCTAssertEqual(try model.predict(input).scalars, try model.forward(input, mode: .evaluation, random: &random).scalars,
                               "\(spec.name), \(threads) threads")
                // A training step's worth of change to every weight and buffer, then again.
                for (_, parameter) in model.namedParameters + model.namedBuffers {
                    parameter.value = Tensor(shape: parameter.value.shape, scalars: parameter.value.scalars.map { $0 * 0.9 + 0.01 })
                }
                XCTAssertEqual(try model.predict(input).scalars, try model.forward(input, mode: .evaluation, random: &random).scalars,
                               "\(spec.name), \(threads) threads, new weights")
            }
        }
    }

    /// Block by block, chunk partials are added exactly as whole partials are, onto a cleared
    /// gradient and onto one that already holds values; collected, they are the whole partials.
    func testBlockwiseAccumulationAddsAsWholePartialsDo() {
        let (rows, columns, chunks) = (3, 2 * Parameter.blockColumns + 37, 3)
        var random = RandomGenerator(seed: 4)
        let partials = (0..<chunks * rows * columns).map { _ in Float(random.nextUniform()) * 200 - 100 }
        func produce(_ chunk: Int, _ block: Range<Int>, _ into: UnsafeMutablePointer<Float>, _ stride: Int) {
            for row in 0..<rows {
                for (j, column) in block.enumerated() {
                    into[row * stride + j] = partials[(chunk * rows + row) * columns + column]
                }
            }
        }
        for threads in [1, 2, 3] {
            Parallelism.setThreads(threads)
            let whole = Parameter(name: "w", shape: [rows, columns], initializer: .zeros, fanIn: 1, fanOut: 1)
            let blockwise = Parameter(name: "w", shape: [rows, columns], initializer: .zeros, fanIn: 1, fanOut: 1)
            for parameter in [whole, blockwise] { parameter.clearGradient() }
            partials.withUnsafeBufferPointer { whole.accumulate(partials: $0.baseAddress!, chunks: chunks) }
            blockwise.accumulate(chunks: chunks, rows: rows, columns: columns, partial: produce)
            XCTAssertEqual(blockwise.gradient.scalars, whole.gradient.scalars, "cleared, \(threads) thread(s)")
            // A second batch adds onto what is there.
            partials.withUnsafeBufferPointer { whole.accumulate(partials: $0.baseAddress!, chunks: chunks) }
            blockwise.accumulate(chunks: chunks, rows: rows, columns: columns, partial: produce)
            XCTAssertEqual(blockwise.gradient.scalars, whole.gradient.scalars, "added, \(threads) thread(s)")
            XCTAssertNotEqual(whole.gradient.scalars, Array(partials.prefix(rows * columns)))

            let collecting = Parameter(name: "w", shape: [rows, columns], initializer: .zeros, fanIn: 1, fanOut: 1)
            collecting.collectsPartials = true
            collecting.accumulate(chunks: chunks, rows: rows, columns: columns, partial: produce)
            XCTAssertEqual(collecting.collectedPartials, partials)
        }
    }
}

extension Model {
    /// A chain's layers run one after another, each on the whole batch, with nothing fused: what
    /// the fused passes must equal.
    func layerByLayer(_ input: Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        var activation = input
        for (_, layer) in layers { activation = layer.forward(activation, mode: mode, random: &random) }
        return activation
    }
}
