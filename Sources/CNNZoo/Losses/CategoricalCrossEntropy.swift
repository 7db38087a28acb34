#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// L = −1/N Σₙ Σₖ tₙₖ log pₙₖ over one distribution per sample.
///
/// From logits z it fuses the softmax: log pₖ = zₖ − m − log Σ e^(zⱼ−m) with m = max z,
/// so no exponential overflows, and the gradient is (softmax(z) − t)/N.
/// From probabilities it clips p to [ε, 1] before the log.
public struct CategoricalCrossEntropy: FusedActivationLoss, SampleWiseLoss {
    public static let kind = "cross_entropy"
    public static let summary = "softmax cross-entropy (PyTorch's CrossEntropyLoss from logits)"
    public let fromLogits: Bool
    public static let epsilon: Float = 1e-7

    public init(fromLogits: Bool = true) {
        self.fromLogits = fromLogits
    }

    public func evaluate(output: Tensor, target: Tensor, batchSize: Int) -> (loss: Float, gradient: Tensor) {
        precondition(output.shape == target.shape, "output \(output.shape) and target \(target.shape) differ")
        let width = output.sampleCount
        let scale = 1 / Float(batchSize)
        var gradient = output
        var sum = 0.0
        for n in 0..<output.batchSize {
            let row = n * width
            if fromLogits {
                var maximum = -Float.infinity
                for k in 0..<width { maximum = max(maximum, output.scalars[row + k]) }
                var total: Float = 0
                for k in 0..<width { total += exp(output.scalars[row + k] - maximum) }
                let logTotal = log(total)
                for k in 0..<width {
                    let logP = output.scalars[row + k] - maximum - logTotal
                    let t = target.scalars[row + k]
                    if t != 0 { sum -= Double(t * logP) }
                    gradient.scalars[row + k] = (exp(logP) - t) * scale
                }
            } else {
                for k in 0..<width {
                    let p = max(output.scalars[row + k], Self.epsilon)
                    let t = target.scalars[row + k]
                    if t != 0 { sum -= Double(t * log(p)) }
                    gradient.scalars[row + k] = -t / p * scale
                }
            }
        }
        return (Float(sum) * scale, gradient)
    }
}
