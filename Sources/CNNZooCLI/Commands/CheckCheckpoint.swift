import ArgumentParser
import CNNZooCheckpoint

/// Reads a checkpoint and reports only whether it loads: the isolated half of ``CheckpointLoader``.
struct CheckCheckpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "_check-checkpoint",
        abstract: "Check that a checkpoint loads (used internally to isolate the HDF5 library).",
        shouldDisplay: false)

    @Argument(help: "The checkpoint file.")
    var path: String

    func run() throws {
        do {
            _ = try Checkpoint.read(from: path).makeModel()
        } catch let error as HDF5Error {
            throw RuntimeError(error.description)
        }
    }
}
