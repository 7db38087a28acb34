import CNNZoo
import CNNZooCheckpoint
import Foundation
import XCTest

/// A residual network written in JSON as the README shows it, through every command: show (with
/// its inputs), train, stop and resume bit for bit, eval, inspect and plot.
final class GraphCommandTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "graph-cli-\(UUID().uuidString)"
        try FixtureData.write(to: folder + "/data", trainCount: 192, testCount: 64)
        // README begins
        let spec = """
            {
              "name": "tiny-resnet", "input_shape": [1, 28, 28], "classes": 10,
              "layers": [
                {"name": "stem", "kind": "conv2d", "out_channels": 8, "kernel": 3, "padding": 1},
                {"name": "stem_relu", "kind": "relu"},
                {"name": "conv1", "kind": "conv2d", "out_channels": 8, "kernel": 3, "padding": 1},
                {"name": "relu1", "kind": "relu"},
                {"name": "conv2", "kind": "conv2d", "out_channels": 8, "kernel": 3, "padding": 1},
                {"name": "sum", "kind": "add", "inputs": ["conv2", "stem_relu"]},
                {"name": "relu2", "kind": "relu"},
                {"name": "pool", "kind": "global_avg_pool"},
                {"name": "fc", "kind": "dense", "units": 10}
              ],
              "loss": {"kind": "cross_entropy"},
              "training": {"epochs": 2, "batch_size": 32, "optimizer": {"kind": "sgd", "lr": 0.05, "momentum": 0.9}}
            }
            """
        // README ends
        _ = FileManager.default.createFile(atPath: folder + "/tiny-resnet.json", contents: Data(spec.utf8))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func run(_ arguments: String...) throws -> CommandResult {
        try CommandRunner.run(arguments, in: folder)
    }

    func testAResidualNetworkThroughEveryCommand() throws {
        let show = try run("show", "tiny-resnet.json")
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("INPUTS"), show.stdout)
        XCTAssertTrue(show.stdout.contains("sum        add              conv2, stem_relu  8×28×28"), show.stdout)

        let train = ["train", "tiny-resnet.json", "--data", "data", "--json", "--threads", "2"]
        let straight = try CommandRunner.run(train + ["--checkpoint", "straight.h5"], in: folder)
        XCTAssertEqual(straight.status, 0, straight.stderr)
        let first = try CommandRunner.run(train + ["--epochs", "1", "--checkpoint", "half.h5"], in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        let resumed = try run("train", "--resume", "half.h5", "--epochs", "2", "--json")
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let a = try Checkpoint.read(from: folder + "/straight.h5"), b = try Checkpoint.read(from: folder + "/half.h5")
        XCTAssertEqual(a.parameters.map(\.value), b.parameters.map(\.value), "resumed at an epoch boundary, bit for bit")
        XCTAssertEqual(a.optimizerState, b.optimizerState)
        XCTAssertEqual(a.spec.layers[5].inputs, ["conv2", "stem_relu"], "the checkpoint keeps the graph")

        XCTAssertEqual(try run("eval", "straight.h5").status, 0)
        XCTAssertTrue(try run("inspect", "straight.h5").stdout.contains("conv2.weight"))
        let plot = try run("plot", "straight.h5", "--out", "pictures")
        XCTAssertEqual(plot.status, 0, plot.stderr)
        let maps = try String(contentsOfFile: folder + "/pictures/activations.svg", encoding: .utf8)
        for layer in ["stem", "conv1", "conv2", "sum"] { XCTAssertTrue(maps.contains(">\(layer)"), "\(layer) drawn") }
    }

    func testABadGraphIsOneLineAndWritesNothing() throws {
        let text = try String(contentsOfFile: folder + "/tiny-resnet.json", encoding: .utf8)
        _ = FileManager.default.createFile(atPath: folder + "/bad.json", contents: Data(text.replacingOccurrences(of: "\"stem_relu\"]", with: "\"stem_rlu\"]").utf8))
        let result = try run("train", "bad.json", "--data", "data", "--checkpoint", "bad.h5")
        XCTAssertEqual(result.stderr, "cnn-zoo: error: bad.json: layer 'sum': unknown input 'stem_rlu' (did you mean 'stem_relu'?); an input is a layer before it, or 'input'\n")
        XCTAssertEqual(result.status, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/bad.h5"))
    }
}
