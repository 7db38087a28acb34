import CNNZoo
import CNNZooCheckpoint
import Foundation
import XCTest

/// Checkpoints written in format 1 by the release before format 2 (`Fixtures/format1/README.md`
/// says how) still evaluate to the figures that release gave, inspect, and resume exactly as their
/// format-2 equivalent does.
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

    /// FNV-1a 64 of the optimizer state's tensors, slots and paths in sorted order.
    static func stateHash(_ checkpoint: Checkpoint) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for slot in checkpoint.optimizerState.slots.keys.sorted() {
            let tensors = checkpoint.optimizerState.slots[slot]!
            for path in tensors.keys.sorted() {
                for scalar in tensors[path]!.scalars {
                    withUnsafeBytes(of: scalar.bitPattern.littleEndian) { for byte in $0 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 } }
                }
            }
        }
        return hash
    }

    /// A format-1 checkpoint loads the very weights and momentum that release saved (pinned by
    /// hash), and a run resumed from it ends bit for bit where a run resumed from the same state
    /// saved as format 2 ends, saving format 2 itself. (Not where that release's own resume
    /// ended: the engine has since changed how it sums gradients and which kernels it runs, so
    /// the continuation's arithmetic differs; see the README's Speed section.)
    func testFormat1CheckpointsLoadTheirStateAndResumeAsFormat2Does() throws {
        // The same FNV-1a hashes computed by h5py straight from the fixtures' /weights and
        // /optimizer/momentum_buffers datasets (sorted paths), independently of our reader.
        let pinned: [(String, weights: UInt64, state: UInt64)] = [
            ("v1-mnist-small-mid", 0x7f9d_552f_3b37_2956, 0x6c11_1520_7efc_54f1),
            ("v1-mnist-16-32-64-mid", 0x4b48_bf01_b763_d730, 0x21aa_f29a_7cec_5c0f),
        ]
        for (name, weights, state) in pinned {
            let original = try Checkpoint.read(from: try fixture(name))
            XCTAssertEqual(String(Self.weightHash(original), radix: 16), String(weights, radix: 16), "\(name): weights as loaded")
            XCTAssertEqual(String(Self.stateHash(original), radix: 16), String(state, radix: 16), "\(name): momentum as loaded")
            let copy = folder + "/\(name).h5", twin = folder + "/\(name)-format2.h5"
            try FileManager.default.copyItem(atPath: try fixture(name), toPath: copy)
            try original.write(to: twin)
            XCTAssertEqual(try Checkpoint.read(from: twin).fileVersion, 2)
            for path in [copy, twin] {
                let result = try CommandRunner.run(["train", "--resume", path, "--json"], in: folder)
                XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
            }
            let resumed = try Checkpoint.read(from: copy), resumedTwin = try Checkpoint.read(from: twin)
            XCTAssertEqual(resumed.fileVersion, 2)
            XCTAssertEqual(resumed.training.epoch, 2)
            XCTAssertEqual(resumed.training.globalStep, 188)
            XCTAssertEqual(Self.weightHash(resumed), Self.weightHash(resumedTwin), "\(name) resumed to other weights than its format-2 twin")
            XCTAssertEqual(Self.stateHash(resumed), Self.stateHash(resumedTwin), name)
            XCTAssertEqual(resumed.training.stepLosses, resumedTwin.training.stepLosses, name)
            XCTAssertNotEqual(Self.weightHash(resumed), Self.weightHash(original), "\(name) did not train")
            // The resumed part of the run is logged step by step from where format 1 left off.
            XCTAssertEqual(resumed.training.firstLoggedStep, original.training.globalStep)
            XCTAssertEqual(resumed.training.stepLosses.count, 188 - original.training.globalStep)
        }
    }
}
