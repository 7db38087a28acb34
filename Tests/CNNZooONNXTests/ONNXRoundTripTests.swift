import CNNZoo
import CNNZooModels
import CNNZooONNX
import CNNZooTesting
import Foundation
import XCTest

/// Every zoo entry written as ONNX and read back: the same layers, the same weights, the same
/// outputs bit for bit. (onnxruntime's view of the same files is Tools/check_onnx.sh's.)
final class ONNXRoundTripTests: XCTestCase {
    func outputs(_ model: Model, _ input: Tensor) throws -> Tensor {
        try model.predict(input)
    }

    func testEveryZooEntryRoundTripsBitForBit() throws {
        for entry in try ZooCatalog.builtIns() {
            let model = try Model(spec: entry.spec)
            model.initializeParameters(seed: 3)
            let bytes = try ONNXExporter().export(model)
            let imported = try ONNXImporter().read(bytes, name: "unused")
            XCTAssertEqual(imported.spec.name, entry.spec.name, "the name travels in the file's metadata")
            // Dropout is the identity in inference form, so it does not come back.
            let kept = entry.spec.layers.filter { $0.kind != "dropout" }
            XCTAssertEqual(imported.spec.layers.map(\.name), kept.map(\.name), entry.spec.name)
            XCTAssertEqual(imported.spec.loss, entry.spec.loss, entry.spec.name)
            XCTAssertEqual(imported.spec.training, entry.spec.training, "the training defaults travel in the metadata")
            let back = try Model(spec: imported.spec)
            for (path, parameter) in back.namedParameters + back.namedBuffers.map({ ($0.path, $0.buffer) }) {
                parameter.value = try XCTUnwrap(imported.weights[path], "\(entry.spec.name): \(path)")
            }
            XCTAssertEqual(back.namedParameters.map(\.path), model.namedParameters.map(\.path))
            XCTAssertTrue(zip(back.namedParameters, model.namedParameters).allSatisfy { $0.parameter.value == $1.parameter.value })
            let input = GradientCheck.randomTensor([3] + entry.spec.inputShape, seed: 9)
            XCTAssertEqual(try outputs(back, input), try outputs(model, input), entry.spec.name)
        }
    }

    func testTheFileSaysWhatItIs() throws {
        let model = try Model(spec: try XCTUnwrap(ZooCatalog.builtIns().first { $0.spec.name == "mnist-16-32-64" }).spec)
        model.initializeParameters(seed: 1)
        let proto = try ONNXExporter(opset: 13).modelProto(model)
        XCTAssertEqual(proto.opsetImport.map(\.version), [13])
        XCTAssertEqual(proto.irVersion, 7)
        XCTAssertEqual(proto.graph.input.map(\.name), ["input"])
        XCTAssertEqual(proto.graph.output.map(\.name), ["probabilities"])
        XCTAssertEqual(proto.graph.node.last?.opType, "Softmax")
        // Seed 004's one-sided zero padding: a Pad, then an unpadded MaxPool.
        let pool = try XCTUnwrap(proto.graph.node.firstIndex { $0.opType == "MaxPool" })
        XCTAssertEqual(proto.graph.node[pool - 1].opType, "Pad")
        XCTAssertFalse(proto.graph.node[pool].attribute.contains { $0.name == "pads" })
        let logits = try ONNXExporter(keepsLogits: true).modelProto(model)
        XCTAssertEqual(logits.graph.output.map(\.name), ["logits"])
        XCTAssertNotEqual(logits.graph.node.last?.opType, "Softmax")
        XCTAssertThrowsError(try ONNXExporter(opset: 12).modelProto(model)) { error in
            XCTAssertEqual("\(error)", "opset 12 is not supported; choose 13…21")
        }
    }

    /// A layer of someone else's that has no ONNX form: export fails naming its kind and plugin.
    func testALayerWithoutAnONNXFormIsNamed() throws {
        let plugin = Plugin(name: "acme", version: "2.0.1", layers: [Doubling.self])
        let registry = try Registry(plugins: [.engine, plugin])
        let spec = ModelSpec(name: "acme-net", inputShape: [4], classes: 4,
                             layers: [LayerSpec(name: "twice", kind: "doubling")], loss: LossSpec(kind: "cross_entropy"))
        let model = try Model(spec: spec, registry: registry)
        XCTAssertThrowsError(try ONNXExporter().export(model, registry: registry)) { error in
            XCTAssertEqual("\(error)", "layer 'twice': kind 'doubling' from plugin 'acme' 2.0.1 has no ONNX form (its type neither conforms to ONNXExportable nor describes ONNXNodes)")
        }
    }
}

/// y = 2x: a plugin's layer with no export hook.
final class Doubling: RegisteredLayer {
    static let kind = "doubling"
    static let summary = "doubles its input"
    static let settings: [SettingDescription] = []
    let outputShape: [Int]

    init(settings: LayerSettings, inputShape: [Int]) throws { outputShape = inputShape }

    func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        var y = input
        for i in 0..<y.count { y.scalars[i] *= 2 }
        return y
    }

    func backward(_ outputGradient: consuming Tensor) -> Tensor {
        var dx = outputGradient
        for i in 0..<dx.count { dx.scalars[i] *= 2 }
        return dx
    }
}
