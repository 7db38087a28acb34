/// AdamW, exactly as PyTorch's `torch.optim.AdamW`: Adam with decoupled weight decay,
/// θ ← θ·(1 − η·λ) before each update, and λ = 0.01 by default. See ``Adam``.
public struct AdamW: AdaptiveMomentOptimizer {
    public static let kind = "adamw"
    public static let summary = "Adam with decoupled weight decay (PyTorch's AdamW)"
    public static let settings = AdamRule.settings(defaultDecay: "0.01")

    public var rule: AdamRule

    public init(learningRate: Double = 0.001, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0.01, amsgrad: Bool = false) {
        rule = AdamRule(learningRate: learningRate, beta1: betas.0, beta2: betas.1, eps: eps, weightDecay: weightDecay,
                        amsgrad: amsgrad, decoupled: true)
    }

    public init(settings: Settings) throws {
        rule = try AdamRule(settings: settings, defaultDecay: 0.01, decoupled: true)
    }
}
