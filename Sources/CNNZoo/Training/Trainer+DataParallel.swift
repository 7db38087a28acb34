/// One training step's gradients over a ``DataParallelGroup``.
///
/// The batch is cut into the run's chunks as one process would cut it; each process runs its
/// share of consecutive chunks and runs backward on its own rows, and every chunk's partial
/// gradients are added in global chunk order (``GradientReduction``) — after the backward pass,
/// or bucket by bucket as the pass completes them (``Trainer/overlapsReduction``,
/// ``GradientBuckets``). Every process ends the step with the same gradients — the ones one
/// process computes — and so applies the same update. With a ``SampleWiseLoss`` each process
/// takes its rows' gradient from its own outputs, and the outputs ride the reduction as one more
/// gradient (each process's rows, zeros elsewhere), so no collective stands between the forward
/// and the backward pass; every process then evaluates the loss over the whole batch exactly as
/// one process would. With any other loss the outputs are gathered before the backward pass.
extension Trainer {
    /// The chunks of a batch cut into `chunks` (at most one per sample) that process `rank` of
    /// `ranks` runs: consecutive ones, as evenly shared as they go.
    public static func chunkShare(of count: Int, chunks: Int, rank: Int, ranks: Int) -> Range<Int> {
        Parallelism.range(rank, of: ranks, over: max(1, min(chunks, count)))
    }

    /// The samples of a batch of `count` cut into `chunks` that process `rank` of `ranks` runs.
    public static func share(of count: Int, chunks: Int, rank: Int, ranks: Int) -> Range<Int> {
        let all = max(1, min(chunks, count)), mine = chunkShare(of: count, chunks: chunks, rank: rank, ranks: ranks)
        guard !mine.isEmpty else {
            let end = Parallelism.range(all - 1, of: all, over: count).upperBound
            return end ..< end
        }
        return Parallelism.range(mine.lowerBound, of: all, over: count).lowerBound ..< Parallelism.range(mine.upperBound - 1, of: all, over: count).upperBound
    }

    /// The chunks a batch is cut into over the whole group: the run's own count, or — for a run
    /// bound to its layout — one per thread of every process.
    public func groupChunks(ranks: Int) -> Int { batchChunks ?? ranks * Parallelism.threads }

    func dataParallelGradients(images: Tensor, labels: [Int], group: any DataParallelGroup) throws -> (output: Tensor, loss: Float) {
        let count = labels.count
        let chunks = groupChunks(ranks: group.size)
        let shares = (0..<group.size).map { Self.share(of: count, chunks: chunks, rank: $0, ranks: group.size) }
        let mine = shares[group.rank]
        // Every process's chunks (a process without samples runs one stand-in); this process's
        // split of its rows falls on the group's chunk boundaries (see Parallelism.range).
        let layout = BatchLayout(samples: count, chunks: (0..<group.size).map {
            max(1, Self.chunkShare(of: count, chunks: chunks, rank: $0, ranks: group.size).count)
        })
        return try Parallelism.withBatchChunks(layout.chunks[group.rank]) {
            try dataParallelGradients(images: images, labels: labels, group: group, shares: shares, mine: mine, layout: layout)
        }
    }

