import CNNZoo
import CNNZooCheckpoint
import Foundation
import XCTest

/// `cnn-zoo export` and `cnn-zoo import` as a person runs them: files written whole, the model
/// back in every command, and bad files refused in one line with nothing written.
final class ONNXCommandTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "onnx-cli-\(UUID().uuidString)"
        try FixtureData.write(to: folder + "/data", trainCount: 128, testCount: 64)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func run(_ arguments: String...) throws -> CommandResult {
        try CommandRunner.run(arguments, in: folder)
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: folder + "/" + path) }

    func testExportImportAndUseTheImportedModel() throws {
        XCTAssertEqual(try run("train", "mnist-strided", "--data", "data", "--epochs", "1", "--checkpoint", "strided.h5").status, 0)
        let export = try run("export", "strided.h5", "--onnx", "strided.onnx")
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stderr.contains("wrote strided.onnx: mnist-strided, opset 17"), export.stderr)
        let imported = try run("import", "strided.onnx", "--name", "again", "--out", "imported")
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(exists("imported/again.json") && exists("imported/again.h5"))
        XCTAssertEqual(try run("show", "imported/again.json").status, 0)
        let original = try run("eval", "strided.h5", "--data", "data", "--json")
        let back = try run("eval", "imported/again.h5", "--data", "data", "--json")
        XCTAssertEqual(back.status, 0, back.stderr)
        let a = try JSONSerialization.jsonObject(with: Data(original.stdout.utf8)) as! [String: Any]
        let b = try JSONSerialization.jsonObject(with: Data(back.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(a["accuracy"] as? Double, b["accuracy"] as? Double)
        XCTAssertEqual(a["loss"] as? Double, b["loss"] as? Double)
        let tuned = try run("train", "imported/again.json", "--weights", "imported/again.h5", "--data", "data", "--epochs", "1", "--checkpoint", "tuned.h5")
        XCTAssertEqual(tuned.status, 0, tuned.stderr)
        XCTAssertTrue(tuned.stderr.contains("starting from the weights of imported/again.h5, with a fresh adam optimizer"), tuned.stderr)
        // A zoo entry without a checkpoint exports untrained, and says so.
        let untrained = try run("export", "mnist-small", "--onnx", "small.onnx", "--opset", "21", "--logits")
        XCTAssertEqual(untrained.status, 0, untrained.stderr)
        XCTAssertTrue(untrained.stderr.contains("mnist-small has no checkpoint: exporting the untrained model"), untrained.stderr)
    }

    func testBadFilesAndOptionsAreOneLineAndWriteNothing() throws {
        _ = FileManager.default.createFile(atPath: folder + "/junk.onnx", contents: Data("not a model at all".utf8))
        let junk = try run("import", "junk.onnx", "--out", "out")
        XCTAssertEqual(junk.status, 2)
        XCTAssertTrue(junk.stderr.hasPrefix("cnn-zoo: error: junk.onnx: not an ONNX model"), junk.stderr)
        XCTAssertEqual(junk.stderr.split(separator: "\n").count, 1)
        XCTAssertFalse(exists("out"))
        let missing = try run("import", "nowhere.onnx")
        XCTAssertEqual(missing.status, 2)
        let opset = try run("export", "mnist-small", "--onnx", "x.onnx", "--opset", "9")
        XCTAssertEqual(opset.status, 2)
        XCTAssertTrue(opset.stderr.contains("--opset 9 is not supported; choose 13…21"), opset.stderr)
        XCTAssertFalse(exists("x.onnx"))
    }
}
