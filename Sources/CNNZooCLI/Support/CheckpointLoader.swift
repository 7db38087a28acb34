import CNNZoo
import CNNZooCheckpoint
import Foundation

/// Opens checkpoints for the commands, shielding the program from the HDF5 library.
///
/// libhdf5 (1.10.8 here) can crash or loop forever on deliberately corrupted files — fuzzing
/// found a SIGSEGV and an endless loop in its global-heap reader, neither of which a Swift
/// program can catch. So a checkpoint is first read in a child process
/// (`cnn-zoo _check-checkpoint PATH`) under a deadline; only if that succeeds is it read here.
/// A child that dies or runs out of time becomes one line saying the file is damaged.
enum CheckpointLoader {
    // Checkpoint.read builds the model through the registry and checks every dataset against it,
    // so a checkpoint it returns always yields a model: the child need not build one again.
    /// How long the child may take: a generous base plus time for the file's size (a real
    /// checkpoint of tens of megabytes reads in well under a second).
    static func deadline(forBytes size: Int) -> Double {
        let base = ProcessInfo.processInfo.environment["CNN_ZOO_HDF5_DEADLINE"].flatMap(Double.init) ?? 20
        return base + Double(size) / 20_000_000
    }

    static func read(_ path: String, registry: Registry) throws -> Checkpoint {
        try checkInChild(path, registry: registry, contents: false)
        return try readInProcess(path, registry: registry)
    }

    /// What the checkpoint holds, read without building its model (``CheckpointContents``),
    /// behind the same child-process check.
    static func readContents(_ path: String) throws -> CheckpointContents {
        try checkInChild(path, registry: Registry(), contents: true)
        do { return try Checkpoint.readContents(from: path) } catch let error as HDF5Error { throw RuntimeError(error.description) }
    }

    /// Reads the checkpoint in a child process first, where one can be started (the caller is
    /// cnn-zoo): a child that fails throws its one line, and one that crashes or hangs says the
    /// file is damaged.
    private static func checkInChild(_ path: String, registry: Registry, contents: Bool) throws {
        // In-process callers whose executable is not cnn-zoo (a test runner) read directly.
        if ProcessInfo.processInfo.environment["CNN_ZOO_ISOLATE_HDF5"] == "0" { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = [CheckCheckpoint.configuration.commandName!, path] + (contents ? ["--contents"] : [])
        // The child's messages go to a file: a pipe could fill and stall it.
        let errorPath = NSTemporaryDirectory() + "cnn-zoo-check-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { unlink(errorPath) }
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        process.standardOutput = FileHandle.nullDevice
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        // The child reads with the same plugins: the files this process loaded them from.
        environment["CNN_ZOO_PLUGINS"] = registry.plugins.map(\.origin).filter { $0.hasPrefix("/") }.joined(separator: ":")
        process.environment = environment
        do {
            try process.run()
        } catch {
            return  // no way to isolate: read directly
        }
        let size = fileSize(atPath: path)
        let limit = Date().addingTimeInterval(deadline(forBytes: size))
        while process.isRunning && Date() < limit { usleep(2_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw RuntimeError("\(path): damaged: the HDF5 library did not finish reading it in \(Int(deadline(forBytes: size))) s; the file cannot be used")
        }
        process.waitUntilExit()
        let message = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""

        if process.terminationReason == .uncaughtSignal {
            throw RuntimeError("\(path): damaged: the HDF5 library crashed reading it (signal \(process.terminationStatus)); the file cannot be used")
        }
        guard process.terminationStatus == 0 else {
            let line = message.split(separator: "\n").first.map(String.init) ?? "cannot be read"
            throw RuntimeError(line.hasPrefix("cnn-zoo: error: ") ? String(line.dropFirst("cnn-zoo: error: ".count)) : line)
        }
    }

    private static func readInProcess(_ path: String, registry: Registry) throws -> Checkpoint {
        do {
            let checkpoint = try Checkpoint.read(from: path, registry: registry)
            for notice in checkpoint.notices { Console.notice(notice) }
            return checkpoint
        } catch let error as HDF5Error {
            throw RuntimeError(error.description)
        }
    }
}

/// The size of the file at `path` in bytes (0 when it cannot be read).
func fileSize(atPath path: String) -> Int {
    (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
}
