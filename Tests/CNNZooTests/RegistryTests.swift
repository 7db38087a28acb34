import XCTest
@testable import CNNZoo
import CNNZooTesting

final class RegistryTests: XCTestCase {
    func spec(_ layers: [LayerSpec], input: [Int] = [1, 8, 8], classes: Int = 2) -> ModelSpec {
        ModelSpec(name: "t", inputShape: input, classes: classes, layers: layers, loss: LossSpec(kind: "cross_entropy"))
    }

    func error(_ body: () throws -> Void) -> String {
        do { try body() } catch { return String(describing: error) }
        return "no error"
    }

    func testUnknownKindListsKnownAndSuggestsNearest() {
        let message = error { _ = try Model(spec: spec([LayerSpec(name: "c", kind: "conv2", settings: [:])])) }
        XCTAssertTrue(message.contains("layer 'c': unknown layer kind 'conv2' (did you mean 'conv2d'?)"), message)
        XCTAssertTrue(message.contains("maxpool2d"), message)
    }

    func testDuplicateRegistrationIsAnError() {
        var registry = LayerRegistry.standard
        XCTAssertThrowsError(try registry.register(Conv2D.self)) { error in
            XCTAssertEqual(error as? ModelError, .duplicateKind("conv2d"))
        }
    }

    func testBadSettingsNameTheLayer() {
        let cases: [(LayerSpec, String)] = [
            (LayerSpec(name: "c1", kind: "conv2d", settings: ["out_channels": 2, "kernel": 0]), "layer 'c1': 'kernel' values must be between 1 and 1024, got 0"),
            (LayerSpec(name: "c2", kind: "conv2d", settings: ["out_channels": 2, "kernel": 3, "padding": -1]), "layer 'c2': 'padding' values must be between 0 and 1024, got -1"),
            (LayerSpec(name: "c3", kind: "conv2d", settings: ["out_channels": 2, "kernel": 9]), "layer 'c3': kernel 9×9 does not fit the 8×8 input"),
            (LayerSpec(name: "c4", kind: "conv2d", settings: ["out_channels": 2, "kernal": 3]), "layer 'c4': unknown setting 'kernal' (did you mean 'kernel'?)"),
            (LayerSpec(name: "c5", kind: "conv2d", settings: ["kernel": 3]), "layer 'c5': missing required setting 'out_channels'"),
            (LayerSpec(name: "d", kind: "dense", settings: ["units": 2]), "layer 'd': dense expects a flat input"),
            (LayerSpec(name: "p", kind: "maxpool2d", settings: ["kernel": 2, "padding": 2]), "layer 'p': padding must be smaller than the kernel"),
            (LayerSpec(name: "r", kind: "reshape", settings: ["shape": [7, -1]]), "layer 'r': cannot reshape [1, 8, 8]"),
            (LayerSpec(name: "x", kind: "dropout", settings: ["rate": 1]), "layer 'x': 'rate' must be below 1"),
            (LayerSpec(name: "i", kind: "conv2d", settings: ["out_channels": 2, "kernel": 3, "init": "magic"]), "layer 'i': 'init' names no initializer"),
        ]
        for (layer, expected) in cases {
            let message = error { _ = try Model(spec: spec([layer])) }
            XCTAssertTrue(message.hasPrefix(expected), "\(message)\n  expected prefix: \(expected)")
        }
    }

    func testShapeChainMustEndInClasses() {
        let message = error {
            _ = try Model(spec: spec([LayerSpec(name: "f", kind: "flatten"), LayerSpec(name: "out", kind: "dense", settings: ["units": 3])]))
        }
        XCTAssertEqual(message, "layer 'out': the model ends with shape [3] but the spec has 2 classes")
    }

    func testDuplicateAndUnsafeLayerNames() {
        XCTAssertTrue(error { _ = try Model(spec: spec([LayerSpec(name: "a", kind: "relu"), LayerSpec(name: "a", kind: "flatten")])) }
            .contains("'a' is used twice"))
        XCTAssertTrue(error { _ = try Model(spec: spec([LayerSpec(name: "a/b", kind: "flatten")])) }.contains("must be 1–64 letters"))
    }

