import CNNZooCheckpoint
import Foundation

/// Opens checkpoints for the commands, shielding the program from the HDF5 library.
///
/// libhdf5 (1.10.8 here) can crash on deliberately corrupted files — fuzzing found a SIGSEGV in
/// its global-heap reader, which a Swift program cannot catch. So a checkpoint is first read
/// in a child process (`cnn-zoo _check-checkpoint PATH`); only if that succeeds is it read
/// here. A child that dies becomes one line saying the file is damaged.
enum CheckpointLoader {
    static func read(_ path: String) throws -> Checkpoint {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = [CheckCheckpoint.configuration.commandName!, path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return try readInProcess(path)  // no way to isolate: read directly
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal {
            throw RuntimeError("\(path): damaged: the HDF5 library crashed reading it (signal \(process.terminationStatus)); the file cannot be used")
        }
        guard process.terminationStatus == 0 else {
            let line = message.split(separator: "\n").first.map(String.init) ?? "cannot be read"
            throw RuntimeError(line.hasPrefix("cnn-zoo: error: ") ? String(line.dropFirst("cnn-zoo: error: ".count)) : line)
        }
        return try readInProcess(path)
    }

    private static func readInProcess(_ path: String) throws -> Checkpoint {
        do {
            let checkpoint = try Checkpoint.read(from: path)
            _ = try checkpoint.makeModel()
            return checkpoint
        } catch let error as HDF5Error {
            throw RuntimeError(error.description)
        }
    }
}
