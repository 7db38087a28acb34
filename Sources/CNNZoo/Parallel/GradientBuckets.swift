/// A model's parameters in the groups a data-parallel step reduces while its backward pass goes
/// on, as PyTorch's DistributedDataParallel buckets them: the layers from last to first — the
/// order in which the backward pass finishes them — gathered until a bucket holds enough
/// gradient for its message to outweigh its latency.
///
/// The buckets depend on the model alone, so every process reduces the same ones in the same
/// order; since each element's partials are added in global chunk order whatever bucket carries
/// it, the sums are those of one reduction of everything.
struct GradientBuckets {
    /// Each bucket's parameters, and the lowest layer index among them: once the backward pass
    /// has finished that layer, the bucket's gradients are complete.
    let buckets: [(parameters: [Parameter], lowestLayer: Int)]
    /// Buckets handed to the reduction so far in this step.
    private var handed = 0

    /// Buckets of at least `floats` gradient values each (the first layer's may be smaller).
    init(layers: [any Layer], floats: Int) {
        var buckets: [(parameters: [Parameter], lowestLayer: Int)] = []
        var current: [Parameter] = [], size = 0
        let lowest = layers.indices.first { !layers[$0].parameters.isEmpty }
        for index in layers.indices.reversed() where !layers[index].parameters.isEmpty {
            current += layers[index].parameters
            size += layers[index].parameters.reduce(0) { $0 + $1.count }
            if size >= floats || index == lowest {
                buckets.append((current, index))
                (current, size) = ([], 0)
            }
        }
        self.buckets = buckets
    }

    /// The buckets complete now that the backward pass has finished `layer` (layers finish from
    /// last to first), each handed to `reduce` in order.
    mutating func finished(_ layer: Int, _ reduce: ([Parameter]) -> Void) {
        while handed < buckets.count && layer <= buckets[handed].lowestLayer {
            reduce(buckets[handed].parameters)
            handed += 1
        }
    }

    /// Hands every bucket not yet handed (those of layers the pass did not reach) and starts
    /// the next step afresh.
    mutating func finishStep(_ reduce: ([Parameter]) -> Void) {
        finished(-1, reduce)
        handed = 0
    }
}
