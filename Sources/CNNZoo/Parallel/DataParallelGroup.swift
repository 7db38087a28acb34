/// Processes training one model together, each on its share of every batch (data parallelism).
///
/// The engine needs only these collective operations; the transport (Open MPI in the `cnn-zoo`
/// program) lives outside it. Every process of a group calls the same operations in the same
/// order. A ``Trainer`` given a group cuts each batch into the run's chunks as one process
/// would (``Trainer/batchChunks``; see ``Parallelism/range(_:of:over:)``), runs a consecutive
/// share of them, and adds every chunk's partial gradients in global chunk order
/// (``GradientReduction``) — so any processes × threads end bit for bit where one process ends.
public protocol DataParallelGroup: AnyObject {
    /// This process's place in the group, 0 ..< size.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// Every process's `values` concatenated in rank order, on every process; `counts[r]` is the
    /// number of values process r passes.
    func allGather(_ values: [Float], counts: [Int]) throws -> [Float]
    /// Personalised exchange: `values` holds, in rank order, `sendCounts[d]` values for each
    /// process d; the result holds, in rank order, the `receiveCounts[r]` values process r sent
    /// to this one. Every process passes its own counts, which must agree with the others'.
    func allToAll(_ values: [Float], sendCounts: [Int], receiveCounts: [Int]) throws -> [Float]
    /// Sends `values` to process `destination`, which receives them with ``receive(count:from:)``.
    func send(_ values: [Float], to destination: Int) throws
    /// The `count` values process `source` sends this one, in the order it sent them.
    func receive(count: Int, from source: Int) throws -> [Float]
    /// Whether any process passes true (every process gets the same answer).
    func any(_ flag: Bool) throws -> Bool
    /// Whether the operations may be called from any thread, one at a time — as the trainer
    /// does when it reduces gradients during the backward pass. Without it, every operation runs
    /// on the trainer's thread and the reduction waits for the backward pass to end.
    var callableFromAnyThread: Bool { get }
}

/// A transport that has only collective operations cannot run ``GradientReduction/chain``.
public struct PointToPointUnavailable: Error, CustomStringConvertible {
    public var description: String { "this group's transport has no point-to-point messages; use the reduce-scatter or all-gather reduction" }
}

extension DataParallelGroup {
    public var callableFromAnyThread: Bool { true }

    /// An exchange through ``allGather(_:counts:)``, for a transport without a personalised one:
    /// correct, but every process receives everything.
    public func allToAll(_ values: [Float], sendCounts: [Int], receiveCounts: [Int]) throws -> [Float] {
        let matrix = try allGather(sendCounts.map(Float.init), counts: Array(repeating: size, count: size)).map { Int($0) }
        let totals = (0..<size).map { r in matrix[r * size ..< (r + 1) * size].reduce(0, +) }
        let everything = try allGather(values, counts: totals)
        var result: [Float] = [], start = 0
        for source in 0..<size {
            let offset = start + matrix[source * size ..< source * size + rank].reduce(0, +)
            result.append(contentsOf: everything[offset ..< offset + matrix[source * size + rank]])
            start += totals[source]
        }
        return result
    }

    public func send(_ values: [Float], to destination: Int) throws { throw PointToPointUnavailable() }
    public func receive(count: Int, from source: Int) throws -> [Float] { throw PointToPointUnavailable() }
}
