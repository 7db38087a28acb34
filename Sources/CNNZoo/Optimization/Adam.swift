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
    public static let settings = AdamRule.settings(defaultDecay: "0")

    public var rule: AdamRule

    public init(learningRate: Double = 0.001, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, amsgrad: Bool = false) {
        rule = AdamRule(learningRate: learningRate, beta1: betas.0, beta2: betas.1, eps: eps, weightDecay: weightDecay,
                        amsgrad: amsgrad, decoupled: false)
    }

    public init(settings: Settings) throws {
        rule = try AdamRule(settings: settings, defaultDecay: 0, decoupled: false)
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

    static func settings(defaultDecay: String) -> [SettingDescription] {
        [SettingDescription("lr", "number", default: "0.001", "learning rate η"),
         SettingDescription("betas", "[number, number]", default: "[0.9, 0.999]", "decay rates β₁, β₂ of the moment estimates, in [0, 1)"),
         SettingDescription("eps", "number", default: "1e-08", "ε added to the denominator"),
         SettingDescription("weight_decay", "number", default: defaultDecay, "weight decay λ"),
         SettingDescription("amsgrad", "bool", default: "false", "keep the running maximum of v (AMSGrad)")]
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

    init(settings: Settings, defaultDecay: Double, decoupled: Bool) throws {
        let betas = try settings.doubles("betas", count: 2, default: [0.9, 0.999], in: 0...0.999_999_999)
        self.init(learningRate: try settings.double("lr", default: 0.001, in: Double.leastNonzeroMagnitude...1e6),
                  beta1: betas[0], beta2: betas[1],
                  eps: try settings.double("eps", default: 1e-8, in: 0...1),
                  weightDecay: try settings.double("weight_decay", default: defaultDecay, in: 0...1e6),
                  amsgrad: try settings.bool("amsgrad", default: false), decoupled: decoupled)
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
