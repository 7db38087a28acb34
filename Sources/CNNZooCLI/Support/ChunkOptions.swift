import ArgumentParser
import CNNZoo

/// How a training batch is cut into chunks for the threads and processes.
struct ChunkOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Chunks each training batch is cut into, shared out over the threads and processes \
        (default: one per \(BatchChunking.samplesPerChunk) samples, so 4 for a batch of 64). A run's bits depend on \
        this count, not on --threads or mpirun -n; at most this many threads work on a batch. \
        'threads' cuts one chunk per thread instead (bit-identical only for the same processes × threads).
        """, valueName: "n|threads"))
    var chunks: Choice?

    /// A count, or one chunk per thread.
    enum Choice: ExpressibleByArgument, Equatable {
        case fixed(Int)
        case perThread

        init?(argument: String) {
            if argument == "threads" { self = .perThread; return }
            guard let count = Int(argument), (1...4096).contains(count) else { return nil }
            self = .fixed(count)
        }
    }

    /// The run's chunking: the option's, or automatic.
    var chunking: BatchChunking {
        switch chunks {
        case .fixed(let count): .fixed(count)
        case .perThread: .perThread
        case nil: .automatic
        }
    }
}
