/// A layer whose forward pass changes each sample in place and on its own — a per-position
/// bias, an element-wise activation — so that it can run on a sample the moment the layer
/// before writes it, while the sample is still in the core's cache, rather than in a pass of
/// its own over the whole batch (see ``SampleProducingLayer``; ``Model`` arranges it).
///
/// The fused pass computes exactly what the separate passes compute, value for value.
public protocol SampleWiseLayer: Layer {
    /// Whether the layer keeps its batch output for backward (an activation does): a fused
    /// run of sample-wise layers ends at such a layer, so that no later layer changes what it kept.
    static var keepsOutput: Bool { get }
    /// The forward pass on one sample of `count` values, in place; called from several threads at once.
    func forward(sample: UnsafeMutablePointer<Float>, count: Int)
    /// Told the batch's output after a fused forward pass, as its own `forward` would have returned it.
    func finishFusedForward(output: Tensor)
}

/// A layer that can hand each sample of its output to a follow-up as soon as it has written
/// it (a convolution writes one sample at a time).
public protocol SampleProducingLayer: Layer {
    /// `forward`, calling `epilogue` on each sample of the output right after writing it, on
    /// the thread that wrote it.
    func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator,
                 epilogue: (_ sample: UnsafeMutablePointer<Float>) -> Void) -> Tensor
}

/// A layer that is sample-wise in evaluation alone — batch normalisation, which needs the whole
/// batch's statistics to train but applies fixed ones in evaluation — so that an evaluation pass can
/// run it on each sample the layer before writes, as it runs a ``SampleWiseLayer``.
public protocol EvaluationSampleWiseLayer: Layer {
    /// The evaluation pass on one sample of `count` values, in place, with what it needs worked out
    /// once for the batch; the result is called from several threads at once. It computes exactly what
    /// `forward(_:mode: .evaluation, random:)` computes for the sample, value for value.
    func sampleWiseEvaluation() -> (_ sample: UnsafeMutablePointer<Float>, _ count: Int) -> Void
}
