/// How a run cuts every training batch into chunks, the units its threads and processes share
/// out and whose partial sums it adds in order.
///
/// A run's bits depend on its chunks and on nothing else of the machine, so a count fixed by
/// the run — not by the thread or process count — makes every layout end with the same bits.
public enum BatchChunking: Sendable, Hashable {
    /// One chunk for every ``samplesPerChunk`` samples of the batch (at least one).
    case automatic
    /// Exactly this many chunks (fewer only when the batch has fewer samples).
    case fixed(Int)
    /// One chunk per thread of every process: bit-identical only for the same processes × threads.
    case perThread

    /// Samples per chunk of an ``automatic`` run: enough that a chunk's products stay efficient,
    /// few enough that a batch of 64 keeps four threads busy.
    public static let samplesPerChunk = 16

    /// The chunk count for batches of `batchSize` (nil: one per thread).
    public func count(batchSize: Int) -> Int? {
        switch self {
        case .automatic: max(1, (batchSize + Self.samplesPerChunk - 1) / Self.samplesPerChunk)
        case .fixed(let count): count
        case .perThread: nil
        }
    }
}
