/// How the processes of a ``DataParallelGroup`` add their chunks' partial gradients.
///
/// Both add, for every element, the partials of every chunk in global chunk order starting
/// from zero — the sum one process forms — so both give the same bits; they differ only in
/// what travels. With G floats of gradient, N processes and C chunks a batch:
///
/// - ``allGather``: every process receives every chunk's partials and adds them all, about
///   C·G·(N−1)/N floats sent per process.
/// - ``reduceScatter``: the gradient is cut into N segments; each process receives every
///   chunk's piece of its own segment and adds them, then the finished segments are gathered —
///   about (C/N + 1)·G·(N−1)/N floats sent per process, which falls as N grows.
/// - ``chain``: the running sum passes along the processes in rank order, each adding its own
///   chunks, in segments so that they work at once (a pipeline); the total passes back the
///   same way — at most 2·G floats sent per process whatever N is, but 2(N − 1) hops of latency.
public enum GradientReduction: String, Sendable, CaseIterable {
    case allGather = "all-gather"
    case reduceScatter = "reduce-scatter"
    case chain

    /// The reduction that moves fewer bytes on a step's critical path for `chunks` chunks over
    /// `ranks` processes: the reduce-scatter while a process holds few chunks (its ⌈C/N⌉ + 1
    /// gradients' worth, times (N − 1)/N, against the chain's two), the chain beyond.
    public static func suited(chunks: Int, ranks: Int) -> GradientReduction {
        guard ranks > 1 else { return .chain }
        let held = (chunks + ranks - 1) / ranks
        return (held + 1) * (ranks - 1) <= 2 * ranks ? .reduceScatter : .chain
    }

    /// Floats per segment of the chain for `floats` of gradient over `ranks` processes.
    ///
    /// The chain is a pipeline: its reduce, and the return of the total after it, each take (s + N − 2)
    /// segment times for s segments over N processes, so each segment costs its message's
    /// overhead once and the pipelines' filling costs 2(N − 2) segments' transfers. Few large
    /// segments pay little overhead, many small ones fill fast; the best count grows as
    /// √(N − 2). About 4(N − 1) segments, each of 4K to 8K floats, keeps both costs near their
    /// least from 2 processes to 64: at 16–32 KB a segment goes out at once, where one larger
    /// than the transport's eager limit (64 KB for Open MPI over TCP) waits for the receiver's
    /// answer before it is sent (see SCALING.md). The segments change no sum.
    public static func chainSegment(floats: Int, ranks: Int) -> Int {
        let segments = max(1, 4 * (ranks - 1))
        return min(max((floats + segments - 1) / segments, 1 << 12), 1 << 13)
    }

    /// Replaces every parameter's gradient by the group's sum, on every process.
    ///
    /// A parameter contributes, per process, the partials its layer collected chunk by chunk
    /// (``Parameter/collectedPartials``), or — for a layer that adds into its gradient
    /// directly — that gradient as one chunk, or nothing when it is zero. Every process passes
    /// the same parameters in the same order; any grouping of them gives the same sums. Off
    /// the engine's threads (`parallel` false), the sums run on the caller's thread alone. The
    /// chain passes `segment` floats at a time (nil: ``chainSegment(floats:ranks:)``'s).
    func combine(_ parameters: [Parameter], group: any DataParallelGroup, parallel: Bool = true, segment: Int? = nil) throws {
        // Cleared once the contributions, which share the partials' storage, are gone: the
        // buffers are then unshared and keep their capacity for the next step.
        defer { for parameter in parameters { parameter.collectedPartials.removeAll(keepingCapacity: true) } }
        let contributions = parameters.map(Contribution.init)
        let spans: Spans = parallel ? { count, body in Parallelism.forEachSpan(count, body) } : { count, body in body(0..<count) }
        switch self {
        case .allGather: try gatherAll(parameters, contributions, group: group, spans: spans)
        case .reduceScatter: try scatterInOrder(parameters, contributions, group: group, spans: spans)
        case .chain: try passAlong(parameters, contributions, group: group, segment: segment)
        }
    }

