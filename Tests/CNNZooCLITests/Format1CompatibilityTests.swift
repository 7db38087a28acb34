import CNNZoo
import CNNZooCheckpoint
import Foundation
import XCTest

/// Checkpoints written in format 1 by the release before format 2 (`Fixtures/format1/README.md`
/// says how) still evaluate, inspect and resume — to the very figures and weights that release gave.
final class Format1CompatibilityTests: XCTestCase {
    static let fashionMNIST = "/usr/share/datasets/fashion-mnist"
    var folder: String!

    override func setUpWithError() throws {
        // The fixtures were trained on Debian's Fashion-MNIST; Tools/setup.sh installs it.
        try XCTSkipUnless(FileManager.default.fileExists(atPath: Self.fashionMNIST), "needs Debian's dataset-fashion-mnist")
        folder = NSTemporaryDirectory() + "format1-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(atPath: folder) }
    }

    func fixture(_ name: String) throws -> String {
        try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/format1/\(name)", withExtension: "h5")).path
    }

    /// FNV-1a 64 over the little-endian float32 bytes of every weight, datasets in sorted path order.
    static func weightHash(_ checkpoint: Checkpoint) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let sorted = checkpoint.parameters.map { ($0.path.replacingOccurrences(of: ".", with: "/"), $0.value) }.sorted { $0.0 < $1.0 }
        for (_, tensor) in sorted {
            for scalar in tensor.scalars {
                withUnsafeBytes(of: scalar.bitPattern.littleEndian) { for byte in $0 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 } }
            }
        }
        return hash
    }

    func testFormat1CheckpointsEvaluateToTheFiguresTheyHadAndInspect() throws {
        let expected: [(String, accuracy: Double, loss: Double)] = [
            ("v1-mnist-16-32-64-epoch", 0.6937, 0.8232726251602173), ("v1-mnist-16-32-64-mid", 0.6394, 1.159742792892456),
            ("v1-mnist-small-epoch", 0.1419, 0.3191636097431183), ("v1-mnist-small-mid", 0.1, 0.5257046996116638),
        ]
        for (name, accuracy, loss) in expected {
            let path = try fixture(name)
            let result = try CommandRunner.run(["eval", path, "--json"], in: folder)
            XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            XCTAssertEqual(report?["accuracy"] as? Double, accuracy, name)
            XCTAssertEqual(report?["loss"] as? Double ?? .nan, loss, accuracy: 1e-6, name)

            let inspect = try CommandRunner.run(["inspect", path], in: folder)
            XCTAssertEqual(inspect.status, 0, inspect.stderr)
            XCTAssertTrue(inspect.stdout.contains("format version 1"), inspect.stdout)
            XCTAssertTrue(inspect.stdout.contains("optimizer: sgd lr"), inspect.stdout)
        }
    }

    /// A resumed format-1 run ends with the weights that release's own resume gave, and saves format 2.
    func testFormat1CheckpointsResumeToTheSameWeightsAndSaveFormat2() throws {
        for (name, hash) in [("v1-mnist-small-mid", UInt64(0xe8db_9ee7_c76a_4fbd)), ("v1-mnist-16-32-64-mid", 0xf3d2_2463_4663_02a6)] {
            let copy = folder + "/\(name).h5"
            try FileManager.default.copyItem(atPath: try fixture(name), toPath: copy)
            let result = try CommandRunner.run(["train", "--resume", copy, "--json"], in: folder)
            XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
            let resumed = try Checkpoint.read(from: copy)
            XCTAssertEqual(resumed.fileVersion, 2)
            XCTAssertEqual(resumed.training.epoch, 2)
            XCTAssertEqual(resumed.training.globalStep, 188)
            XCTAssertEqual(String(Self.weightHash(resumed), radix: 16), String(hash, radix: 16), "\(name) resumed to other weights")
            // The resumed part of the run is logged step by step from where format 1 left off.
            let original = try Checkpoint.read(from: try fixture(name))
            XCTAssertEqual(resumed.training.firstLoggedStep, original.training.globalStep)
            XCTAssertEqual(resumed.training.stepLosses.count, 188 - original.training.globalStep)
        }
    }
}
