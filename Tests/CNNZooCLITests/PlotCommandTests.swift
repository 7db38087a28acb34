import CNNZoo
import CNNZooCheckpoint
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// `cnn-zoo plot` and `train --plot` through the real command, and the pictures rendered by
/// librsvg (Debian's `rsvg-convert`, which Tools/setup.sh installs).
final class PlotCommandTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "plot-\(UUID().uuidString)"
        try FixtureData.write(to: folder + "/data", trainCount: 300, testCount: 60)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func command(_ arguments: [String]) throws -> CommandResult { try CommandRunner.run(arguments, in: folder) }

    func testPlotWritesFivePicturesThatParseAndRender() throws {
        let trained = try command(["train", "mnist-16-32-64", "--data", "data", "--epochs", "2", "--batch-size", "32",
                               "--checkpoint", "run.h5", "--plot", "live", "--json"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/live/curves.svg"), "train --plot keeps curves.svg")

        let plotted = try command(["plot", "run.h5", "--image", "5"])
        XCTAssertEqual(plotted.status, 0, plotted.stderr)
        let out = folder + "/run-plots"
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: out)),
                       ["curves.svg", "confusion.svg", "filters.svg", "activations.svg", "report.html"])
        for name in ["curves", "confusion", "filters", "activations"] {
            let path = "\(out)/\(name).svg"
            let parser = XMLParser(contentsOf: URL(fileURLWithPath: path))!
            XCTAssertTrue(parser.parse(), "\(name).svg is not well-formed XML: \(String(describing: parser.parserError))")
            let render = Process()
            render.executableURL = URL(fileURLWithPath: "/usr/bin/rsvg-convert")
            render.arguments = [path, "-o", "\(folder!)/\(name).png"]
            let errors = Pipe()
            render.standardError = errors
            try render.run()
            render.waitUntilExit()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            XCTAssertEqual(render.terminationStatus, 0, "rsvg-convert \(name).svg: \(message)")
            XCTAssertEqual(message, "", "rsvg-convert warned about \(name).svg")
            let png = try Data(contentsOf: URL(fileURLWithPath: "\(folder!)/\(name).png"))
            XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "\(name).png is a PNG")
        }
        let confusion = try String(contentsOfFile: out + "/confusion.svg", encoding: .utf8)
        XCTAssertEqual(confusion.components(separatedBy: "<title>").count - 1, 100, "one cell per class pair")
        let filters = try String(contentsOfFile: out + "/filters.svg", encoding: .utf8)
        for caption in ["conv1: 16 filters of 3×3, 1 input channel", "conv2: 32 filters of 3×3, mean over 16 input channels",
                        "conv3: 64 filters of 3×3, mean over 32 input channels"] {
            XCTAssertTrue(filters.contains(caption), caption)
        }
        let activations = try String(contentsOfFile: out + "/activations.svg", encoding: .utf8)
        XCTAssertTrue(activations.contains("test image 5 through the network"))
        XCTAssertTrue(activations.contains("conv1 (conv2d) → 16×28×28"))

        let report = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        XCTAssertEqual(report.components(separatedBy: "<svg").count - 1, 4, "the four pictures inline")
        XCTAssertFalse(report.contains("<script"))
        for text in ["Training settings", "sgd lr 0.01", "conv3", "359,846", "Per-class accuracy"] { XCTAssertTrue(report.contains(text), text) }
        // Nothing is fetched: the only address is the SVG namespace.
        let addresses = report.components(separatedBy: "http").dropFirst().map { String($0.prefix(30)) }
        XCTAssertTrue(addresses.allSatisfy { $0.hasPrefix("://www.w3.org/2000/svg") }, "\(addresses)")
    }

    func testBadInputIsOneLineAndWritesNothing() throws {
        XCTAssertEqual(try command(["train", "mnist-conv-pool", "--data", "data", "--epochs", "1", "--checkpoint", "run.h5", "--json"]).status, 0)
        // A checkpoint saved before any step (as `cnn-zoo import` writes) has no curves; the rest is drawn.
        let model = try Model(spec: try Checkpoint.read(from: folder + "/run.h5").spec)
        let fresh = try Trainer(model: model, data: try LabeledImages(imageShape: [1, 28, 28], pixels: [UInt8](repeating: 0, count: 784), labels: [0]),
                                optimizer: SGD(), schedule: .constant, batchSize: 1, totalEpochs: 1, state: TrainingState(seed: 1))
        try Checkpoint(trainer: fresh, run: RunSettings(totalEpochs: 1, batchSize: 1, schedule: .constant, dataset: "fashion-mnist",
                                                         dataDirectory: folder + "/data"), writer: "tests").write(to: folder + "/fresh.h5")
        // A data folder whose test files hold no images (IDX headers with a count of 0).
        try FixtureData.write(to: folder + "/no-test", trainCount: 30, testCount: 1)
        func header(_ magic: UInt8, _ dims: [UInt32]) -> Data { Data([0, 0, 8, magic] + dims.flatMap { withUnsafeBytes(of: $0.bigEndian, Array.init) }) }
        for name in try FileManager.default.contentsOfDirectory(atPath: folder + "/no-test") where name.hasPrefix("t10k") {
            try FileManager.default.removeItem(atPath: folder + "/no-test/" + name)
        }
        try header(3, [0, 28, 28]).write(to: URL(fileURLWithPath: folder + "/no-test/t10k-images-idx3-ubyte"))
        try header(1, [0]).write(to: URL(fileURLWithPath: folder + "/no-test/t10k-labels-idx1-ubyte"))
        let cases: [(arguments: [String], status: Int32, fragment: String)] = [
            (["plot", "run.h5", "--out", "o2", "--image", "60"], 2, "--image 60 is out of range: the test set of data has 60 images (0–59)"),
            (["plot", "run.h5", "--out", "o3", "--image=-2"], 2, "--image must be 0 or more"),
            (["plot", "run.h5", "--out", "/proc/plots"], 1, "--out: cannot create the folder /proc/plots"),
            (["plot", "run.h5", "--out", "o4", "--data", "no-test"], 1, "no-test/t10k-images-idx3-ubyte"),
            (["plot", "run.h5", "--out", "o5", "--data", "nowhere"], 1, "not found; looked in nowhere"),
            (["plot", "missing.h5"], 1, "missing.h5: no such file"),
            (["train", "mnist-conv-pool", "--data", "data", "--plot", "/proc/live"], 1, "--plot: cannot create the folder /proc/live"),
        ]
        for (arguments, status, fragment) in cases {
            let result = try command(arguments)
            XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(fragment), "\(arguments): \(result.stderr)")
        }
        let plotted = try command(["plot", "fresh.h5", "--out", "o1"])
        XCTAssertEqual(plotted.status, 0, plotted.stderr)
        XCTAssertTrue(plotted.stderr.contains("fresh.h5: no training step has been taken yet, so there are no training curves"), plotted.stderr)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: folder + "/o1")),
                       ["confusion.svg", "filters.svg", "activations.svg", "report.html"])
        for name in ["o2", "o3", "o4", "o5"] {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/" + name)) ?? []
            XCTAssertEqual(files, [], "\(name) holds no file, whole or half-written")
        }
    }
}