    /// Runs element-wise work over `count` elements in spans, on the engine's threads or not.
    private typealias Spans = (_ count: Int, _ body: (Range<Int>) -> Void) -> Void

    /// Where each parameter's gradient sits in the parameters' gradients laid end to end.
    private struct Layout {
        let sizes: [Int]
        /// `offsets[i] ..< offsets[i + 1]` is parameter i's place; the last is the total.
        let offsets: [Int]
        var total: Int { offsets.last! }

        init(_ parameters: [Parameter]) {
            sizes = parameters.map(\.gradient.count)
            var offsets = [0]
            for size in sizes { offsets.append(offsets.last! + size) }
            self.offsets = offsets
        }

        /// The part of `range` (of the whole) that parameter `index` covers, in the whole's indices.
        func overlap(_ index: Int, _ range: Range<Int>) -> Range<Int> {
            let low = max(offsets[index], range.lowerBound), high = min(offsets[index + 1], range.upperBound)
            return low < high ? low ..< high : low ..< low
        }

        /// Copies every parameter's part of `whole` into its gradient.
        func write(_ whole: [Float], into parameters: [Parameter]) {
            whole.withUnsafeBufferPointer { source in
                for (index, parameter) in parameters.enumerated() {
                    parameter.gradient.withMutablePointer { $0.update(from: source.baseAddress! + offsets[index], count: sizes[index]) }
                }
            }
        }
    }

    /// What one parameter brings from this process.
    private struct Contribution {
        var chunks: Int
        var values: [Float]

        init(_ parameter: Parameter) {
            let count = parameter.gradient.count
            if !parameter.collectedPartials.isEmpty {
                (chunks, values) = (parameter.collectedPartials.count / count, parameter.collectedPartials)
            } else if parameter.gradient.scalars.contains(where: { $0 != 0 }) {
                (chunks, values) = (1, parameter.gradient.scalars)
            } else {
                (chunks, values) = (0, [])
            }
        }
    }

    /// Every process's chunk count for every parameter: `[rank][parameter]`.
    private func chunkCounts(_ contributions: [Contribution], group: any DataParallelGroup) throws -> [[Int]] {
        let all = try group.allGather(contributions.map { Float($0.chunks) }, counts: Array(repeating: contributions.count, count: group.size))
        return (0..<group.size).map { rank in all[rank * contributions.count ..< (rank + 1) * contributions.count].map { Int($0) } }
    }

    private func gatherAll(_ parameters: [Parameter], _ contributions: [Contribution], group: any DataParallelGroup, spans: Spans) throws {
        let counts = try chunkCounts(contributions, group: group)
        let sizes = Layout(parameters).sizes
        let all = try group.allGather(contributions.flatMap(\.values),
                                      counts: counts.map { zip($0, sizes).reduce(0) { $0 + $1.0 * $1.1 } })
        for parameter in parameters { parameter.gradient.zero() }
        var position = 0
        for rank in 0..<group.size {
            for (index, parameter) in parameters.enumerated() {
                let chunks = counts[rank][index], count = sizes[index]
                all.withUnsafeBufferPointer { buffer in
                    parameter.gradient.withMutablePointer { target in
                        // Spans of elements on separate threads; each element adds its chunks in order.
                        spans(count) { span in
                            for chunk in 0..<chunks {
                                let part = buffer.baseAddress! + position + chunk * count
                                for i in span { target[i] += part[i] }
                            }
                        }
                    }
                }
                position += chunks * count
            }
        }
    }

