/// A ``DataParallelGroup`` that passes every operation on to another and keeps count of them,
/// of the time spent in them and of the bytes this process sends.
///
/// Bytes are counted as the usual algorithms move them: an all-gather as a ring, where each
/// process forwards every block but its successor's; a personalised exchange as sent directly,
/// every block but the one a process keeps.
final class MeteredGroup: DataParallelGroup {
    let inner: any DataParallelGroup
    private(set) var seconds = 0.0
    private(set) var sentBytes = 0
    private(set) var operations = 0

    init(_ inner: any DataParallelGroup) { self.inner = inner }

    var rank: Int { inner.rank }
    var size: Int { inner.size }
    var callableFromAnyThread: Bool { inner.callableFromAnyThread }

    func allGather(_ values: [Float], counts: [Int]) throws -> [Float] {
        if size > 1 { sentBytes += 4 * (counts.reduce(0, +) - counts[(rank + 1) % size]) }
        return try timed { try inner.allGather(values, counts: counts) }
    }

    func allToAll(_ values: [Float], sendCounts: [Int], receiveCounts: [Int]) throws -> [Float] {
        sentBytes += 4 * (sendCounts.reduce(0, +) - sendCounts[rank])
        return try timed { try inner.allToAll(values, sendCounts: sendCounts, receiveCounts: receiveCounts) }
    }

    func send(_ values: [Float], to destination: Int) throws {
        sentBytes += 4 * values.count
        try timed { try inner.send(values, to: destination) }
    }

    func receive(count: Int, from source: Int) throws -> [Float] {
        try timed { try inner.receive(count: count, from: source) }
    }

    func any(_ flag: Bool) throws -> Bool {
        sentBytes += 4 * (size - 1)
        return try timed { try inner.any(flag) }
    }

    private func timed<T>(_ body: () throws -> T) rethrows -> T {
        operations += 1
        return try Stopwatch.time(into: &seconds, body)
    }
}
