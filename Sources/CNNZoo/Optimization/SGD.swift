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
    /// Each setting, declared once: parsed, listed and defaulted from here.
    public enum Declared {
        public static let lr = Setting.number("lr", default: 0.01, in: Double.leastNonzeroMagnitude...1e6, "learning rate η")
        public static let momentum = Setting.number("momentum", default: 0, in: 0...0.999_999, "momentum μ in [0, 1)")
        public static let dampening = Setting.number("dampening", default: 0, in: 0...1, "dampening τ in [0, 1]")
        public static let nesterov = Setting.bool("nesterov", default: false, "Nesterov momentum (needs μ > 0, τ = 0)")
        public static let weightDecay = Setting.number("weight_decay", default: 0, in: 0...1e6, "L2 penalty λ added to the gradient")
    }
    public static let settings = [Declared.lr.description, Declared.momentum.description, Declared.dampening.description,
                                  Declared.nesterov.description, Declared.weightDecay.description]

    public var learningRate: Double
    public var momentum: Double
    public var dampening: Double
    public var nesterov: Bool
    public var weightDecay: Double

    public init(learningRate: Double = Declared.lr.defaultValue!, momentum: Double = Declared.momentum.defaultValue!,
                dampening: Double = Declared.dampening.defaultValue!, nesterov: Bool = Declared.nesterov.defaultValue!,
                weightDecay: Double = Declared.weightDecay.defaultValue!) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    public init(settings: Settings) throws {
        self.init(learningRate: try settings.value(Declared.lr), momentum: try settings.value(Declared.momentum),
                  dampening: try settings.value(Declared.dampening), nesterov: try settings.value(Declared.nesterov),
                  weightDecay: try settings.value(Declared.weightDecay))
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
