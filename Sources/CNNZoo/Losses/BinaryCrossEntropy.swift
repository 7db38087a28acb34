#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// L = −1/(N·K) Σ [t·log p + (1−t)·log(1−p)], each output an independent probability.
///
/// From logits z (p = σ(z)) it uses the stable form max(z,0) − z·t + log(1 + e^−|z|),
/// whose gradient is (σ(z) − t)/(N·K); from probabilities it clips p to [ε, 1−ε].
public struct BinaryCrossEntropy: FusedActivationLoss, SampleWiseLoss {
    public static let kind = "binary_cross_entropy"
    public static let summary = "per-class sigmoid cross-entropy (PyTorch's BCEWithLogitsLoss from logits)"
    public let fromLogits: Bool
    /// The clipping bound for probabilities (Keras's epsilon).
    public static let epsilon: Float = 1e-7

    public init(fromLogits: Bool = true) {
        self.fromLogits = fromLogits
    }

    public func evaluate(output: Tensor, target: Tensor, batchSize: Int) -> (loss: Float, gradient: Tensor) {
        precondition(output.shape == target.shape, "output \(output.shape) and target \(target.shape) differ")
        let scale = 1 / Float(batchSize * output.sampleCount)
        var gradient = output
        var sum = 0.0
        for i in 0..<output.count {
            let t = target.scalars[i]
            if fromLogits {
                let z = output.scalars[i]
                sum += Double(max(z, 0) - z * t + log1p(exp(-abs(z))))
                gradient.scalars[i] = (Activation.sigmoid(z) - t) * scale
            } else {
                let p = min(max(output.scalars[i], Self.epsilon), 1 - Self.epsilon)
                sum -= Double(t * log(p) + (1 - t) * log(1 - p))
                gradient.scalars[i] = (p - t) / (p * (1 - p)) * scale
            }
        }
        return (Float(sum) * scale, gradient)
    }
}
