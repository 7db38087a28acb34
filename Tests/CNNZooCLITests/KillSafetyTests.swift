import CNNZoo
import CNNZooCheckpoint
import Foundation
import XCTest

/// SIGKILL at any moment, including mid-save, never costs the checkpoint, and the run it
/// resumes ends bit-identical to one that was never interrupted.
final class KillSafetyTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "kill-\(UUID().uuidString)"
        try FixtureData.write(to: folder + "/data", trainCount: 960, testCount: 100)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func testKillsAtVariedMomentsNeverLoseTheCheckpoint() throws {
        let data = folder + "/data"
        let common = ["--epochs", "4", "--batch-size", "16", "--threads", "2"]
        let straight = try CommandRunner.run(["train", "mnist-16-32-64", "--data", data, "--checkpoint", "straight.h5"] + common + ["--json"],
                                             in: folder)
        XCTAssertEqual(straight.status, 0, straight.stderr)

        let target = folder + "/killed.h5"
        let uninterrupted = try Checkpoint.read(from: folder + "/straight.h5")
        var kills = 0, checked = 0, completed = 0, launches = 0
        /// A finished killed run must equal the uninterrupted one, bit for bit; then start afresh.
        func verifyFinishedRun() throws {
            let resumed = try Checkpoint.read(from: target)
            XCTAssertEqual(resumed.training.epoch, 4)
            XCTAssertEqual(resumed.parameters.map(\.value), uninterrupted.parameters.map(\.value), "weights after \(kills) kills")
            XCTAssertEqual(resumed.optimizerState, uninterrupted.optimizerState, "momentum after \(kills) kills")
            completed += 1
            try FileManager.default.removeItem(atPath: target)
        }
        // Delays spread over start-up, training and saving; every step saves, so many land mid-save.
        let delays = [0.05, 0.12, 0.2, 0.27, 0.35, 0.41, 0.5, 0.58, 0.66, 0.73, 0.81, 0.9]
        while kills < 12 && launches < 60 {
            let delay = delays[launches % delays.count]
            launches += 1
            let resuming = FileManager.default.fileExists(atPath: target)
            let arguments = resuming
                ? ["train", "--resume", target, "--save-every", "1", "--json"]
                : ["train", "mnist-16-32-64", "--data", data, "--checkpoint", target, "--save-every", "1", "--json"] + common
            let process = Process()
            process.executableURL = CommandRunner.executable
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: folder)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            guard process.isRunning else {
                process.waitUntilExit()
                XCTAssertEqual(process.terminationStatus, 0)
                try verifyFinishedRun()  // it finished before this kill
                continue
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal)
            kills += 1
            if FileManager.default.fileExists(atPath: target) {
                XCTAssertNoThrow(try Checkpoint.read(from: target), "after kill \(kills) at \(delay)s")
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(kills, 10)
        XCTAssertGreaterThanOrEqual(checked, 8)
        if FileManager.default.fileExists(atPath: target) {
            if try Checkpoint.read(from: target).training.epoch < 4 {
                let finish = try CommandRunner.run(["train", "--resume", target, "--json"], in: folder)
                XCTAssertEqual(finish.status, 0, finish.stderr)
            }
            try verifyFinishedRun()
        }
        XCTAssertGreaterThanOrEqual(completed, 1)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [], "temporary files of killed saves are cleaned up")
    }

    /// Another process reads the checkpoint while training replaces it every step: each read
    /// sees a whole file (the old one or the new one), never a half-written one.
    func testReadingWhileTrainingWrites() throws {
        let data = folder + "/data"
        let target = folder + "/live.h5"
        let process = Process()
        process.executableURL = CommandRunner.executable
        process.arguments = ["train", "mnist-16-32-64", "--data", data, "--epochs", "2", "--batch-size", "16",
                             "--checkpoint", target, "--save-every", "1", "--json"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var reads = 0
        var steps = Set<Int>()
        while process.isRunning && reads < 40 {
            guard FileManager.default.fileExists(atPath: target) else {
                Thread.sleep(forTimeInterval: 0.02)
                continue
            }
            let result = try CommandRunner.run(["inspect", target, "--json"])
            XCTAssertEqual(result.status, 0, result.stderr)
            if let report = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
               let step = report["global_step"] as? Int {
                steps.insert(step)
            }
            reads += 1
        }
        XCTAssertGreaterThanOrEqual(reads, 10)
        XCTAssertGreaterThan(steps.count, 1, "the reads saw the file being replaced")
    }

    func testDivergenceStopsWithoutOverwritingTheLastGoodCheckpoint() throws {
        let data = folder + "/data"
        let result = try CommandRunner.run(["train", "mnist-strided", "--data", data, "--lr", "1e6", "--momentum", "0.9",
                                            "--checkpoint", "div.h5", "--save-every", "1"], in: folder)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("training diverged"), result.stderr)
        XCTAssertTrue(result.stderr.contains("epoch 1, step"), result.stderr)
        XCTAssertTrue(result.stderr.contains("--lr"), result.stderr)
        if FileManager.default.fileExists(atPath: folder + "/div.h5") {
            // Whatever was saved is a good checkpoint: finite, loadable.
            XCTAssertNoThrow(try Checkpoint.read(from: folder + "/div.h5"))
            XCTAssertTrue(result.stderr.contains("the last good checkpoint is div.h5"), result.stderr)
        }
    }
}
