/// One training step's gradients over a ``DataParallelGroup``.
///
/// The batch's chunks are laid out as one process with R·T threads would lay them out; this
/// process runs its T consecutive chunks. The processes' outputs are gathered so that every
/// process evaluates the loss over the whole batch exactly as one process would; each then runs
/// backward on its own rows, and every chunk's partial gradients are gathered and added in
/// global chunk order. Every process ends the step with the same gradients — the ones one
/// process with R·T threads computes — and so applies the same update.
extension Trainer {
    /// The samples of a batch of `count` that process `rank` of `ranks` runs with `threads` threads each.
    public static func share(of count: Int, rank: Int, ranks: Int, threads: Int) -> Range<Int> {
        let chunks = max(1, min(ranks * threads, count))
        let first = min(rank * threads, chunks), last = min((rank + 1) * threads, chunks)
        guard first < last else {
            let end = Parallelism.range(chunks - 1, of: chunks, over: count).upperBound
            return end ..< end
        }
        return Parallelism.range(first, of: chunks, over: count).lowerBound ..< Parallelism.range(last - 1, of: chunks, over: count).upperBound
    }

    func dataParallelGradients(images: Tensor, labels: [Int], group: any DataParallelGroup) throws -> (output: Tensor, loss: Float) {
        let count = labels.count, classes = model.spec.classes
        let shares = (0..<group.size).map { Self.share(of: count, rank: $0, ranks: group.size, threads: Parallelism.threads) }
        let mine = shares[group.rank]
        let perSample = images.sampleCount
        defer { setStandIn(false) }

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
        let output = Tensor(shape: [count, classes],
                            scalars: try timed { try group.allGather(localOutput, counts: shares.map { $0.count * classes }) })

        let (loss, gradient) = model.loss.evaluate(output: output, target: Tensor(oneHot: labels, classes: classes))
        guard loss.isFinite else { throw diverged("the loss became \(loss)") }
        if !mine.isEmpty {
            let rows = Tensor(shape: [mine.count, classes],
                              scalars: Array(gradient.scalars[mine.lowerBound * classes ..< mine.upperBound * classes]))
            model.backward(rows)
        } else if hasBatchStatistics {
            model.backward(Tensor(zeros: [1, classes]))
        }
        try combineGradients(group: group)
        return (output, loss)
    }

    /// Whether a layer takes sums over the whole batch (and so joins collectives in its passes).
    var hasBatchStatistics: Bool { model.layers.contains { $0.layer is any BatchStatisticsLayer } }

    private func setStandIn(_ value: Bool) {
        for (_, layer) in model.layers { (layer as? any BatchStatisticsLayer)?.isStandIn = value }
    }

    /// Gathers every process's partial gradients and adds them in global chunk order.
    ///
    /// Per parameter each process sends its chunk count n and n partials: the chunks its
    /// layers summed through ``Parameter/accumulate(partials:chunks:)``, or — for a layer
    /// that adds into its gradient directly — that gradient as one chunk.
    private func combineGradients(group: any DataParallelGroup) throws {
        let parameters = model.namedParameters.map(\.parameter)
        var message: [Float] = []
        for parameter in parameters {
            let count = parameter.gradient.count
            if !parameter.collectedPartials.isEmpty {
                message.append(Float(parameter.collectedPartials.count / count))
                message.append(contentsOf: parameter.collectedPartials)
            } else if parameter.gradient.scalars.contains(where: { $0 != 0 }) {
                message.append(1)
                message.append(contentsOf: parameter.gradient.scalars)
            } else {
                message.append(0)
            }
            parameter.collectedPartials.removeAll(keepingCapacity: true)
        }
        let counts = try timed { try group.allGather([Float(message.count)], counts: Array(repeating: 1, count: group.size)) }.map { Int($0) }
        let all = try timed { try group.allGather(message, counts: counts) }
        for parameter in parameters { parameter.gradient.zero() }
        var position = 0
        for _ in 0..<group.size {
            for parameter in parameters {
                let chunks = Int(all[position]), count = parameter.gradient.count
                position += 1
                all.withUnsafeBufferPointer { buffer in
                    parameter.gradient.withMutablePointer { target in
                        // Spans of elements on separate threads; each element adds its chunks in order.
                        Parallelism.forEachSpan(count) { span in
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

    private func timed<T>(_ body: () throws -> T) rethrows -> T {
        let clock = ContinuousClock()
        let start = clock.now
        defer {
            let elapsed = clock.now - start
            communicationSeconds += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        }
        return try body()
    }
}
