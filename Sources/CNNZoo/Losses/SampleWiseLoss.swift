/// A loss whose gradient for a sample depends only on that sample's output and target, and on
/// the batch's size: the mean of a per-sample loss, as every built-in loss is.
///
/// A data-parallel process then computes its own rows' gradient without the others' outputs
/// and starts its backward pass at once; the outputs travel with the gradients, and the loss
/// over the whole batch is evaluated when they arrive (see ``Trainer``). A loss without this
/// conformance — a plugin's, which may mix samples — has every process gather the outputs first.
public protocol SampleWiseLoss: Loss {
    /// The loss summed over the rows of `output` and `target` `[M, K]` and divided as a batch of
    /// `batchSize` samples divides it, with ∂loss/∂output for those rows: over a whole batch
    /// (M = `batchSize`) what ``Loss/evaluate(output:target:)`` gives, and for some of its rows
    /// those rows of its gradient, bit for bit.
    func evaluate(output: Tensor, target: Tensor, batchSize: Int) -> (loss: Float, gradient: Tensor)
}

extension SampleWiseLoss {
    public func evaluate(output: Tensor, target: Tensor) -> (loss: Float, gradient: Tensor) {
        evaluate(output: output, target: target, batchSize: output.batchSize)
    }

    /// ∂loss/∂output for rows of a batch of `batchSize` samples.
    public func gradient(output: Tensor, target: Tensor, batchSize: Int) -> Tensor {
        evaluate(output: output, target: target, batchSize: batchSize).gradient
    }
}
