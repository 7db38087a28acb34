/// A layer whose passes need sums over the whole batch — batch normalisation. Each chunk of
/// samples sums its own part and the chunks' sums are added in chunk order; in a data-parallel
/// run every process's chunk sums are gathered and added in the global chunk order, so the
/// layer sees the batch all processes train on together and a run stays bit-identical for a
/// processes × threads count.
public protocol BatchStatisticsLayer: Layer {
    /// The processes this one trains with (nil: alone); the trainer sets it.
    var group: (any DataParallelGroup)? { get set }
    /// Set by the trainer around a pass over a stand-in sample (a process with no samples of
    /// its own in a small batch): the layer joins the other processes' sums with none of its own.
    var isStandIn: Bool { get set }
    /// Set by the trainer for a data-parallel step: how the batch lies across the processes, so
    /// that the layer gathers its sums without first asking what every process brings (nil:
    /// it asks).
    var batchLayout: BatchLayout? { get set }
}

/// How a data-parallel step's batch lies across the processes.
public struct BatchLayout: Sendable, Equatable {
    /// The samples of the whole batch.
    public var samples: Int
    /// The chunks each process sums, in rank order (a process without samples sums its
    /// stand-in sample as one chunk).
    public var chunks: [Int]

    public init(samples: Int, chunks: [Int]) {
        (self.samples, self.chunks) = (samples, chunks)
    }
}

extension BatchStatisticsLayer {
    /// The samples in the whole batch, given this process's `local` count.
    func wholeBatchCount(_ local: Int) throws -> Int {
        let mine = isStandIn ? 0 : local
        guard let group, group.size > 1 else { return mine }
        if let batchLayout { return batchLayout.samples }
        return Int(try group.allGather([Float(mine)], counts: Array(repeating: 1, count: group.size)).reduce(0, +))
    }

    /// `width` sums over the whole batch of `batch` local samples: `body(samples, sums)` adds its
    /// chunk's samples into `sums` (zeros to start with), on the engine's threads.
    func wholeBatchSums(_ batch: Int, width: Int, _ body: (Range<Int>, UnsafeMutablePointer<Double>) -> Void) throws -> [Double] {
        let chunks = Parallelism.chunkCount(batch)
        var partials = [Double](repeating: 0, count: chunks * width)
        partials.withUnsafeMutableBufferPointer { buffer in
            let base = UncheckedSendable(buffer.baseAddress!)
            Parallelism.forEachChunk(batch) { chunk, samples in body(samples, base.value + chunk * width) }
        }
        return try wholeBatch(partials: partials, width: width)
    }

    /// Adds chunk-major partials (`width` each) in chunk order: this process's alone, or every
    /// process's in the global chunk order.
    ///
    /// Every partial is first rounded to what a pair of floats holds (a high part and the rest),
    /// the form in which it crosses between processes, so that one process and several add the
    /// very same numbers.
    func wholeBatch(partials: [Double], width: Int) throws -> [Double] {
        var encoded: [Float] = []
        encoded.reserveCapacity(2 * partials.count)
        for partial in partials {
            let high = isStandIn ? 0 : Float(partial)
            encoded.append(high)
            encoded.append(isStandIn ? 0 : Float(partial - Double(high)))
        }
        if let group, group.size > 1 {
            let counts: [Int]
            if let batchLayout {
                counts = batchLayout.chunks.map { 2 * width * $0 }
                precondition(counts[group.rank] == encoded.count, "the batch layout disagrees with this process's chunks")
            } else {
                counts = try group.allGather([Float(encoded.count)], counts: Array(repeating: 1, count: group.size)).map { Int($0) }
            }
            encoded = try group.allGather(encoded, counts: counts)
        }
        var totals = [Double](repeating: 0, count: width)
        for chunk in 0..<encoded.count / (2 * width) {
            for i in 0..<width {
                let at = 2 * (chunk * width + i)
                totals[i] += Double(encoded[at]) + Double(encoded[at + 1])
            }
        }
        return totals
    }
}
