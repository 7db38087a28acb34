import CNNZoo
import CNNZooCheckpoint
import Foundation
import XCTest

final class CommandTests: XCTestCase {
    var folder: String!
    var data: String { folder + "/data" }

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "cli-tests-\(UUID().uuidString)"
        try FixtureData.write(to: folder + "/data")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func run(_ arguments: String...) throws -> CommandResult {
        try CommandRunner.run(arguments, in: folder)
    }

    func json(_ line: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(line.utf8))
    }

    func testListFiltersAndSpeaksJSON() throws {
        let all = try run("list")
        XCTAssertEqual(all.status, 0, all.stderr)
        for name in ["mnist-16-32-64", "mnist-small", "mnist-conv-pool", "mnist-strided", "mnist-dropout", "mnist-resnet"] {
            XCTAssertTrue(all.stdout.contains(name), name)
        }
        XCTAssertTrue(all.stdout.contains("359,846"))
        let filtered = try run("list", "mnist-s*")
        XCTAssertTrue(filtered.stdout.contains("mnist-small") && filtered.stdout.contains("mnist-strided"))
        XCTAssertFalse(filtered.stdout.contains("mnist-16-32-64"))
        let rows = try XCTUnwrap(try json(try run("list", "--json").stdout) as? [[String: Any]])
        XCTAssertEqual(rows.first { $0["name"] as? String == "mnist-16-32-64" }?["parameters"] as? Int, 359_846)
        let none = try run("list", "resnet*")
        XCTAssertEqual(none.status, 1)
    }

    func testShowAndLayers() throws {
        let show = try run("show", "mnist-16-32-64")
        XCTAssertEqual(show.status, 0)
        XCTAssertTrue(show.stdout.contains("pool1    maxpool2d  16×14×14"), show.stdout)
        XCTAssertTrue(show.stdout.contains("2,233,832"), show.stdout)
        let summary = try XCTUnwrap(try json(try run("show", "mnist-small", "--json").stdout) as? [String: Any])
        XCTAssertEqual(summary["parameters"] as? Int, 342_535)
        XCTAssertNotNil(summary["spec"] as? [String: Any])
        let layers = try run("layers")
        for kind in ["conv2d", "maxpool2d", "dropout", "flatten", "reshape", "dense", "bias", "relu", "sigmoid", "tanh", "softmax"] {
            XCTAssertTrue(layers.stdout.contains("\(kind) — "), kind)
        }
    }

    func testTrainEvalInspectOnAFixture() throws {
        let train = try run("train", "mnist-conv-pool", "--data", data, "--epochs", "3", "--batch-size", "16",
                            "--checkpoint", "out/run.h5", "--json")
        XCTAssertEqual(train.status, 0, train.stderr)
        let epochs = train.stdout.split(separator: "\n").compactMap { try? json(String($0)) as? [String: Any] }
        XCTAssertEqual(epochs.count, 3)  // 3 × 75 = 225 steps
        XCTAssertEqual(epochs.map { $0["epoch"] as? Int }, [1, 2, 3])
        let lastAccuracy = try XCTUnwrap(epochs.last?["test_accuracy"] as? Double)
        XCTAssertGreaterThan(lastAccuracy, 0.9)
        XCTAssertLessThan(try XCTUnwrap(epochs.last?["train_loss"] as? Double), try XCTUnwrap(epochs.first?["train_loss"] as? Double))

        let eval = try run("eval", "out/run.h5")
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertTrue(eval.stdout.contains("confusion matrix"))
        let report = try XCTUnwrap(try json(try run("eval", "out/run.h5", "--json").stdout) as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(report["accuracy"] as? Double), lastAccuracy, accuracy: 1e-9)
        XCTAssertEqual((report["confusion"] as? [[Int]])?.flatMap { $0 }.reduce(0, +), 300)

        let inspect = try run("inspect", "out/run.h5")
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("after epoch 3 of 3"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("fc.weight"))
    }

    func testPlainTextTrainingReportsEachEpoch() throws {
        let train = try run("train", "mnist-small", "--data", data, "--epochs", "2", "--no-checkpoint")
        XCTAssertEqual(train.status, 0, train.stderr)
        let lines = train.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, train.stdout)
        XCTAssertTrue(lines[1].hasPrefix("epoch 2  train loss"), String(lines[1]))
        XCTAssertTrue(lines[1].contains("img/s"))
        XCTAssertTrue(train.stderr.contains("step"), "plain progress lines when not a terminal")
    }

    func testResumeFromCommandLineMatchesAStraightRun() throws {
        XCTAssertEqual(try run("train", "mnist-dropout", "--data", data, "--limit", "300", "--epochs", "2", "--checkpoint", "straight.h5").status, 0)
        XCTAssertEqual(try run("train", "mnist-dropout", "--data", data, "--limit", "300", "--epochs", "1", "--checkpoint", "split.h5").status, 0)
        let resumed = try run("train", "--resume", "split.h5", "--epochs", "2")
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let a = try Checkpoint.read(from: folder + "/straight.h5"), b = try Checkpoint.read(from: folder + "/split.h5")
        XCTAssertEqual(a.parameters.map(\.value), b.parameters.map(\.value))
        XCTAssertEqual(a.optimizerState, b.optimizerState)
        XCTAssertEqual(a.training.random, b.training.random)
        // Mid-epoch: a step checkpoint taken every 7 steps, then resumed.
        XCTAssertEqual(try run("train", "mnist-dropout", "--data", data, "--limit", "300", "--epochs", "2", "--checkpoint", "steps.h5",
                               "--save-every", "7").status, 0)
        let stepFile = try Checkpoint.read(from: folder + "/steps.h5")
        XCTAssertEqual(stepFile.parameters.map(\.value), a.parameters.map(\.value))
    }

    func testInterruptSavesAndResumeFinishes() throws {
        let process = Process()
        process.executableURL = CommandRunner.executable
        process.arguments = ["train", "mnist-16-32-64", "--data", data, "--epochs", "3", "--batch-size", "8", "--checkpoint", "int.h5"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 1.5)
        process.interrupt()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        XCTAssertTrue(stderr.contains("cnn-zoo train --resume int.h5"), stderr)
        let saved = try Checkpoint.read(from: folder + "/int.h5")
        XCTAssertGreaterThan(saved.training.globalStep, 0)
        let resumed = try run("train", "--resume", "int.h5", "--json")
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try Checkpoint.read(from: folder + "/int.h5").training.epoch, 3)
    }

    func testTwoClassSubsetLikeSeed001() throws {
        let train = try run("train", "mnist-small", "--data", data, "--classes", "0,1", "--limit", "200", "--epochs", "2",
                            "--checkpoint", "two.h5", "--json")
        XCTAssertEqual(train.status, 0, train.stderr)
        let saved = try Checkpoint.read(from: folder + "/two.h5")
        XCTAssertEqual(saved.spec.classes, 2)
        XCTAssertEqual(saved.run.classes, [0, 1])
        let eval = try XCTUnwrap(try json(try run("eval", "two.h5", "--json").stdout) as? [String: Any])
        XCTAssertEqual((eval["confusion"] as? [[Int]])?.count, 2)
    }

    func testUsageErrorsExitTwoWithOneLine() throws {
        let cases: [([String], String)] = [
            (["train", "mnist-small", "--batch-size", "0"], "--batch-size must be at least 1"),
            (["train", "mnist-small", "--lr=-0.1"], "--lr must be a positive number"),
            (["train", "mnist-small", "--lr", "nan"], "--lr must be a positive number"),
            (["train", "mnist-small", "--momentum", "1.5"], "--momentum must be in [0, 1)"),
            (["train", "mnist-small", "--epochs", "0"], "--epochs must be at least 1"),
            (["train", "mnist-smal"], "did you mean 'mnist-small'?"),
            (["show", "mnist-16-32"], "unknown model 'mnist-16-32'"),
            (["train", "mnist-small", "--data", data, "--classes", "0,12"], "class 12 is out of range"),
            (["train", "mnist-small", "--classes", "0,x"], "--classes takes class numbers"),
            (["train", "mnist-small", "--limit", "0"], "--limit must be at least 1"),
            (["train", "mnist-small", "--dataset", "fashion"], "did you mean 'fashion-mnist'?"),
            (["train"], "name a model to train"),
            (["train", "--resume", "x.h5", "--lr", "0.1"], "--lr cannot change when resuming"),
            (["frobnicate"], "Unexpected argument 'frobnicate'"),
        ]
        try assertFailures(cases, status: 2)
    }

    func testRuntimeFailuresExitOneWithOneLine() throws {
        _ = FileManager.default.createFile(atPath: folder + "/junk.h5", contents: Data("not hdf5 at all".utf8))
        let cases: [([String], String)] = [
            (["train", "mnist-small", "--data", folder + "/nowhere"], "not found; looked in \(folder!)/nowhere"),
            (["eval", "junk.h5"], "junk.h5: is not an HDF5 file"),
            (["eval", "missing.h5"], "missing.h5: no such file"),
            (["inspect", folder], "is a directory"),
            (["eval", "mnist-small"], "no checkpoint for mnist-small at checkpoints/mnist-small.h5"),
            (["train", "--resume", "junk.h5"], "junk.h5: is not an HDF5 file"),
            (["train", "mnist-small", "--data", data, "--checkpoint", "/proc/no/such/run.h5"], "cannot create the folder"),
        ]
        try assertFailures(cases, status: 1)
    }

    /// Each call fails with `status`, by exit not signal, with one line containing its fragment.
    func assertFailures(_ cases: [([String], String)], status: Int32, file: StaticString = #filePath, line: UInt = #line) throws {
        for (arguments, expected) in cases {
            let result = try CommandRunner.run(arguments, in: folder)
            XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)", file: file, line: line)
            XCTAssertFalse(result.signalled, file: file, line: line)
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): \(result.stderr) [expected: \(expected)]", file: file, line: line)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "\(arguments): \(result.stderr)", file: file, line: line)
        }
    }

    func testHelpTeaches() throws {
        let help = try run("train", "--help")
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("Examples:"))
        XCTAssertTrue(help.stdout.contains("--resume"))
    }
}
