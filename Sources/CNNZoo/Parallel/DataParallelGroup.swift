/// Processes training one model together, each on its share of every batch (data parallelism).
///
/// The engine needs only these collective operations; the transport (Open MPI in the `cnn-zoo`
/// program) lives outside it. Every process of a group calls the same operations in the same
/// order. A ``Trainer`` given a group splits each batch of B samples into R·T chunks (R processes,
/// T threads each, see ``Parallelism/range(_:of:over:)``), runs its own T chunks, and adds every
/// chunk's partial gradients in global chunk order — so R processes × T threads end bit for bit
/// where one process with R·T threads ends.
public protocol DataParallelGroup: AnyObject {
    /// This process's place in the group, 0 ..< size.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// Every process's `values` concatenated in rank order, on every process; `counts[r]` is the
    /// number of values process r passes.
    func allGather(_ values: [Float], counts: [Int]) throws -> [Float]
    /// Whether any process passes true (every process gets the same answer).
    func any(_ flag: Bool) throws -> Bool
}
