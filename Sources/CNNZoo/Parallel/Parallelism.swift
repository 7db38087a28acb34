internal import CNNZooPluginABI
import Dispatch
import Synchronization

/// How many threads the engine runs, and how it cuts work into chunks for them.
///
/// One level of parallelism: when the engine runs its own threads, BLAS runs on one
/// thread inside each. Work is split into contiguous chunks and partial sums are added in
/// chunk order. Outside a training step there is one chunk per thread; a training step cuts
/// its batch into the run's own number of chunks (``withBatchChunks(_:_:)``), which the
/// threads share out, so its sums — and the run's bits — do not depend on the thread count.
public enum Parallelism {
    private static let configured = Atomic<Int>(0)

    /// The thread count in use (default: the active processor count).
    public static var threads: Int {
        get {
            let value = configured.load(ordering: .relaxed)
            if value > 0 { return value }
            return setThreads(ProcessInfoCores.active)
        }
    }

    /// Uses `count` threads (at least 1); BLAS calls run single-threaded inside them.
    @discardableResult
    public static func setThreads(_ count: Int) -> Int {
        let count = max(1, min(count, 64))
        configured.store(count, ordering: .relaxed)
        BLAS.threadCount = 1
        return count
    }

    /// The chunk count work is cut into inside ``withBatchChunks(_:_:)`` (nil: one per thread).
    @TaskLocal private static var batchChunks: Int?

    /// Runs `body` with work cut into `chunks` chunks (at most; never more than items) instead of
    /// one per thread; the threads take the chunks in turn. A training step runs inside this
    /// with the run's chunk count, so that every partial sum it forms covers the same samples on
    /// any machine. Nil keeps one chunk per thread.
    public static func withBatchChunks<Result>(_ chunks: Int?, _ body: () throws -> Result) rethrows -> Result {
        guard let chunks else { return try body() }
        precondition(chunks >= 1, "a batch is cut into at least one chunk")
        return try $batchChunks.withValue(chunks, operation: body)
    }

    /// The number of chunks ``forEachChunk(_:_:)`` splits `count` items into.
    public static func chunkCount(_ count: Int) -> Int {
        if let host = borrowedHost { return Int(host.pointee.chunk_count(Int64(count))) }
        return max(1, min(batchChunks ?? threads, count))
    }

    /// Calls `body(chunk, range)` on the ``chunkCount(_:)`` contiguous chunks of `0..<count`,
    /// concurrently on the engine's threads (thread t runs chunks t, t + threads, …), and returns
    /// when all are done. Chunks are a pure function of `count` and the chunk count, so partial
    /// sums added in chunk order give the same bits on every run.
    ///
    /// Inside a plugin library loaded at run time, the chunks run on the program's threads.
    @inline(__always)
    public static func forEachChunk(_ count: Int, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        if let host = borrowedHost { return forEachChunk(count, on: host, body) }
        let chunks = chunkCount(count)
        if chunks <= 1 || threads == 1 {
            for chunk in 0..<chunks { body(chunk, range(chunk, of: chunks, over: count)) }
            return
        }
        // Each chunk writes only memory of its own, so sharing the body across threads is safe.
        if WorkerPool.shared(helpers: threads - 1).run(chunks: chunks, { chunk in body(chunk, range(chunk, of: chunks, over: count)) }) {
            return
        }
        // The pool is in use (work started from inside a chunk, or trainers on several threads).
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                shared.value(chunk, range(chunk, of: chunks, over: count))
            }
        }
    }

    /// Element-wise work over `count` items, split only when it is large enough to pay for a thread.
    @inline(__always)
    public static func forEachSpan(_ count: Int, minimum: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
        if count < minimum || (borrowedHost == nil && threads == 1) {
            body(0..<count)
            return
        }
        forEachChunk(count) { _, range in body(range) }
    }

    /// The program's threads, when this copy of the engine runs inside a plugin library; set once,
    /// when the program first asks the library for its table, before any work.
    nonisolated(unsafe) static var borrowedHost: UnsafePointer<cnnzoo_host>?

    /// ``forEachChunk(_:_:)`` through a host's table.
    private static func forEachChunk(_ count: Int, on host: UnsafePointer<cnnzoo_host>, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        typealias Body = (Int, Range<Int>) -> Void
        withoutActuallyEscaping(body) { body in
            var body: Body = body
            withUnsafeMutablePointer(to: &body) { pointer in
                host.pointee.for_each_chunk(Int64(count), pointer) { context, chunk, begin, end in
                    context!.assumingMemoryBound(to: Body.self).pointee(Int(chunk), Int(begin)..<Int(end))
                }
            }
        }
    }

    /// The `chunk`-th of `chunks` contiguous ranges covering `0..<count`: ⌊count/chunks⌋ items
    /// each, and the first `count mod chunks` chunks one more.
    ///
    /// Splitting this way nests: give R processes T consecutive chunks each of an R·T split, and
    /// each process's own T-way split of its share falls on exactly the same boundaries — so a
    /// data-parallel run (see ``DataParallelGroup``) sums the same chunks as one process would.
    public static func range(_ chunk: Int, of chunks: Int, over count: Int) -> Range<Int> {
        let (size, extra) = count.quotientAndRemainder(dividingBy: chunks)
        let start = chunk * size + min(chunk, extra)
        return start ..< start + size + (chunk < extra ? 1 : 0)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Carries a value across threads where the caller guarantees the access is disjoint.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

enum ProcessInfoCores {
    static var active: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
