import ArgumentParser
import CNNZoo
import CNNZooCheckpoint
import Foundation

/// Reads a checkpoint and reports only whether it loads: the isolated half of ``CheckpointLoader``.
struct CheckCheckpoint: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "_check-checkpoint",
        abstract: "Check that a checkpoint loads (used internally to isolate the HDF5 library).",
        shouldDisplay: false)

    @Argument(help: "The checkpoint file.")
    var path: String

    @Flag(help: "Read only what it holds, without building its model (for inspect without its plugins).")
    var contents = false

    @OptionGroup(title: "Plugins")
    var pluginOptions: PluginOptions

    func run(with registry: Registry) throws {
        // A damaged file can make libhdf5 allocate without bound; cap this throwaway process.
        let size = fileSize(atPath: path)
        var limit = rlimit()
        limit.rlim_cur = rlim_t((4 << 30) + 8 * size)
        limit.rlim_max = limit.rlim_cur
        setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit)
        do {
            if contents {
                _ = try Checkpoint.readContents(from: path)
            } else {
                _ = try Checkpoint.read(from: path, registry: registry)
            }
        } catch let error as HDF5Error {
            throw RuntimeError(error.description)
        }
    }
}
