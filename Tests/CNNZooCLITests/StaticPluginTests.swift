import CNNZoo
import CNNZooCheckpoint
@testable import CNNZooCLI
import Foundation
import XCTest

/// y = x − μ with μ a running mean of the inputs seen in training (momentum 0.5): a layer with a
/// buffer, which is saved and restored but never trained. Evaluation uses the stored mean.
final class RunningCentre: RegisteredLayer {
    static let kind = "running_centre"
    static let summary = "subtracts a running mean of the inputs kept as a buffer"
    static let settings: [SettingDescription] = []

    let mean: Parameter
    let outputShape: [Int]

    init(settings: LayerSettings, inputShape: [Int]) throws {
        outputShape = inputShape
        mean = Parameter(name: "running_mean", shape: [1], initializer: .zeros, fanIn: 1, fanOut: 1)
    }

    var buffers: [Parameter] { [mean] }

    func forward(_ x: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        if mode == .training {
            let batchMean = x.scalars.reduce(0, +) / Float(max(x.count, 1))
            mean.value.scalars[0] = 0.5 * mean.value.scalars[0] + 0.5 * batchMean
        }
        let m = mean.value.scalars[0]
        return Tensor(shape: x.shape, scalars: x.scalars.map { $0 - m })
    }

    func backward(_ dy: consuming Tensor) -> Tensor { dy }
}

/// θ ← θ − η·g: a second kind of the same plugin.
struct AcmeDescent: RegisteredOptimizer {
    static let kind = "acme_descent"
    static let summary = "plain gradient descent"
    static let lr = Setting.number("lr", default: 0.01, in: 1e-9...10, "learning rate η")
    static let settings = [lr.description]
    let learningRate: Double
    init(settings: Settings) throws { learningRate = try settings.value(Self.lr) }
    var hyperparameters: [(name: String, value: SettingValue)] { [("lr", .number(learningRate))] }
    var slots: [String] { [] }
    func step(_ parameters: [(path: String, parameter: Parameter)], learningRate: Double, state: inout OptimizerState) {
        for (path, parameter) in parameters {
            state.update(path, parameter, slots: []) { span, theta, gradient, _ in
                for i in span { theta[i] -= Float(learningRate) * gradient[i] }
            }
        }
        state.step += 1
    }
}

/// The static way in: a package of its own runs the complete command with its plugins, in process.
final class StaticPluginTests: XCTestCase {
    var folder: String!
    var previousDirectory: String!