    private func dataParallelGradients(images: Tensor, labels: [Int], group: any DataParallelGroup,
                                       shares: [Range<Int>], mine: Range<Int>, layout: BatchLayout) throws -> (output: Tensor, loss: Float) {
        let count = labels.count, classes = model.spec.classes
        let perSample = images.sampleCount
        setBatchLayout(layout)
        defer {
            setStandIn(false)
            setBatchLayout(nil)
        }

        // Forward over this process's rows; gather every process's outputs in sample order.
        var localOutput: [Float] = []
        if !mine.isEmpty {
            let rows = Tensor(shape: [mine.count] + Array(images.shape.dropFirst()),
                              scalars: Array(images.scalars[mine.lowerBound * perSample ..< mine.upperBound * perSample]))
            state.random.batchShare = .init(offset: mine.lowerBound, count: mine.count, total: count)
            defer { state.random.batchShare = nil }
            localOutput = try model.forward(rows, mode: .training, random: &state.random).scalars
        } else {
            // A process without samples (a batch smaller than R·T) must still move its random
            // stream as the others do: it runs the batch's first sample and drops the result.
            // Layers of whole-batch statistics join the others' sums with none of their own, in
            // backward too (on a zero gradient, which adds nothing).
            let first = Tensor(shape: [1] + Array(images.shape.dropFirst()), scalars: Array(images.scalars[0 ..< perSample]))
            state.random.batchShare = .init(offset: 0, count: 1, total: count)
            defer { state.random.batchShare = nil }
            setStandIn(true)
            _ = try model.forward(first, mode: .training, random: &state.random)
        }
        let target = Tensor(oneHot: labels, classes: classes)
        // A sample-wise loss gives this process its rows' gradient from its own outputs, and the
        // outputs travel with the gradients; any other loss needs every process's outputs first.
        let sampleWise = model.loss as? any SampleWiseLoss
        var gathered: Tensor?, loss: Float = 0, gradient: Tensor
        let travelling = Parameter(name: "outputs", shape: [count, classes], initializer: .zeros, fanIn: 1, fanOut: 1)
        if let sampleWise {
            gradient = mine.isEmpty ? Tensor(zeros: [0, classes]) : sampleWise.gradient(
                output: Tensor(shape: [mine.count, classes], scalars: localOutput),
                target: Tensor(shape: [mine.count, classes], scalars: Array(target.scalars[mine.lowerBound * classes ..< mine.upperBound * classes])),
                batchSize: count)
            // Zeros elsewhere: the reduction's sum of every process's rows is the outputs.
            travelling.gradient.withMutablePointer { rows in
                localOutput.withUnsafeBufferPointer { (rows + mine.lowerBound * classes).update(from: $0.baseAddress!, count: $0.count) }
            }
        } else {
            let output = Tensor(shape: [count, classes],
                                scalars: try group.allGather(localOutput, counts: shares.map { $0.count * classes }))
            (gathered, (loss, gradient)) = (output, model.loss.evaluate(output: output, target: target))
            guard loss.isFinite else { throw diverged("the loss became \(loss)") }
            gradient = Tensor(shape: [mine.count, classes],
                              scalars: Array(gradient.scalars[mine.lowerBound * classes ..< mine.upperBound * classes]))
        }
        let reduction = reduction(ranks: group.size)
        // The outputs ride with the first bucket, or with everything after the pass.
        var outputs = gathered == nil ? [travelling] : []
        // Overlapped: each bucket's reduction starts as the backward pass completes it, after
        // those started before it, on the queue's thread.
        var reduce: (([Parameter]) -> Void)?
        if reducesDuringBackward, let queue = communicationQueue, let reductionMetered {
            if buckets == nil { buckets = GradientBuckets(layers: model.layers.map(\.layer), floats: bucketFloats) }
            reduce = { [chainSegment] parameters in
                let parameters = parameters + outputs
                outputs = []
                queue.start { try reduction.combine(parameters, group: reductionMetered, parallel: false, segment: chainSegment) }
            }
        }
        let finished = reduce.map { reduce in { [self] (layer: Int) in buckets!.finished(layer, reduce) } }
        if !mine.isEmpty {
            model.backward(gradient, finished: finished)
        } else if hasBatchStatistics {
            model.backward(Tensor(zeros: [1, classes]), finished: finished)
        }
        if let reduce, let queue = communicationQueue {
            buckets!.finishStep(reduce)
            // A model without parameters has no bucket to carry them.
            if !outputs.isEmpty { reduce([]) }
            try queue.finish()
        } else {
            try reduction.combine(model.namedParameters.map(\.parameter) + outputs, group: reductionCommunication ?? group, segment: chainSegment)
        }
        if let gathered { return (gathered, loss) }
        loss = model.loss.evaluate(output: travelling.gradient, target: target).loss
        guard loss.isFinite else { throw diverged("the loss became \(loss)") }
        return (travelling.gradient, loss)
    }

    /// Whether a layer takes sums over the whole batch (and so joins collectives in its passes).
    public var hasBatchStatistics: Bool { model.layers.contains { $0.layer is any BatchStatisticsLayer } }

    /// Whether a data-parallel step gathers every process's outputs before its backward pass:
    /// only for a loss that is not a ``SampleWiseLoss``.
    public var gathersOutputs: Bool { !(model.loss is any SampleWiseLoss) }

    private func setStandIn(_ value: Bool) {
        for (_, layer) in model.layers { (layer as? any BatchStatisticsLayer)?.isStandIn = value }
    }

    private func setBatchLayout(_ layout: BatchLayout?) {
        for (_, layer) in model.layers { (layer as? any BatchStatisticsLayer)?.batchLayout = layout }
    }
}
