#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What turns a model's raw outputs into the probabilities it predicts: the activation its loss
/// applies when it works from logits (softmax for cross-entropy, sigmoid for binary
/// cross-entropy), or nothing when the outputs already are what the model predicts.
public enum OutputActivation: String, Sendable, Equatable {
    case softmax, sigmoid, identity

    /// The activation `loss` fuses: a built-in kind from logits; the identity otherwise (a
    /// plugin's loss says nothing of its activation).
    public init(loss: LossSpec) {
        switch (loss.kind, loss.fromLogits) {
        case (CategoricalCrossEntropy.kind, true): self = .softmax
        case (BinaryCrossEntropy.kind, true): self = .sigmoid
        default: self = .identity
        }
    }

    /// The activation applied to each sample of `outputs` [N, K].
    public func apply(_ outputs: Tensor) -> Tensor {
        var result = outputs
        let width = outputs.sampleCount
        switch self {
        case .identity:
            break
        case .sigmoid:
            for i in result.scalars.indices { result.scalars[i] = 1 / (1 + exp(-result.scalars[i])) }
        case .softmax:
            for n in 0..<outputs.batchSize {
                let row = n * width ..< (n + 1) * width
                let maximum = result.scalars[row].max() ?? 0
                var total: Float = 0
                for k in row {
                    result.scalars[k] = exp(result.scalars[k] - maximum)
                    total += result.scalars[k]
                }
                for k in row { result.scalars[k] /= total }
            }
        }
        return result
    }
}