    static let spec = ModelSpec(
        name: "centred-net", summary: "a conv net whose inputs are centred by a running mean", origin: "tests",
        inputShape: [1, 28, 28], classes: 10,
        layers: [LayerSpec(name: "centre", kind: "running_centre"),
                 LayerSpec(name: "conv", kind: "conv2d", settings: ["out_channels": .number(4), "kernel": .number(3)]),
                 LayerSpec(name: "relu", kind: "relu"), LayerSpec(name: "pool", kind: "maxpool2d", settings: ["kernel": .number(2)]),
                 LayerSpec(name: "flat", kind: "flatten"), LayerSpec(name: "fc", kind: "dense", settings: ["units": .number(10)])],
        loss: LossSpec(kind: "cross_entropy", fromLogits: true),
        training: TrainingDefaults(epochs: 2, batchSize: 32, optimizer: OptimizerSpec(kind: "adam", settings: ["lr": .number(0.003)])))
    static let plugin = Plugin(name: "acme-centre", version: "1.2.0", layers: [RunningCentre.self], optimizers: [AcmeDescent.self], models: [spec])

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "static-plugin-\(UUID().uuidString)"
        try FixtureData.write(to: folder + "/data", trainCount: 256, testCount: 64)
        // The test runner is not cnn-zoo, so the checkpoint reader cannot re-run it as its isolated child.
        setenv("CNN_ZOO_ISOLATE_HDF5", "0", 1)
        previousDirectory = FileManager.default.currentDirectoryPath
        _ = FileManager.default.changeCurrentDirectoryPath(folder)
    }

    override func tearDownWithError() throws {
        unsetenv("CNN_ZOO_ISOLATE_HDF5")
        _ = FileManager.default.changeCurrentDirectoryPath(previousDirectory)
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs the command in process, with its standard output captured.
    func run(_ arguments: [String], plugins: [Plugin] = [StaticPluginTests.plugin]) -> (status: Int32, output: String) {
        let capture = folder + "/stdout-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: capture, contents: nil)
        fflush(nil)
        let saved = dup(STDOUT_FILENO), file = open(capture, O_WRONLY)
        dup2(file, STDOUT_FILENO)
        let status = CommandLineEntry.run(arguments, plugins: plugins)
        fflush(nil)
        dup2(saved, STDOUT_FILENO)
        close(file)
        close(saved)
        return (status, (try? String(contentsOfFile: capture, encoding: .utf8)) ?? "")
    }

    func testAPluginTrainsCheckpointsResumesAndLists() throws {
        let plugins = run(["plugins"])
        XCTAssertEqual(plugins.status, 0)
        XCTAssertTrue(plugins.output.contains("acme-centre 1.2.0 (built in)"), plugins.output)
        XCTAssertTrue(plugins.output.contains("layers: running_centre"), plugins.output)
        XCTAssertTrue(run(["list"]).output.contains("centred-net"))
        XCTAssertTrue(run(["list"]).output.contains("[plugin acme-centre]"))
        XCTAssertTrue(run(["layers"]).output.contains("running_centre — subtracts a running mean of the inputs kept as a buffer  [plugin acme-centre]"))

        XCTAssertEqual(run(["train", "centred-net", "--data", "data", "--checkpoint", "straight.h5", "--json"]).status, 0)
        XCTAssertEqual(run(["train", "centred-net", "--data", "data", "--epochs", "1", "--checkpoint", "half.h5", "--json"]).status, 0)
        XCTAssertEqual(run(["train", "--resume", "half.h5", "--epochs", "2", "--json"]).status, 0)
        let registry = try CommandLineEntry.registry(plugins: [Self.plugin])
        let straight = try Checkpoint.read(from: "straight.h5", registry: registry)
        let resumed = try Checkpoint.read(from: "half.h5", registry: registry)
        XCTAssertEqual(resumed.parameters.map(\.value), straight.parameters.map(\.value), "resumed bit for bit")
        XCTAssertEqual(resumed.buffers.map(\.path), ["centre.running_mean"])
        XCTAssertEqual(resumed.buffers.map(\.value), straight.buffers.map(\.value), "the buffer too")
        XCTAssertNotEqual(straight.buffers[0].value.scalars, [0], "the buffer moved in training")
        XCTAssertEqual(straight.optimizerState, resumed.optimizerState)
        XCTAssertEqual(straight.plugins, [PluginNeed(role: "layer", kind: "running_centre", plugin: "acme-centre", version: "1.2.0")])

        let inspect = run(["inspect", "straight.h5"])
        XCTAssertEqual(inspect.status, 0)
        XCTAssertTrue(inspect.output.contains("centre.running_mean (buffer, not trained)"), inspect.output)
        XCTAssertEqual(run(["eval", "straight.h5", "--json"]).status, 0)
        // The buffer is restored on load: evaluation centres by the stored mean.
        let model = try straight.makeModel(registry: registry)
        XCTAssertEqual((model.layers[0].layer as? RunningCentre)?.mean.value, straight.buffers[0].value)
    }

    func testWithoutThePluginACheckpointSaysWhatItNeeds() throws {
        XCTAssertEqual(run(["train", "centred-net", "--data", "data", "--epochs", "1", "--checkpoint", "run.h5", "--json"]).status, 0)
        XCTAssertThrowsError(try Checkpoint.read(from: "run.h5")) { error in
            XCTAssertEqual(String(describing: error), "run.h5: model 'centred-net' uses layer kind 'running_centre' from plugin 'acme-centre' 1.2.0, "
                           + "which is not loaded; pass --plugin PATH or set CNN_ZOO_PLUGINS")
        }
        XCTAssertEqual(run(["eval", "run.h5"], plugins: []).status, 1)
        // Another version of the plugin reads it, with one notice for the plugin, not one per kind.
        XCTAssertEqual(run(["train", "centred-net", "--data", "data", "--epochs", "1", "--optimizer", "acme_descent",
                            "--checkpoint", "two-kinds.h5", "--json"]).status, 0)
        let newer = Plugin(name: "acme-centre", version: "1.3.0", layers: [RunningCentre.self], optimizers: [AcmeDescent.self])
        for file in ["run.h5", "two-kinds.h5"] {
            let read = try Checkpoint.read(from: file, registry: try CommandLineEntry.registry(plugins: [newer]))
            XCTAssertEqual(read.notices, ["\(file): written with plugin 'acme-centre' 1.2.0, read with 1.3.0; results may differ"])
        }
        XCTAssertEqual(try Checkpoint.read(from: "two-kinds.h5", registry: try CommandLineEntry.registry(plugins: [newer])).plugins.count, 2)
    }

    func testClashesAreRefusedNamingBothPlugins() {
        func refusal(_ plugins: [Plugin]) -> String {
            do { _ = try CommandLineEntry.registry(plugins: plugins); return "accepted" } catch { return String(describing: error) }
        }
        XCTAssertEqual(refusal([Plugin(name: "shadow", version: "0.1", layers: [ReLU.self])]),
                       "plugin 'shadow' 0.1 (built in) registers layer kind 'relu', which plugin 'cnn-zoo' \(CNNZooVersion.current) (built in) already registers")
        XCTAssertEqual(refusal([Self.plugin, Plugin(name: "other", version: "2", layers: [RunningCentre.self])]),
                       "plugin 'other' 2 (built in) registers layer kind 'running_centre', which plugin 'acme-centre' 1.2.0 (built in) already registers")
        XCTAssertEqual(refusal([Self.plugin, Self.plugin]), "plugin 'acme-centre' (built in) is already loaded (built in)")
        var broken = Self.spec
        broken.name = "broken-net"
        broken.layers[1].kind = "conv3d"
        XCTAssertTrue(refusal([Plugin(name: "bad-zoo", version: "1", layers: [RunningCentre.self], models: [broken])])
            .hasPrefix("plugin 'bad-zoo' (built in): zoo entry 'broken-net' does not build: layer 'conv': unknown layer kind 'conv3d'"))
        var clash = Self.spec
        clash.name = "mnist-small"
        XCTAssertEqual(refusal([Plugin(name: "copycat", version: "1", layers: [RunningCentre.self], models: [clash])]),
                       "plugin 'copycat' 1 (built in) registers zoo entry 'mnist-small', which plugin 'cnn-zoo' \(CNNZooVersion.current) (built in) already registers")
    }
}