    func testSpecJSONRoundTripsAndReportsMissingFields() throws {
        let original = spec([LayerSpec(name: "c", kind: "conv2d", settings: ["out_channels": 2, "kernel": [3, 3], "padding": [0, 1, 0, 1]]),
                             LayerSpec(name: "f", kind: "flatten"), LayerSpec(name: "d", kind: "dense", settings: ["units": 2, "init": "randn/9"])])
        XCTAssertEqual(try ModelSpec(json: original.jsonData()), original)
        XCTAssertEqual(error { _ = try ModelSpec(json: Data("{\"name\": \"x\"}".utf8)) }, "missing field 'input_shape'")
        XCTAssertEqual(error { _ = try ModelSpec(json: Data("{ nope".utf8)) }, "not valid JSON")
    }
}

/// A third-party layer: y = s·x with one learned scale, registered like a built-in.
final class LearnedScale: RegisteredLayer {
    static let kind = "learned_scale"
    static let summary = "multiplies by one learned scalar"
    static let settings = [SettingDescription("start", "number", default: "1", "initial scale")]
    let scale: Parameter
    let outputShape: [Int]
    private var input = Tensor(zeros: [0])

    init(settings: LayerSettings, inputShape: [Int]) throws {
        outputShape = inputShape
        scale = Parameter(name: "scale", shape: [1], initializer: .scaledNormal(0), fanIn: 1, fanOut: 1)
        scale.value.scalars[0] = Float(try settings.double("start", default: 1))
    }

    var parameters: [Parameter] { [scale] }

    func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        self.input = input
        var y = input
        for i in 0..<y.count { y.scalars[i] *= scale.value.scalars[0] }
        return y
    }

    func backward(_ outputGradient: consuming Tensor) -> Tensor {
        var dx = outputGradient
        for i in 0..<dx.count {
            scale.gradient.scalars[0] += dx.scalars[i] * input.scalars[i]
            dx.scalars[i] *= scale.value.scalars[0]
        }
        return dx
    }
}

final class CustomLayerTests: XCTestCase {
    func testCustomLayerGradientAndTrainingInsideAModel() throws {
        var registry = LayerRegistry.standard
        try registry.register(LearnedScale.self)
        XCTAssertTrue(registry.kinds.contains("learned_scale"))
        let layer = try registry.makeLayer(kind: "learned_scale", settings: LayerSettings(layerName: "s", values: ["start": 0.5]), inputShape: [3])
        GradientCheck.check(layer, input: GradientCheck.randomTensor([2, 3], seed: 1))

        let spec = ModelSpec(name: "custom", inputShape: [1, 4, 4], classes: 2, layers: [
            LayerSpec(name: "conv", kind: "conv2d", settings: ["out_channels": 2, "kernel": 3, "padding": 1]),
            LayerSpec(name: "act", kind: "relu"),
            LayerSpec(name: "flat", kind: "flatten"),
            LayerSpec(name: "fc", kind: "dense", settings: ["units": 2]),
            LayerSpec(name: "scale", kind: "learned_scale", settings: ["start": 0.5]),
        ], loss: LossSpec(kind: "cross_entropy"))
        XCTAssertThrowsError(try Model(spec: spec)) // not in the standard registry
        let model = try Model(spec: spec, registry: registry)
        model.initializeParameters(seed: 1)
        model.namedParameters.first { $0.path == "scale.scale" }!.parameter.value.scalars[0] = 0.5
        let result = try SyntheticTask.train(model: model, steps: 300)
        XCTAssertGreaterThanOrEqual(result.accuracy, 0.95)
        XCTAssertNotEqual(model.namedParameters.first { $0.path == "scale.scale" }!.parameter.value.scalars[0], 0.5)
    }
}
