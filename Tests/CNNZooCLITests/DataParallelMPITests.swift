import CNNZoo
import CNNZooCheckpoint
import Foundation
import XCTest

/// `mpirun -n R cnn-zoo train …` end to end, over Open MPI's TCP transport on this machine
/// (`--mca btl tcp,self`: the transport two machines would use, through the loopback).
final class DataParallelMPITests: XCTestCase {
    var folder: String!

    static let mpirun: String? = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }

    override func setUpWithError() throws {
        try XCTSkipUnless(Self.mpirun != nil, "needs Open MPI's mpirun (Tools/setup.sh installs openmpi-bin)")
        folder = NSTemporaryDirectory() + "mpi-\(UUID().uuidString)"
        try FixtureData.write(to: folder + "/data", trainCount: 3000, testCount: 300)
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// mpirun as root needs its consent; the variables are harmless otherwise.
    static let environment = ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMPI_MCA_rmaps_base_oversubscribe": "1"]

    func mpi(_ ranks: Int, _ arguments: [String]) throws -> CommandResult {
        try CommandRunner.run(["-n", "\(ranks)", "--mca", "btl", "tcp,self", CommandRunner.executable.path] + arguments,
                              in: folder, environment: Self.environment, executable: URL(fileURLWithPath: Self.mpirun!))
    }

    /// `mpirun -n 2` over TCP, started and left running; standard error is piped.
    func startMPI(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.mpirun!)
        process.arguments = ["-n", "2", "--mca", "btl", "tcp,self", CommandRunner.executable.path] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.environment = ProcessInfo.processInfo.environment.merging(Self.environment.merging(environment) { _, new in new }) { _, new in new }
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        return (process, err)
    }

    /// Everything a checkpoint holds but the wall-clock figures and the layout.
    func assertSameRun(_ a: Checkpoint, _ b: Checkpoint, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.parameters.map(\.path), b.parameters.map(\.path), message, file: file, line: line)
        XCTAssertTrue(a.parameters.map(\.value) == b.parameters.map(\.value), "weights: \(message)", file: file, line: line)
        XCTAssertTrue(a.optimizerState == b.optimizerState, "optimizer state: \(message)", file: file, line: line)
        XCTAssertEqual(a.training.stepLosses, b.training.stepLosses, "step losses: \(message)", file: file, line: line)
        XCTAssertEqual(a.training.random, b.training.random, "random stream: \(message)", file: file, line: line)
        XCTAssertEqual(a.training.globalStep, b.training.globalStep, message, file: file, line: line)
        XCTAssertEqual(a.training.history.map(\.trainLoss), b.training.history.map(\.trainLoss), message, file: file, line: line)
        XCTAssertEqual(a.training.history.map(\.trainAccuracy), b.training.history.map(\.trainAccuracy), message, file: file, line: line)
        XCTAssertEqual(a.training.history.map(\.testAccuracy), b.training.history.map(\.testAccuracy), message, file: file, line: line)
    }

    /// Every layout of a run ends with the same bits — 1 or 3 threads alone; 2, 3 and 4
    /// processes of 1 thread; 2 processes of 2 — with every reduction, during the backward pass
    /// and after it: weights, momentum,
    /// every step's loss, the epoch's figures; a short last batch (1000 = 15·64 + 40) included.
    /// And another chunk count ends elsewhere, so the comparison could fail.
    func testEveryLayoutEndsWithTheSameBits() throws {
        let common = ["train", "mnist-16-32-64", "--data", "data", "--limit", "1000", "--epochs", "1", "--json"]
        let single = try CommandRunner.run(common + ["--threads", "1", "--checkpoint", "one.h5"], in: folder)
        XCTAssertEqual(single.status, 0, single.stderr)
        let b = try Checkpoint.read(from: folder + "/one.h5")
        XCTAssertEqual([b.run.ranks, b.run.threads, b.run.chunks], [1, 1, BatchChunking.automatic.count(batchSize: 64)!])

        let three = try CommandRunner.run(common + ["--threads", "3", "--checkpoint", "three.h5"], in: folder)
        XCTAssertEqual(three.status, 0, three.stderr)
        assertSameRun(try Checkpoint.read(from: folder + "/three.h5"), b, "--threads 3 against --threads 1")

        // After the backward pass (the default) and overlapped with it (two buckets here).
        for (ranks, threads, reduction, overlap) in [(2, 1, "chain", false), (3, 1, "chain", false), (4, 1, "chain", true), (2, 2, "chain", false),
                                                     (3, 1, "reduce-scatter", true), (4, 1, "all-gather", false), (2, 1, "reduce-scatter", true)] {
            let name = "mpi-\(ranks)-\(threads)-\(reduction)-\(overlap).h5"
            let distributed = try mpi(ranks, common + ["--threads", "\(threads)", "--reduction", reduction, "--checkpoint", name]
                                          + (overlap ? ["--overlap"] : []))
            XCTAssertEqual(distributed.status, 0, distributed.stderr)
            XCTAssertEqual(distributed.stdout.split(separator: "\n").count, 1, "only rank 0 prints: \(distributed.stdout)")
            let a = try Checkpoint.read(from: folder + "/" + name)
            XCTAssertEqual([a.run.ranks, a.run.threads], [ranks, threads])
            assertSameRun(a, b, "mpirun -n \(ranks) --threads \(threads) --reduction \(reduction)\(overlap ? " --overlap" : "") against --threads 1")
        }

        let other = try CommandRunner.run(common + ["--threads", "1", "--chunks", "3", "--checkpoint", "other.h5"], in: folder)
        XCTAssertEqual(other.status, 0, other.stderr)
        XCTAssertFalse(try Checkpoint.read(from: folder + "/other.h5").parameters.map(\.value) == b.parameters.map(\.value))
    }

    /// A graph with batch normalisation, a residual `add` and a `concat`: under `mpirun -n 2
    /// --threads 1` it ends bit for bit where `--threads 2` ends, batch statistics included.
    func testAGraphWithBatchNormalisationUnderMPI() throws {
        let spec = """
            {"name": "mpi-graph", "input_shape": [1, 28, 28], "classes": 10,
             "layers": [
               {"name": "stem", "kind": "conv2d", "out_channels": 6, "kernel": 3, "padding": 1, "stride": 2, "bias": false},
               {"name": "stem_bn", "kind": "batchnorm2d"},
               {"name": "stem_relu", "kind": "relu"},
               {"name": "conv", "kind": "conv2d", "out_channels": 6, "kernel": 3, "padding": 1, "bias": false},
               {"name": "bn", "kind": "batchnorm2d"},
               {"name": "sum", "kind": "add", "inputs": ["bn", "stem_relu"]},
               {"name": "side", "kind": "conv2d", "inputs": ["stem_relu"], "out_channels": 4, "kernel": 1, "groups": 2},
               {"name": "joined", "kind": "concat", "inputs": ["sum", "side"]},
               {"name": "pool", "kind": "global_avg_pool"},
               {"name": "fc", "kind": "dense", "units": 10}
             ],
             "loss": {"kind": "cross_entropy"},
             "training": {"epochs": 1, "batch_size": 64, "optimizer": {"kind": "sgd", "lr": 0.05, "momentum": 0.9}}}
            """
        _ = FileManager.default.createFile(atPath: folder + "/mpi-graph.json", contents: Data(spec.utf8))
        let common = ["train", "mpi-graph.json", "--data", "data", "--json"]
        let distributed = try mpi(2, common + ["--threads", "1", "--checkpoint", "mpi.h5"])
        XCTAssertEqual(distributed.status, 0, distributed.stderr)
        let single = try CommandRunner.run(common + ["--threads", "2", "--checkpoint", "one.h5"], in: folder)
        XCTAssertEqual(single.status, 0, single.stderr)
        let a = try Checkpoint.read(from: folder + "/mpi.h5"), b = try Checkpoint.read(from: folder + "/one.h5")
        XCTAssertEqual(a.buffers.map(\.path), b.buffers.map(\.path))
        XCTAssertTrue(a.buffers.contains { $0.path.hasSuffix("running_var") }, "batch norm's running statistics are stored")
        XCTAssertTrue(a.buffers.map(\.value) == b.buffers.map(\.value), "running statistics")
        assertSameRun(a, b, "a graph with batch norm: mpirun -n 2 --threads 1 against --threads 2")
    }

    /// Two simulated machines — network namespaces joined by a virtual Ethernet bridge, Open
    /// MPI's TCP transport between them, its launcher reaching the second through `ip netns
    /// exec` instead of ssh (Tools/netns_mpirun.sh) — end bit for bit where one process with
    /// two threads ends. Skipped where the host cannot create namespaces.
    func testTwoSimulatedMachinesOverTCP() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tools/netns_mpirun.sh").path
        let common = ["train", "mnist-16-32-64", "--data", folder + "/data", "--epochs", "1", "--json"]
        let distributed = try CommandRunner.run(["2", CommandRunner.executable.path] + common + ["--threads", "1", "--checkpoint", folder + "/machines.h5"],
                                                in: folder, environment: Self.environment, executable: URL(fileURLWithPath: script))
        try XCTSkipIf(distributed.status == 77, "this host cannot create network namespaces; the loopback TCP tests stand in")
        XCTAssertEqual(distributed.status, 0, distributed.stderr)
        let single = try CommandRunner.run(common + ["--threads", "2", "--checkpoint", "one.h5"], in: folder)
        XCTAssertEqual(single.status, 0, single.stderr)
        assertSameRun(try Checkpoint.read(from: folder + "/machines.h5"), try Checkpoint.read(from: folder + "/one.h5"),
                      "two namespaces over TCP against one process × 2 threads")
    }

    /// Three simulated machines whose links send at most 1 Gb/s, running the chain: the run
    /// ends bit for bit where one process ends, and each machine's link carries about twice the
    /// gradient per step (the chain's flat traffic) — less than the all-gather's three chunks'
    /// worth. Skipped where the host cannot create namespaces.
    func testThreeSimulatedMachinesOnOneGigabitLinks() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tools/netns_mpirun.sh").path
        let report = folder + "/tx"
        let common = ["train", "mnist-16-32-64", "--data", folder + "/data", "--limit", "640", "--epochs", "1", "--json"]
        let distributed = try CommandRunner.run(["3", CommandRunner.executable.path] + common
                                                    + ["--threads", "1", "--reduction", "chain", "--checkpoint", folder + "/limited.h5"],
                                                in: folder, environment: Self.environment.merging(["NETNS_RATE": "1gbit", "NETNS_TX_REPORT": report]) { _, new in new },
                                                executable: URL(fileURLWithPath: script))
        try XCTSkipIf(distributed.status == 77, "this host cannot create network namespaces or limit their links; the loopback TCP tests stand in")
        XCTAssertEqual(distributed.status, 0, distributed.stderr)
        let single = try CommandRunner.run(common + ["--threads", "1", "--checkpoint", "one.h5"], in: folder)
        XCTAssertEqual(single.status, 0, single.stderr)
        assertSameRun(try Checkpoint.read(from: folder + "/limited.h5"), try Checkpoint.read(from: folder + "/one.h5"),
                      "three namespaces on 1 Gb/s links against one process")

        // 10 steps of 64; the gradient is 359,846 floats; outputs are 64 × 10 floats a step.
        let sent = try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n").compactMap { Double($0) }
        XCTAssertEqual(sent.count, 3)
        let gradientBytes = 4.0 * 359_846, steps = 10.0
        let chainBound = steps * (2 * gradientBytes + 4 * 64 * 10) * 1.1 + 3e6
        let allGather = steps * 4 * gradientBytes * 2 / 3 * 3
        XCTAssertLessThan(chainBound, allGather, "the bound tells the chain from the all-gather")
        for (machine, bytes) in sent.enumerated() {
            XCTAssertLessThan(bytes, chainBound, "machine \(machine + 1) sent \(bytes) bytes")
        }
        XCTAssertGreaterThan(sent.max()!, steps * 2 * gradientBytes * 0.9, "the middle machines pass on the running sum and the total")
    }

    /// A run stopped under MPI resumes on one machine with another thread count, and one
    /// machine's under MPI, each ending where an uninterrupted run ends; a run bound to its
    /// layout (`--chunks threads`) resumed in another says it will differ; `--chunks` cannot
    /// change on resuming.
    func testResumeAcrossLayouts() throws {
        let common = ["--data", "data", "--batch-size", "100"]
        let straight = try CommandRunner.run(["train", "mnist-small", "--epochs", "2", "--threads", "2", "--checkpoint", "straight.h5"] + common,
                                             in: folder)
        XCTAssertEqual(straight.status, 0, straight.stderr)
        let uninterrupted = try Checkpoint.read(from: folder + "/straight.h5")

        // Epoch 1 under MPI, epoch 2 on one machine with one thread.
        let first = try mpi(2, ["train", "mnist-small", "--epochs", "1", "--threads", "1", "--checkpoint", "a.h5"] + common)
        XCTAssertEqual(first.status, 0, first.stderr)
        let second = try CommandRunner.run(["train", "--resume", "a.h5", "--epochs", "2", "--threads", "1"], in: folder)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertFalse(second.stderr.contains("not bit-identically"), second.stderr)
        let resumed = try Checkpoint.read(from: folder + "/a.h5")
        XCTAssertEqual([resumed.run.ranks, resumed.run.threads], [1, 1], "2 × 1 resumes alone as 1 × 1")
        assertSameRun(resumed, uninterrupted, "2 × 1 then 1 × 1")

        // Epoch 1 on one machine, epoch 2 under MPI with three processes.
        let alone = try CommandRunner.run(["train", "mnist-small", "--epochs", "1", "--threads", "2", "--checkpoint", "b.h5"] + common, in: folder)
        XCTAssertEqual(alone.status, 0, alone.stderr)
        let under = try mpi(3, ["train", "--resume", "b.h5", "--epochs", "2", "--threads", "1"])
        XCTAssertEqual(under.status, 0, under.stderr)
        assertSameRun(try Checkpoint.read(from: folder + "/b.h5"), uninterrupted, "1 × 2 then 3 × 1")

        // A run bound to its layout continues in another, and says that it will differ.
        let bound = try CommandRunner.run(["train", "mnist-small", "--epochs", "1", "--threads", "2", "--chunks", "threads",
                                           "--checkpoint", "c.h5"] + common, in: folder)
        XCTAssertEqual(bound.status, 0, bound.stderr)
        XCTAssertEqual(try Checkpoint.read(from: folder + "/c.h5").run.chunks, 0, "recorded as one chunk per thread")
        let differently = try mpi(2, ["train", "--resume", "c.h5", "--epochs", "2", "--threads", "2"])
        XCTAssertEqual(differently.status, 0, differently.stderr)
        XCTAssertTrue(differently.stderr.contains("resuming as 2 processes × 2 threads where the run used 2 threads"), differently.stderr)
        XCTAssertTrue(differently.stderr.contains("not bit-identically"), differently.stderr)

        let changed = try CommandRunner.run(["train", "--resume", "b.h5", "--epochs", "3", "--chunks", "4"], in: folder)
        XCTAssertEqual(changed.status, 2, changed.stderr)
        XCTAssertTrue(changed.stderr.contains("--chunks cannot change when resuming"), changed.stderr)
    }

    /// Ctrl-C on mpirun stops every process after the same step; rank 0 saves, and the run
    /// resumed under MPI ends where an uninterrupted one ends.
    func testCtrlCStopsEveryProcessAndTheRunResumesExactly() throws {
        let common = ["--data", "data", "--batch-size", "50", "--epochs", "3"]
        let straight = try CommandRunner.run(["train", "mnist-small", "--threads", "2", "--checkpoint", "straight.h5"] + common, in: folder)
        XCTAssertEqual(straight.status, 0, straight.stderr)
        let checkpoint = folder + "/stopped.h5"
        let (process, err) = try startMPI(["train", "mnist-small", "--threads", "1", "--checkpoint", checkpoint, "--save-every", "7"] + common)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && process.isRunning && !FileManager.default.fileExists(atPath: checkpoint) { Thread.sleep(forTimeInterval: 0.01) }
        kill(process.processIdentifier, SIGINT)
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertNil(Self.process(withRank: 1, mentioning: checkpoint))
        let stopped = try Checkpoint.read(from: checkpoint)
        if message.contains("cnn-zoo: interrupted at") {
            XCTAssertLessThan(stopped.training.epoch, 3, message)
        } else {
            // The run may finish before the signal lands on a fast machine; then it must simply be complete.
            XCTAssertEqual(stopped.training.epoch, 3, message)
        }
        if stopped.training.epoch < 3 {
            let resumed = try mpi(2, ["train", "--resume", checkpoint])
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
        }
        assertSameRun(try Checkpoint.read(from: checkpoint), try Checkpoint.read(from: folder + "/straight.h5"), "stopped with Ctrl-C and resumed")
    }

    /// Killing one process mid-epoch ends the whole job promptly, with mpirun naming the process,
    /// and leaves the last checkpoint whole.
    func testKillingOneProcessEndsTheJobAndKeepsTheCheckpoint() throws {
        let checkpoint = folder + "/killed.h5"
        let (process, err) = try startMPI(["train", "mnist-16-32-64", "--data", "data", "--epochs", "20", "--batch-size", "16",
                                           "--threads", "1", "--checkpoint", checkpoint, "--save-every", "5"])
        // Wait for a few saves, then kill rank 1 (found by its environment) mid-epoch.
        var saves = 0, lastInode: UInt64?
        let rank1 = Self.rankOne(of: process, mentioning: checkpoint) {
            let inode = (try? FileManager.default.attributesOfItem(atPath: checkpoint)[.systemFileNumber] as? UInt64) ?? nil
            if let inode, inode != lastInode { saves += 1; lastInode = inode }
            return saves >= 3
        }
        let victim = try XCTUnwrap(rank1, "rank 1 never ran long enough to be killed")
        kill(victim, SIGKILL)
        let killedAt = Date()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertLessThan(Date().timeIntervalSince(killedAt), 60, "the job did not end after a process died")
        XCTAssertNotEqual(process.terminationStatus, 0)
        let message = String(decoding: stderr, as: UTF8.self)
        XCTAssertTrue(message.contains("rank 1") && message.contains("signal 9"), message)
        // No process is left behind, and the checkpoint is whole and resumable.
        XCTAssertNil(Self.process(withRank: 0, mentioning: checkpoint))
        let saved = try Checkpoint.read(from: checkpoint)
        XCTAssertEqual(saved.training.globalStep % 5, 0)
        XCTAssertGreaterThan(saved.training.globalStep, 0)
    }

    /// A process that stops answering (stopped with SIGSTOP, as a hung machine would be) ends
    /// the job after CNN_ZOO_MPI_TIMEOUT, with one line from the process left waiting, and
    /// leaves the last checkpoint whole.
    func testASilentProcessEndsTheJobAfterTheTimeout() throws {
        let checkpoint = folder + "/silent.h5"
        let (process, err) = try startMPI(["train", "mnist-16-32-64", "--data", "data", "--epochs", "20", "--batch-size", "16",
                                           "--threads", "1", "--checkpoint", checkpoint, "--save-every", "5"],
                                          environment: ["CNN_ZOO_MPI_TIMEOUT": "3"])
        let rank1 = Self.rankOne(of: process, mentioning: checkpoint) { FileManager.default.fileExists(atPath: checkpoint) }
        let silent = try XCTUnwrap(rank1, "rank 1 never ran long enough to be stopped")
        kill(silent, SIGSTOP)
        let stoppedAt = Date()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        kill(silent, SIGKILL)
        XCTAssertLessThan(Date().timeIntervalSince(stoppedAt), 60, "the job did not end after a process stopped answering")
        XCTAssertNotEqual(process.terminationStatus, 0)
        let message = String(decoding: stderr, as: UTF8.self)
        XCTAssertTrue(message.contains("cnn-zoo: error: rank 0 of 2: no answer for 3 s in MPI_"), message)
        XCTAssertGreaterThan(try Checkpoint.read(from: checkpoint).training.globalStep, 0)
    }

    /// A timeout that is not a number is refused in one line before training starts.
    func testABadTimeoutIsRefused() throws {
        let result = try CommandRunner.run(["-n", "2", "--mca", "btl", "tcp,self", CommandRunner.executable.path, "train", "mnist-small",
                                            "--data", "data", "--epochs", "1"],
                                           in: folder, environment: Self.environment.merging(["CNN_ZOO_MPI_TIMEOUT": "soon"]) { _, new in new },
                                           executable: URL(fileURLWithPath: Self.mpirun!))
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("CNN_ZOO_MPI_TIMEOUT must be a whole number of seconds"), result.stderr)
    }

    /// A failure in one process is reported by it and ends the others at once.
    func testAnErrorInOneProcessEndsEveryProcess() throws {
        // Rank 1 finds no data where rank 0 does: the per-rank environment points it elsewhere.
        let script = folder + "/per-rank.sh"
        try """
            #!/bin/sh
            if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then export CNN_ZOO_DATA=/nonexistent; else export CNN_ZOO_DATA=\(folder!); fi
            exec "$@"
            """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        try FileManager.default.createSymbolicLink(atPath: folder + "/mnist", withDestinationPath: folder + "/data")
        let result = try CommandRunner.run(["-n", "2", "--mca", "btl", "tcp,self", script, CommandRunner.executable.path,
                                            "train", "mnist-small", "--dataset", "mnist", "--epochs", "1", "--no-checkpoint"],
                                           in: folder, environment: Self.environment, executable: URL(fileURLWithPath: Self.mpirun!))
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("cnn-zoo: error: rank 1 of 2:"), result.stderr)
        XCTAssertNil(Self.process(withRank: 0, mentioning: "mnist-small"))
    }

    /// Rank 1 of the job `process` runs, once `ready` (polled) says so; nil when the job ends
    /// or two minutes pass first.
    static func rankOne(of process: Process, mentioning text: String, once ready: () -> Bool) -> pid_t? {
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && process.isRunning {
            if ready(), let pid = Self.process(withRank: 1, mentioning: text) { return pid }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }

    /// A running cnn-zoo process of rank `rank` whose command line mentions `text`.
    static func process(withRank rank: Int, mentioning text: String) -> pid_t? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for entry in entries {
            guard let pid = pid_t(entry), pid != getpid() else { continue }
            guard let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                  let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { continue }
            let arguments = command.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard arguments.first.map({ $0.hasSuffix("/cnn-zoo") }) == true, arguments.contains(where: { $0.contains(text) }) else { continue }
            let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") {
                // A zombie is not running.
                if let status = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8), status.contains(") Z ") { continue }
                return pid
            }
        }
        return nil
    }
}
