/// A loss over a batch: the mean over samples of a per-sample loss, with its gradient
/// with respect to the model's output.
public protocol Loss {
    /// The batch-mean loss and ∂loss/∂output, for outputs and targets of shape `[N, K]`.
    func evaluate(output: Tensor, target: Tensor) -> (loss: Float, gradient: Tensor)
}

/// A loss as a spec names it: `{"kind": "cross_entropy", "from_logits": true}`.
public struct LossSpec: Sendable, Equatable, Codable {
    /// `cross_entropy`, `binary_cross_entropy` or `mse`.
    public var kind: String
    /// Whether the model's output is raw scores (the softmax or sigmoid is fused into the loss).
    public var fromLogits: Bool

    public init(kind: String, fromLogits: Bool = true) {
        self.kind = kind
        self.fromLogits = fromLogits
    }

    enum CodingKeys: String, CodingKey {
        case kind
        case fromLogits = "from_logits"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(String.self, forKey: .kind)
        fromLogits = try container.decodeIfPresent(Bool.self, forKey: .fromLogits) ?? true
    }

    /// The loss kinds a spec may name.
    public static let kinds = ["cross_entropy", "binary_cross_entropy", "mse"]

    /// Builds the loss.
    public func makeLoss() throws -> any Loss {
        switch kind {
        case "cross_entropy": return CategoricalCrossEntropy(fromLogits: fromLogits)
        case "binary_cross_entropy": return BinaryCrossEntropy(fromLogits: fromLogits)
        case "mse": return MeanSquaredError()
        default:
            var message = "unknown loss '\(kind)'"
            if let nearest = Suggestion.nearest(to: kind, in: Self.kinds) { message += " (did you mean '\(nearest)'?)" }
            throw ModelError.badSpec(message + "; known losses: \(Self.kinds.joined(separator: ", "))")
        }
    }
}
