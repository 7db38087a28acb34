import CNNZoo
import CNNZooData
import CNNZooTesting
import Foundation
import XCTest

/// Specs as graphs: layers that name their inputs, `add` and `concat`, gradients where one output
/// feeds several layers, and every way a graph can be wrong.
final class GraphModelTests: XCTestCase {
    func layer(_ name: String, _ kind: String, _ settings: [String: SettingValue] = [:], inputs: [String]? = nil) -> LayerSpec {
        LayerSpec(name: name, kind: kind, settings: settings, inputs: inputs)
    }

    func spec(_ layers: [LayerSpec], input: [Int] = [2, 6, 6], classes: Int = 3) -> ModelSpec {
        ModelSpec(name: "graph", inputShape: input, classes: classes, layers: layers, loss: LossSpec(kind: "cross_entropy"))
    }

    /// y = tanh(x + conv(tanh(conv(x)))) → dense: a residual block, smooth so no kink sits near a probe.
    var residual: ModelSpec {
        spec([layer("conv1", "conv2d", ["out_channels": 2, "kernel": 3, "padding": 1]), layer("act1", "tanh"),
              layer("conv2", "conv2d", ["out_channels": 2, "kernel": 3, "padding": 1]),
              layer("sum", "add", inputs: ["conv2", "input"]), layer("act2", "tanh"),
              layer("flat", "flatten"), layer("fc", "dense", ["units": 3])])
    }

    func testAResidualBlockBackpropagates() throws {
        let model = try Model(spec: residual)
        XCTAssertFalse(model.isChain)
        XCTAssertEqual(model.sources, [[-1], [0], [1], [2, -1], [3], [4], [5]])
        model.initializeParameters(seed: 4)
        // The model's input feeds conv1 and the sum: its gradient is the two paths' added.
        try GradientCheck.check(model, input: GradientCheck.randomTensor([2, 2, 6, 6], seed: 5))
    }

    func testAConcatBlockBackpropagates() throws {
        // Two branches of different widths from one layer's output, joined along the channels.
        let model = try Model(spec: spec([
            layer("stem", "conv2d", ["out_channels": 3, "kernel": 3, "padding": 1]), layer("act", "sigmoid"),
            layer("wide", "conv2d", ["out_channels": 4, "kernel": 3, "padding": 1], inputs: ["act"]),
            layer("narrow", "conv2d", ["out_channels": 1, "kernel": 1], inputs: ["act"]),
            layer("pool", "avgpool2d", ["kernel": 3, "stride": 1, "padding": 1], inputs: ["act"]),
            layer("joined", "concat", inputs: ["wide", "narrow", "pool"]),
            layer("gap", "global_avg_pool"), layer("fc", "dense", ["units": 3]),
        ]))
        XCTAssertEqual(model.layers[5].layer.outputShape, [8, 6, 6])
        model.initializeParameters(seed: 6)
        try GradientCheck.check(model, input: GradientCheck.randomTensor([2, 2, 6, 6], seed: 7))
    }

    /// A chain written with explicit inputs is the same model as without: the same outputs and
    /// gradients, by the graph's path and by the chain's fused one.
    func testExplicitChainInputsMeanTheChain() throws {
        let chainLayers = [layer("conv", "conv2d", ["out_channels": 2, "kernel": 3]), layer("relu", "relu"),
                           layer("flat", "flatten"), layer("fc", "dense", ["units": 3])]
        var wired = chainLayers
        wired[1].inputs = ["conv"]
        wired[3].inputs = ["flat"]
        let chain = try Model(spec: spec(chainLayers)), graph = try Model(spec: spec(wired))
        XCTAssertTrue(chain.isChain)
        XCTAssertTrue(graph.isChain, "inputs that name the previous layer leave a chain")
        let x = GradientCheck.randomTensor([3, 2, 6, 6], seed: 1)
        chain.initializeParameters(seed: 2)
        // The layer-by-layer path (graphForward) and the fused chain path agree to the bit.
        var seen: [Tensor] = []
        let observed = try chain.forward(x) { _, output in seen.append(output) }
        XCTAssertEqual(observed, try chain.predict(x))
        XCTAssertEqual(seen.count, 4)
    }

