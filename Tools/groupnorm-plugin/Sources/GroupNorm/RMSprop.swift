import CNNZoo

/// PyTorch's `RMSprop` (without momentum or centring), an example optimizer:
///
///     g ← g + λ·θ                      (weight decay λ)
///     v ← α·v + (1 − α)·g²             (slot `square_avg`, PyTorch's name)
///     θ ← θ − η·g / (√v + ε)
///
/// The engine keeps `square_avg` for every parameter, counts the steps and saves both.
public struct RMSprop: PluginOptimizer {
    public static let kind = "rmsprop"
    public static let summary = "RMSprop: steps scaled by a running mean of squared gradients (PyTorch's RMSprop)"
    /// Each setting, declared once: parsed, listed and defaulted from here (PyTorch's defaults).
    enum Declared {
        static let lr = Setting.number("lr", default: 0.01, in: Double.leastNonzeroMagnitude...1e6, "learning rate η")
        static let alpha = Setting.number("alpha", default: 0.99, in: 0...0.999_999, "smoothing α of the squared gradients, in [0, 1)")
        static let eps = Setting.number("eps", default: 1e-8, in: 0...1, "ε added to the root")
        static let weightDecay = Setting.number("weight_decay", default: 0, in: 0...1e6, "L2 penalty λ added to the gradient")
    }
    public static let settings = [Declared.lr, Declared.alpha, Declared.eps, Declared.weightDecay].map(\.description)

    public let learningRate: Double, alpha: Double, eps: Double, weightDecay: Double

    public init(settings: Settings) throws {
        learningRate = try settings.value(Declared.lr)
        alpha = try settings.value(Declared.alpha)
        eps = try settings.value(Declared.eps)
        weightDecay = try settings.value(Declared.weightDecay)
    }

    public var hyperparameters: [String: SettingValue] {
        ["lr": .number(learningRate), "alpha": .number(alpha), "eps": .number(eps), "weight_decay": .number(weightDecay)]
    }

    public var slots: [String] { ["square_avg"] }

    public func update(_ update: ParameterUpdate) {
        let (rate, alpha, eps, decay) = (Float(update.learningRate), Float(alpha), Float(eps), Float(weightDecay))
        let (theta, gradient, average) = (update.value, update.gradient, update.slots[0])
        update.forEachSpan { span in
            for i in span {
                let g = gradient[i] + decay * theta[i]
                average[i] = alpha * average[i] + (1 - alpha) * g * g
                theta[i] -= rate * g / (average[i].squareRoot() + eps)
            }
        }
    }
}
