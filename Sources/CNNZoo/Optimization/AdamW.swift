/// AdamW, exactly as PyTorch's `torch.optim.AdamW`: Adam with decoupled weight decay,
/// θ ← θ·(1 − η·λ) before each update, and λ = 0.01 by default. See ``Adam``.
public struct AdamW: AdaptiveMomentOptimizer {
    public static let kind = "adamw"
    public static let summary = "Adam with decoupled weight decay (PyTorch's AdamW)"
    public static let settings = AdamRule.settings(decay: AdamRule.decoupledDecay)

    public var rule: AdamRule

    public init(learningRate: Double = AdamRule.lr.defaultValue!, betas: (Double, Double) = AdamRule.defaultBetas,
                eps: Double = AdamRule.eps.defaultValue!, weightDecay: Double = AdamRule.decoupledDecay.defaultValue!,
                amsgrad: Bool = AdamRule.amsgrad.defaultValue!) {
        rule = AdamRule(learningRate: learningRate, beta1: betas.0, beta2: betas.1, eps: eps, weightDecay: weightDecay,
                        amsgrad: amsgrad, decoupled: true)
    }

    public init(settings: Settings) throws {
        rule = try AdamRule(settings: settings, decay: AdamRule.decoupledDecay, decoupled: true)
    }
}
