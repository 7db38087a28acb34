import CNNZoo
import CNNZooModels
import Foundation
import XCTest

final class ZooCatalogTests: XCTestCase {
    func testEveryEntryBuildsAndRunsForwardAndBackward() throws {
        let entries = try ZooCatalog.builtIns()
        XCTAssertEqual(Set(entries.map(\.spec.name)),
                       ["mnist-16-32-64", "mnist-small", "mnist-conv-pool", "mnist-strided", "mnist-dropout", "mnist-resnet",
                        "mnist-inception", "cifar10-dropout", "cifar100-dropout"])
        for entry in entries {
            let model = try Model(spec: entry.spec)
            model.initializeParameters(seed: 1)
            var random = RandomGenerator(seed: 2)
            let input = Tensor(shape: [3] + entry.spec.inputShape,
                               scalars: (0..<3 * Tensor.count(of: entry.spec.inputShape)).map { _ in random.nextUniform() })
            let output = try model.forward(input, mode: .training, random: &random)
            XCTAssertEqual(output.shape, [3, entry.spec.classes], entry.spec.name)
            let (loss, gradient) = model.loss.evaluate(output: output, target: Tensor(oneHot: [0, 4, 9], classes: entry.spec.classes))
            XCTAssertTrue(loss.isFinite, entry.spec.name)
            model.zeroGradients()
            let inputGradient = try XCTUnwrap(model.backward(gradient, needsInputGradient: true))
            XCTAssertEqual(inputGradient.shape, input.shape)
            for (path, parameter) in model.namedParameters {
                XCTAssertTrue(parameter.gradient.isFinite, "\(entry.spec.name) \(path)")
            }
            XCTAssertGreaterThan(model.namedParameters.map { $0.parameter.gradient.norm }.max() ?? 0, 0, entry.spec.name)
        }
    }

    func parameterCounts(_ name: String) throws -> [String: Int] {
        let spec = try XCTUnwrap(try ZooCatalog.builtIns().first { $0.spec.name == name }).spec
        return Dictionary(uniqueKeysWithValues: try Model(spec: spec).namedParameters.map { ($0.path, $0.parameter.value.count) })
    }

    /// The residual entry: a graph of three stages, projections where the width or size changes.
    func testTheResidualEntryIsAGraphOfThreeStages() throws {
        let spec = try XCTUnwrap(try ZooCatalog.builtIns().first { $0.spec.name == "mnist-resnet" }).spec
        let model = try Model(spec: spec)
        XCTAssertFalse(model.isChain)
        XCTAssertEqual(model.parameterCount, 174_970)
        let counts = try parameterCounts("mnist-resnet")
        XCTAssertEqual(counts["s2b1_proj.weight"], 32 * 16, "a 1×1 projection where stage 2 widens and halves")
        XCTAssertNil(counts["s1b1_proj.weight"], "stage 1 keeps the identity shortcut")
        XCTAssertEqual(model.layers.filter { $0.layer is BatchNorm2D }.count, 15)
        XCTAssertEqual(model.layers.last(where: { $0.name == "s3b2_sum" })?.layer.outputShape, [64, 7, 7])
    }

    func testMNIST163264MatchesSeed004Counts() throws {
        let counts = try parameterCounts("mnist-16-32-64")
        XCTAssertEqual(counts, [
            "conv1.weight": 144, "conv2.weight": 4_608, "conv3.weight": 18_432,
            "bias1.bias": 12_544, "bias2.bias": 6_272, "bias3.bias": 3_136,
            "fc1.weight": 313_600, "fc1.bias": 100, "fc2.weight": 1_000, "fc2.bias": 10,
        ])
        XCTAssertEqual(counts.values.reduce(0, +), 359_846)
    }

    func testMNISTSmallMatchesSeed001Counts() throws {
        XCTAssertEqual(try parameterCounts("mnist-small"), [
            "conv.weight": 45, "conv_bias.bias": 3_380, "fc1.weight": 338_000, "fc1.bias": 100, "fc2.weight": 1_000, "fc2.bias": 10,
        ])
    }

    func testClassSubsetResizesTheLastDenseLayer() throws {
        let spec = try XCTUnwrap(try ZooCatalog.builtIns().first { $0.spec.name == "mnist-small" }).spec
        let two = try spec.withClasses(2)
        XCTAssertEqual(try Model(spec: two).outputShape, [2])
    }

    func testUserEntriesFromEnvironmentAndBadEntriesNameTheirFile() throws {
        let folder = NSTemporaryDirectory() + "zoo-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var spec = try XCTUnwrap(try ZooCatalog.builtIns().first { $0.spec.name == "mnist-conv-pool" }).spec
        spec.name = "my-net"
        try spec.jsonData().write(to: URL(fileURLWithPath: folder + "/my-net.json"))
        let registry = try Registry(plugins: [try ZooCatalog.builtInPlugin()])
        let catalog = try ZooCatalog(registry: registry, environment: ["CNN_ZOO_MODELS": folder])
        XCTAssertEqual(catalog.matching("my-*").map(\.spec.name), ["my-net"])
        XCTAssertEqual(try catalog.spec(named: "my-net").source, folder + "/my-net.json")
        XCTAssertThrowsError(try catalog.spec(named: "mnist-smal")) { error in
            XCTAssertTrue(String(describing: error).contains("did you mean 'mnist-small'?"))
        }
        try Data("{\"name\": \"broken\", \"input_shape\": [1, 28, 28], \"classes\": 10, \"layers\": [{\"kind\": \"conv3d\"}], \"loss\": {\"kind\": \"mse\"}}".utf8)
            .write(to: URL(fileURLWithPath: folder + "/broken.json"))
        XCTAssertThrowsError(try ZooCatalog(registry: registry, environment: ["CNN_ZOO_MODELS": folder])) { error in
            XCTAssertTrue(String(describing: error).hasPrefix(folder + "/broken.json: layer 'conv3d1': unknown layer kind 'conv3d'"),
                          String(describing: error))
        }
    }
}
