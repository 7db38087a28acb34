/// Stochastic gradient descent with momentum, in PyTorch's form (`torch.optim.SGD`), so its
/// `momentum_buffer` slot transfers to PyTorch unchanged:
///
///     g ← g + λ·θ                      (weight decay λ)
///     b ← g                            (first step)
///     b ← μ·b + (1 − τ)·g              (later steps; dampening τ)
///     g ← g + μ·b  if nesterov, else g ← b
///     θ ← θ − η·g
public struct SGD: RegisteredOptimizer {
    public static let kind = "sgd"
    public static let summary = "stochastic gradient descent with momentum (PyTorch's SGD)"
    public static let settings = [
        SettingDescription("lr", "number", default: "0.01", "learning rate η"),
        SettingDescription("momentum", "number", default: "0", "momentum μ in [0, 1)"),
        SettingDescription("dampening", "number", default: "0", "dampening τ in [0, 1]"),
        SettingDescription("nesterov", "bool", default: "false", "Nesterov momentum (needs μ > 0, τ = 0)"),
        SettingDescription("weight_decay", "number", default: "0", "L2 penalty λ added to the gradient"),
    ]

    public var learningRate: Double
    public var momentum: Double
    public var dampening: Double
    public var nesterov: Bool
    public var weightDecay: Double

    public init(learningRate: Double = 0.01, momentum: Double = 0, dampening: Double = 0,
                nesterov: Bool = false, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    public init(settings: Settings) throws {
        self.init(learningRate: try settings.double("lr", default: 0.01, in: Double.leastNonzeroMagnitude...1e6),
                  momentum: try settings.double("momentum", default: 0, in: 0...0.999_999),
                  dampening: try settings.double("dampening", default: 0, in: 0...1),
                  nesterov: try settings.bool("nesterov", default: false),
                  weightDecay: try settings.double("weight_decay", default: 0, in: 0...1e6))
        if nesterov && (momentum == 0 || dampening != 0) { throw settings.problem("nesterov needs momentum > 0 and dampening 0") }
    }

    public var hyperparameters: [(name: String, value: SettingValue)] {
        [("lr", .number(learningRate)), ("momentum", .number(momentum)), ("dampening", .number(dampening)),
         ("nesterov", .bool(nesterov)), ("weight_decay", .number(weightDecay))]
    }

    public var slots: [String] { momentum == 0 ? [] : ["momentum_buffer"] }

    public func step(_ parameters: [(path: String, parameter: Parameter)], learningRate: Double, state: inout OptimizerState) {
        let (rate, mu, decay, keep, nesterov) = (Float(learningRate), Float(momentum), Float(weightDecay), 1 - Float(dampening), self.nesterov)
        let first = state.step == 0
        for (path, parameter) in parameters {
            state.update(path, parameter, slots: slots) { span, theta, gradient, slots in
                // Each variant is its own loop so it vectorises.
                switch (slots.first, first, nesterov) {
                case (nil, _, _):
                    for i in span { theta[i] -= rate * (gradient[i] + decay * theta[i]) }
                case (let b?, true, false):
                    for i in span {
                        b[i] = gradient[i] + decay * theta[i]
                        theta[i] -= rate * b[i]
                    }
                case (let b?, true, true):
                    for i in span {
                        let g = gradient[i] + decay * theta[i]
                        b[i] = g
                        theta[i] -= rate * (g + mu * b[i])
                    }
                case (let b?, false, false):
                    for i in span {
                        b[i] = mu * b[i] + keep * (gradient[i] + decay * theta[i])
                        theta[i] -= rate * b[i]
                    }
                case (let b?, false, true):
                    for i in span {
                        let g = gradient[i] + decay * theta[i]
                        b[i] = mu * b[i] + keep * g
                        theta[i] -= rate * (g + mu * b[i])
                    }
                }
            }
        }
        state.step += 1
    }
}
