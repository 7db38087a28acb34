internal import CKernels
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The threads behind ``Parallelism/forEachChunk(_:_:)``: helpers that live as long as the
/// program and wait for work by spinning a little, then sleeping.
///
/// A training step hands the threads some thirty pieces of work, microseconds apart; waking a
/// sleeping thread for each (as `DispatchQueue.concurrentPerform` does) costs about as much as
/// a small layer. Helpers that spin for a few tens of microseconds after each piece catch the
/// next one at once, and go to sleep when the work stops (between epochs, in evaluation).
/// The caller runs chunks 0, helpers + 1, …; helper h runs chunks h + 1, h + helpers + 2, ….
final class WorkerPool: @unchecked Sendable {
    let helpers: Int
    /// Bumped once per piece of work; a helper runs when it sees a new value.
    private let generation = Atomic<Int>(0)
    /// Helpers yet to finish the current piece.
    private let pending = Atomic<Int>(0)
    /// One bit per helper that is asleep (or about to be) on its semaphore.
    private let sleepers = Atomic<Int>(0)
    private let wakeUps: [DispatchSemaphore]
    /// The current piece: written by the caller before it bumps `generation`, read by helpers after.
    private var work: ((Int) -> Void)?
    private var chunks = 0

    /// About 30–60 µs of spinning before a helper sleeps.
    private static let spinsBeforeSleep = 2_000

    init(helpers: Int) {
        precondition(helpers >= 1 && helpers < Int.bitWidth)
        self.helpers = helpers
        wakeUps = (0..<helpers).map { _ in DispatchSemaphore(value: 0) }
        for helper in 0..<helpers { start(helper) }
    }

    /// Whether a caller is using the pool (one at a time; a second caller, or work started
    /// from inside a chunk, goes elsewhere).
    private let busy = Atomic<Bool>(false)

    /// The pool with `helpers` helper threads, made on first use and kept.
    static func shared(helpers: Int) -> WorkerPool {
        pools.withLock { pools in
            if let pool = pools[helpers] { return pool }
            let pool = WorkerPool(helpers: helpers)
            pools[helpers] = pool
            return pool
        }
    }

    private static let pools = Mutex<[Int: WorkerPool]>([:])

    /// Runs `body(chunk)` for chunk 0 ..< `chunks`, the caller and each helper taking every
    /// (helpers + 1)-th, and returns true; returns false at once, having run nothing, when the
    /// pool is in use.
    func run(chunks: Int, _ body: (Int) -> Void) -> Bool {
        precondition(chunks >= 1)
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            work = body
            self.chunks = chunks
            pending.store(helpers, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            let asleep = sleepers.load(ordering: .sequentiallyConsistent)
            for helper in 0..<helpers where asleep & (1 << helper) != 0 { wakeUps[helper].signal() }
            for chunk in stride(from: 0, to: chunks, by: helpers + 1) { body(chunk) }
            var spins = 0
            while pending.load(ordering: .acquiring) > 0 {
                spins += 1
                // A helper that lost its core (more threads than cores) needs this one's.
                if spins % 64 == 0 { sched_yield() } else { cnnzoo_spin_pause() }
            }
            work = nil
        }
        return true
    }

    private func start(_ helper: Int) {
        let box = Unmanaged.passRetained(HelperStart(pool: self, helper: helper))
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { argument in
            let start = Unmanaged<HelperStart>.fromOpaque(argument!).takeRetainedValue()
            start.pool.serve(start.helper)
        }, box.toOpaque())
        precondition(status == 0, "cannot start a worker thread (error \(status))")
        pthread_detach(thread)
    }

    private final class HelperStart {
        let pool: WorkerPool, helper: Int
        init(pool: WorkerPool, helper: Int) { (self.pool, self.helper) = (pool, helper) }
    }

    private func serve(_ helper: Int) -> Never {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                if spins < Self.spinsBeforeSleep {
                    spins += 1
                    cnnzoo_spin_pause()
                    continue
                }
                // Announce the sleep, then look once more: the caller either sees the bit and
                // signals, or bumped the generation before, and this look sees it.
                sleepers.bitwiseOr(1 << helper, ordering: .sequentiallyConsistent)
                if generation.load(ordering: .sequentiallyConsistent) == seen { wakeUps[helper].wait() }
                sleepers.bitwiseAnd(~(1 << helper), ordering: .sequentiallyConsistent)
                spins = 0
            }
            seen = generation.load(ordering: .acquiring)
            if let work {
                for chunk in stride(from: helper + 1, to: chunks, by: helpers + 1) { work(chunk) }
            }
            pending.subtract(1, ordering: .releasing)
        }
    }
}