    func testSpecsRoundTripWithTheirInputs() throws {
        let decoded = try ModelSpec(json: residual.jsonData())
        XCTAssertEqual(decoded, residual)
        XCTAssertEqual(decoded.layers[3].inputs, ["conv2", "input"])
        XCTAssertEqual(decoded.layers[3].settings, [:], "inputs is not a setting")
        XCTAssertNil(decoded.layers[0].inputs)
    }

    func testEveryBadGraphIsOneLineNamingTheLayer() {
        let conv = layer("conv", "conv2d", ["out_channels": 2, "kernel": 3, "padding": 1])
        let tail = [layer("flat", "flatten"), layer("fc", "dense", ["units": 3])]
        func refusal(_ layers: [LayerSpec]) -> String {
            do { _ = try Model(spec: spec(layers)); return "accepted" } catch { return String(describing: error) }
        }
        XCTAssertEqual(refusal([conv, layer("sum", "add", inputs: ["conv", "cnov"])] + tail),
                       "layer 'sum': unknown input 'cnov' (did you mean 'conv'?); an input is a layer before it, or 'input'")
        XCTAssertEqual(refusal([conv, layer("sum", "add", inputs: ["conv", "sum"])] + tail),
                       "layer 'sum': takes its own output as an input (a cycle)")
        XCTAssertEqual(refusal([layer("a", "add", inputs: ["input", "b"]), layer("b", "relu")] + tail),
                       "layer 'a': input 'b' comes after it; a layer's inputs must come before it in the spec (no cycles)")
        XCTAssertEqual(refusal([conv, layer("side", "relu", inputs: ["input"]), layer("next", "relu", inputs: ["conv"])] + tail),
                       "layer 'side': its output is not an input of any layer; only the last layer's output is the model's")
        XCTAssertEqual(refusal([layer("small", "conv2d", ["out_channels": 2, "kernel": 3]), layer("sum", "add", inputs: ["small", "input"])] + tail),
                       "layer 'sum': add needs inputs of one shape, got 2×4×4, 2×6×6")
        XCTAssertEqual(refusal([conv, layer("relu", "relu", inputs: ["conv", "input"])] + tail),
                       "layer 'relu': takes one input, but the spec gives it 2")
        XCTAssertEqual(refusal([conv, layer("sum", "add", inputs: ["conv"])] + tail),
                       "layer 'sum': add needs two or more inputs, got 1")
        XCTAssertEqual(refusal([conv, layer("cat", "concat", inputs: ["conv", "input"]), layer("pool", "maxpool2d", ["kernel": 2], inputs: ["cat"])] + tail).prefix(13),
                       "accepted".prefix(13), "channels may differ at a concat")
        XCTAssertEqual(refusal([layer("input", "conv2d", ["out_channels": 2, "kernel": 3, "padding": 1]), layer("sum", "add", inputs: ["input", "input"])] + tail),
                       "layer 1: 'input' names the model's input in a spec whose layers name their inputs; call the layer something else")
        XCTAssertEqual(refusal([conv, layer("sum", "add", inputs: [])] + tail), "layer 'sum': 'inputs' names no layer")
    }

    func testAGraphTrainsAndResumesBitForBit() throws {
        var random = RandomGenerator(seed: 3)
        func images(_ count: Int) throws -> LabeledImages {
            try LabeledImages(imageShape: [2, 6, 6], pixels: (0..<count * 72).map { _ in UInt8(truncatingIfNeeded: random.next()) },
                              labels: (0..<count).map { UInt8($0 % 3) })
        }
        let folder = NSTemporaryDirectory() + "graph-resume-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var dropped = residual
        dropped.layers.insert(layer("drop", "dropout", ["rate": 0.2]), at: 5)
        try ResumeCheck.check(spec: dropped, registry: .standard, data: DataSet(name: "synthetic", train: try images(40), test: try images(8)),
                              epochs: 2, batchSize: 8, stoppingAfter: 7, folder: folder)
    }
}
