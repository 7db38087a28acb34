import ArgumentParser
import CNNZoo

/// How many threads the engine uses.
struct ComputeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Threads to split each batch over (default: one per core). Training ends with the same bits for a seed and a chunk count (--chunks) on any thread count.",
                               valueName: "n"))
    var threads: Int?

    func validate() throws {
        if let threads, !(1...64).contains(threads) { throw ValidationError("--threads must be between 1 and 64, got \(threads)") }
    }

    /// Applies `threads`, or `fallback`, or the machine's core count; returns the count in use.
    @discardableResult
    func apply(fallback: Int? = nil) -> Int {
        if let count = threads ?? fallback { return Parallelism.setThreads(count) }
        return Parallelism.threads
    }
}
