import Dispatch
import Synchronization

/// A data-parallel group's operations, one at a time and in the order they were asked for,
/// some started to run on a thread of their own while the caller goes on.
///
/// Every process must call a group's operations in the same order. The trainer starts a
/// bucket's gradient reduction as soon as the backward pass has finished its layers
/// (``start(_:)``) and goes on to the layers before; an operation it needs at once — a batch
/// normalisation's sums — waits for the reductions started before it and then runs on the
/// caller's thread (``perform(_:)``). The order is the program's on every process, so the
/// processes agree; the group's transport must take calls from any thread, one at a time
/// (``DataParallelGroup/callableFromAnyThread``).
final class CommunicationQueue: @unchecked Sendable {
    private let queue = DispatchQueue(label: "cnn-zoo communication")
    /// Operations started and not yet finished.
    private let pending = Atomic<Int>(0)
    /// The first failure of a started operation; the ones after it are skipped (the processes
    /// no longer agree on what comes next).
    private let failure = Mutex<(any Error)?>(nil)
    /// Seconds the caller spent waiting in ``perform(_:)`` and ``finish()``, over the queue's life:
    /// the communication not hidden behind its own work.
    private(set) var waitingSeconds = 0.0

    /// Starts `job` after every operation asked for before it, and returns at once.
    func start(_ job: @escaping () throws -> Void) {
        pending.add(1, ordering: .sequentiallyConsistent)
        let job = UncheckedSendable(job)
        queue.async { [self] in
            defer { pending.subtract(1, ordering: .releasing) }
            guard failure.withLock({ $0 == nil }) else { return }
            do { try job.value() } catch { failure.withLock { $0 = $0 ?? error } }
        }
    }

    /// Runs `body` on the caller's thread once every operation started before it is done.
    func perform<T>(_ body: () throws -> T) throws -> T {
        try timed {
            if pending.load(ordering: .acquiring) != 0 { queue.sync {} }
            try throwFailure()
            return try body()
        }
    }

    /// Waits until every started operation is done; throws the first one's failure.
    func finish() throws {
        try timed {
            if pending.load(ordering: .acquiring) != 0 { queue.sync {} }
            try throwFailure()
        }
    }

    private func throwFailure() throws {
        if let error = failure.withLock({ $0 }) { throw error }
    }

    private func timed<T>(_ body: () throws -> T) rethrows -> T {
        try Stopwatch.time(into: &waitingSeconds, body)
    }
}

/// A group whose every operation goes through a ``CommunicationQueue``: after the reductions
/// started before it, on the caller's thread.
final class QueuedGroup: DataParallelGroup {
    let inner: any DataParallelGroup
    let queue: CommunicationQueue

    init(_ inner: any DataParallelGroup, queue: CommunicationQueue) {
        self.inner = inner
        self.queue = queue
    }

    var rank: Int { inner.rank }
    var size: Int { inner.size }
    var callableFromAnyThread: Bool { inner.callableFromAnyThread }

    func allGather(_ values: [Float], counts: [Int]) throws -> [Float] {
        try queue.perform { try inner.allGather(values, counts: counts) }
    }

    func allToAll(_ values: [Float], sendCounts: [Int], receiveCounts: [Int]) throws -> [Float] {
        try queue.perform { try inner.allToAll(values, sendCounts: sendCounts, receiveCounts: receiveCounts) }
    }

    func send(_ values: [Float], to destination: Int) throws {
        try queue.perform { try inner.send(values, to: destination) }
    }

    func receive(count: Int, from source: Int) throws -> [Float] {
        try queue.perform { try inner.receive(count: count, from: source) }
    }

    func any(_ flag: Bool) throws -> Bool {
        try queue.perform { try inner.any(flag) }
    }
}