    /// Each process owns one segment of the concatenated gradient; every chunk's piece of a
    /// segment goes to its owner, which adds them in global order; the sums are then gathered.
    private func scatterInOrder(_ parameters: [Parameter], _ contributions: [Contribution], group: any DataParallelGroup, spans: Spans) throws {
        let counts = try chunkCounts(contributions, group: group)
        let layout = Layout(parameters), ranks = group.size
        let segments = (0..<ranks).map { Parallelism.range($0, of: ranks, over: layout.total) }

        // Every chunk's piece of every owner's segment, owner by owner.
        var message: [Float] = [], sendCounts: [Int] = []
        for segment in segments {
            let start = message.count
            for (index, contribution) in contributions.enumerated() {
                let part = layout.overlap(index, segment)
                guard !part.isEmpty else { continue }
                for chunk in 0..<contribution.chunks {
                    let base = chunk * layout.sizes[index] - layout.offsets[index]
                    message.append(contentsOf: contribution.values[base + part.lowerBound ..< base + part.upperBound])
                }
            }
            sendCounts.append(message.count - start)
        }
        let mine = segments[group.rank]
        let receiveCounts = counts.map { chunks in
            chunks.indices.reduce(0) { $0 + chunks[$1] * layout.overlap($1, mine).count }
        }
        let received = try group.allToAll(message, sendCounts: sendCounts, receiveCounts: receiveCounts)

        // The pieces in global chunk order (process by process, then chunk by chunk), each as
        // where it lands in the segment and where it starts in what arrived.
        var pieces: [(target: Range<Int>, source: Int)] = [], position = 0
        for rank in 0..<ranks {
            for index in parameters.indices {
                let part = layout.overlap(index, mine)
                guard !part.isEmpty else { continue }
                let target = part.lowerBound - mine.lowerBound ..< part.upperBound - mine.lowerBound
                for _ in 0..<counts[rank][index] {
                    pieces.append((target, position))
                    position += part.count
                }
            }
        }
        var sum = [Float](repeating: 0, count: mine.count)
        received.withUnsafeBufferPointer { source in
            sum.withUnsafeMutableBufferPointer { sum in
                let sum = UncheckedSendable(sum)
                spans(mine.count) { span in
                    for piece in pieces {
                        let low = max(span.lowerBound, piece.target.lowerBound), high = min(span.upperBound, piece.target.upperBound)
                        guard low < high else { continue }
                        let from = source.baseAddress! + piece.source - piece.target.lowerBound
                        for i in low..<high { sum.value[i] += from[i] }
                    }
                }
            }
        }
        layout.write(try group.allGather(sum, counts: segments.map(\.count)), into: parameters)
    }

    /// The running sum, segment by segment, from process 0 to the last, each adding its own
    /// chunks' pieces in order; the total then passes back down the chain, segment by segment.
    /// Every process sends the gradient at most twice, whatever their count, where a broadcast's
    /// tree may have its root send it to several processes (see SCALING.md).
    private func passAlong(_ parameters: [Parameter], _ contributions: [Contribution], group: any DataParallelGroup, segment floats: Int?) throws {
        let layout = Layout(parameters), (rank, ranks) = (group.rank, group.size)
        let floats = floats ?? Self.chainSegment(floats: layout.total, ranks: ranks)
        let segments = stride(from: 0, to: layout.total, by: floats).map { $0 ..< min($0 + floats, layout.total) }
        var sum = [Float](repeating: 0, count: layout.total)
        for segment in segments {
            let start = segment.lowerBound
            var piece = rank == 0 ? [Float](repeating: 0, count: segment.count) : try group.receive(count: segment.count, from: rank - 1)
            for (index, contribution) in contributions.enumerated() where contribution.chunks > 0 {
                let part = layout.overlap(index, segment)
                guard !part.isEmpty else { continue }
                contribution.values.withUnsafeBufferPointer { values in
                    piece.withUnsafeMutableBufferPointer { piece in
                        for chunk in 0..<contribution.chunks {
                            let from = values.baseAddress! + chunk * layout.sizes[index] - layout.offsets[index]
                            for i in part { piece[i - start] += from[i] }
                        }
                    }
                }
            }
            if rank < ranks - 1 {
                try group.send(piece, to: rank + 1)
            } else {
                sum.replaceSubrange(segment, with: piece)
            }
        }
        for segment in segments {
            if rank < ranks - 1 { sum.replaceSubrange(segment, with: try group.receive(count: segment.count, from: rank + 1)) }
            if rank > 0 { try group.send(Array(sum[segment]), to: rank - 1) }
        }
        layout.write(sum, into: parameters)
    }
}
