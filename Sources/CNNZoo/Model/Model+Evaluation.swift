extension Model {
    /// Forward in evaluation mode (no dropout, no random draws).
    ///
    /// Each thread takes its chunk of the batch — the rows every layer's own split would give it —
    /// through all the layers on a copy of them that shares the weights, so no thread waits for
    /// the other between layers and a chunk's activations stay in its core's cache from one layer
    /// to the next. The outputs are those of ``forward(_:mode:random:)`` in evaluation, bit for bit:
    /// every layer sees the same rows together as it does there.
    public func predict(_ input: Tensor) throws -> Tensor {
        try checkInput(input)
        var unused = RandomGenerator(seed: 0)
        let batch = input.batchSize, chunks = Parallelism.chunkCount(batch)
        // Inside a plugin the threads are the program's, lent a chunk at a time.
        guard chunks > 1, Parallelism.borrowedHost == nil else { return try forward(input, mode: .evaluation, random: &unused) }
        let copies = try self.copies(chunks)
        let (inputSize, outputSize) = (Tensor.count(of: spec.inputShape), Tensor.count(of: outputShape))
        var output = Tensor.uninitialized([batch] + outputShape)
        output.withMutablePointer { y in
            Parallelism.forEachChunk(batch) { chunk, rows in
                let part = Tensor(shape: [rows.count] + spec.inputShape,
                                  scalars: Array(input.scalars[rows.lowerBound * inputSize ..< rows.upperBound * inputSize]))
                var random = RandomGenerator(seed: 0)
                let result = Parallelism.withBatchChunks(1) { copies[chunk].run(part, mode: .evaluation, random: &random) }
                result.withPointer { (y + rows.lowerBound * outputSize).update(from: $0, count: rows.count * outputSize) }
            }
        }
        return output
    }

    /// `count` copies of the model built through the same registries, each holding this model's
    /// current weights and buffers (shared storage: nothing is copied until someone writes).
    private func copies(_ count: Int) throws -> [Model] {
        while replicas.count < count { replicas.append(try Model(spec: spec, registry: layerRegistry, losses: lossRegistry)) }
        for copy in replicas.prefix(count) {
            for (mine, theirs) in zip(namedParameters, copy.namedParameters) { theirs.parameter.value = mine.parameter.value }
            for (mine, theirs) in zip(namedBuffers, copy.namedBuffers) { theirs.buffer.value = mine.buffer.value }
        }
        return Array(replicas.prefix(count))
    }
}
