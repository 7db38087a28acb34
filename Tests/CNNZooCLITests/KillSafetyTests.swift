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
            XCTAssertEqual(resumed.optimizerState, uninterrupted.optimizerState, "optimizer state after \(kills) kills")
            XCTAssertEqual(resumed.training.stepLosses, uninterrupted.training.stepLosses, "step losses after \(kills) kills")
            completed += 1
            try FileManager.default.removeItem(atPath: target)
        }
        // Kills are timed by what the run is doing, not by the clock, so they land where they must on a
        // fast machine or a slow, busy one: every fourth at start-up, the rest once the checkpoint exists —
        // mid-save (while the save's temporary file exists), after the checkpoint was replaced a few times,
        // or a moment after it appeared. Every step saves, so many states are hit.
        var midSave = 0
        while kills < 12 && launches < 60 {
            let moment = launches % 4
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
            let temporary = folder + "/.killed.h5.tmp-\(process.processIdentifier)"
            let reached: Bool
            switch moment {
            case 0: Thread.sleep(forTimeInterval: 0.05); reached = true
            case 1: reached = Self.wait(while: process) { FileManager.default.fileExists(atPath: temporary) }
            case 2:
                var replacements = 0, last = Self.inode(target)
                reached = Self.wait(while: process) {
                    let now = Self.inode(target)
                    if now != last, now != nil { replacements += 1; last = now }
                    return replacements >= 1 + launches % 5
                }
            default:
                reached = Self.wait(while: process) { FileManager.default.fileExists(atPath: target) }
                if reached { Thread.sleep(forTimeInterval: Double(launches % 7) * 0.03) }
            }
            let existed = FileManager.default.fileExists(atPath: target)
            guard reached, process.isRunning else {
                process.waitUntilExit()
                XCTAssertEqual(process.terminationStatus, 0)
                try verifyFinishedRun()  // it finished before this moment came
                continue
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal)
            kills += 1
            if moment == 1 && FileManager.default.fileExists(atPath: temporary) { midSave += 1 }
            if existed || FileManager.default.fileExists(atPath: target) {
                XCTAssertNoThrow(try Checkpoint.read(from: target), "after kill \(kills) (moment \(moment))")
                checked += 1
            }
        }
        XCTAssertEqual(kills, 12)
        XCTAssertGreaterThanOrEqual(checked, 9, "every kill but the start-up ones finds a checkpoint to check")
        XCTAssertGreaterThanOrEqual(midSave, 1, "a kill landed while a save was being written")
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

    /// Polls `condition` until it holds (true) or `process` ends (false); a generous cap keeps a
    /// wedged run from hanging the suite.
    static func wait(while process: Process, timeout: TimeInterval = 120, _ condition: () -> Bool) -> Bool {
        let limit = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < limit {
            if condition() { return true }
            usleep(300)
        }
        return false
    }

    /// The inode of `path`: it changes each time a save renames a new file into place.
    static func inode(_ path: String) -> UInt64? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
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
        let result = try CommandRunner.run(["train", "mnist-strided", "--data", data, "--optimizer", "sgd", "--lr", "1e6", "--momentum", "0.9",
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
