/// A loss whose gradient for a sample depends only on that sample's output and target, and on
/// the batch's size: the mean of a per-sample loss, as every built-in loss is.
///
/// A data-parallel process then computes its own rows' gradient without the others' outputs
/// and starts its backward pass at once; the outputs travel with the gradients, and the loss
/// over the whole batch is evaluated when they arrive (see ``Trainer``). A loss without this
/// conformance — a plugin's, which may mix samples — has every process gather the outputs first.
public protocol SampleWiseLoss: Loss {
    /// ∂loss/∂output for `output` and `target` `[M, K]`, rows of a batch of `batchSize`
    /// samples: bit for bit those rows of ``Loss/evaluate(output:target:)``'s gradient over
    /// the whole batch.
    func gradient(output: Tensor, target: Tensor, batchSize: Int) -> Tensor
}
