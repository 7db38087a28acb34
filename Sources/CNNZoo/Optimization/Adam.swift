import Foundation

/// Adam, exactly as PyTorch's `torch.optim.Adam` computes it in float32, with the L2 weight
/// decay added to the gradient (see ``AdamW`` for the decoupled form). At step t:
///
///     g ← g + λ·θ
///     m ← m + (1 − β₁)·(g − m)                      exp_avg
///     v ← β₂·v + (1 − β₂)·g·g                       exp_avg_sq
///     v̂ ← max(v̂, v)  if amsgrad                      max_exp_avg_sq
///     θ ← θ − (η / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε)     (√v̂ with amsgrad)
public struct Adam: AdaptiveMomentOptimizer {
    public static let kind = "adam"
    public static let summary = "Adam with L2 weight decay (PyTorch's Adam)"
    public static let settings = AdamRule.settings(decay: AdamRule.decay)

    public var rule: AdamRule

    public init(learningRate: Double = AdamRule.lr.defaultValue!, betas: (Double, Double) = AdamRule.defaultBetas,
                eps: Double = AdamRule.eps.defaultValue!, weightDecay: Double = AdamRule.decay.defaultValue!,
                amsgrad: Bool = AdamRule.amsgrad.defaultValue!) {
        rule = AdamRule(learningRate: learningRate, beta1: betas.0, beta2: betas.1, eps: eps, weightDecay: weightDecay,
                        amsgrad: amsgrad, decoupled: false)
    }

    public init(settings: Settings) throws {
        rule = try AdamRule(settings: settings, decay: AdamRule.decay, decoupled: false)
    }
}

/// An optimizer whose update is an ``AdamRule`` (Adam, AdamW): everything but its kind,
/// defaults and weight-decay form comes from the rule.
public protocol AdaptiveMomentOptimizer: RegisteredOptimizer {
    var rule: AdamRule { get }
}

extension AdaptiveMomentOptimizer {
    public var learningRate: Double { rule.learningRate }
    public var hyperparameters: [(name: String, value: SettingValue)] { rule.hyperparameters }
    public var slots: [String] { rule.slots }

    public func step(_ parameters: [(path: String, parameter: Parameter)], learningRate: Double, state: inout OptimizerState) {
        rule.step(parameters, learningRate: learningRate, state: &state)
    }
}

/// The update Adam and AdamW share; `decoupled` picks how weight decay applies.
public struct AdamRule: Sendable, Equatable {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var eps: Double
    public var weightDecay: Double
    public var amsgrad: Bool
    /// AdamW's θ ← θ·(1 − η·λ) before the update, instead of adding λ·θ to the gradient.
    public var decoupled: Bool

    public static let lr = Setting.number("lr", default: 0.001, in: Double.leastNonzeroMagnitude...1e6, "learning rate η")
    public static let betas = Setting.numbers("betas", count: 2, default: [0.9, 0.999], in: 0...0.999_999_999,
                                              "decay rates β₁, β₂ of the moment estimates, in [0, 1)")
    public static let eps = Setting.number("eps", default: 1e-8, in: 0...1, "ε added to the denominator")
    /// Adam's weight decay: L2, added to the gradient, none by default.
    public static let decay = Setting.number("weight_decay", default: 0, in: 0...1e6, "weight decay λ")
    /// AdamW's: decoupled, 0.01 by default as in PyTorch.
    public static let decoupledDecay = Setting.number("weight_decay", default: 0.01, in: 0...1e6, "weight decay λ")
    public static let amsgrad = Setting.bool("amsgrad", default: false, "keep the running maximum of v (AMSGrad)")
    public static var defaultBetas: (Double, Double) { (betas.defaultValue![0], betas.defaultValue![1]) }

    static func settings(decay: Setting<Double>) -> [SettingDescription] {
        [lr.description, betas.description, eps.description, decay.description, amsgrad.description]
    }

    init(learningRate: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double, amsgrad: Bool, decoupled: Bool) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        self.decoupled = decoupled
    }

    init(settings: Settings, decay: Setting<Double>, decoupled: Bool) throws {
        let betas = try settings.value(Self.betas)
        self.init(learningRate: try settings.value(Self.lr), beta1: betas[0], beta2: betas[1], eps: try settings.value(Self.eps),
                  weightDecay: try settings.value(decay), amsgrad: try settings.value(Self.amsgrad), decoupled: decoupled)
    }

    var hyperparameters: [(name: String, value: SettingValue)] {
        [("lr", .number(learningRate)), ("betas", .array([.number(beta1), .number(beta2)])), ("eps", .number(eps)),
         ("weight_decay", .number(weightDecay)), ("amsgrad", .bool(amsgrad))]
    }

    var slots: [String] { amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"] }

    func step(_ parameters: [(path: String, parameter: Parameter)], learningRate: Double, state: inout OptimizerState) {
        let t = Double(state.step + 1)
        // The scalars are worked in double precision, as PyTorch's Python code does, then used in float32.
        let stepSize = -(learningRate / (1 - pow(beta1, t)))
        let (negativeStep, correction2) = (Float(stepSize), Float((1 - pow(beta2, t)).squareRoot()))
        let (b2, epsilon) = (Float(beta2), Float(eps))
        let (weight1, weight2) = (Float(1 - beta1), Float(1 - beta2))
        let decay = Float(weightDecay)
        let shrink = Float(1 - learningRate * weightDecay)
        let (decoupled, amsgrad) = (self.decoupled, self.amsgrad)
        for (path, parameter) in parameters {
            state.update(path, parameter, slots: slots) { span, theta, gradient, slots in
                let (m, v) = (slots[0], slots[1])
                let vmax = amsgrad ? slots[2] : nil
                for i in span {
                    var g = gradient[i]
                    if decoupled { theta[i] *= shrink } else if decay != 0 { g += decay * theta[i] }
                    // torch.lerp(m, g, w): m + w·(g − m) for w < ½, else g − (g − m)·(1 − w).
                    m[i] = weight1 < 0.5 ? m[i] + weight1 * (g - m[i]) : g - (g - m[i]) * (1 - weight1)
                    v[i] = v[i] * b2 + weight2 * g * g
                    var second = v[i]
                    if let vmax {
                        vmax[i] = max(vmax[i], v[i])
                        second = vmax[i]
                    }
                    let denominator = second.squareRoot() / correction2 + epsilon
                    theta[i] = theta[i] + negativeStep * m[i] / denominator
                }
            }
        }
        state.step += 1
    }
}
