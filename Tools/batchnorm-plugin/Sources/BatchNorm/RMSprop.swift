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
    public static let settings = [
        SettingDescription("lr", "number", default: "0.01", "learning rate η"),
        SettingDescription("alpha", "number", default: "0.99", "smoothing α of the squared gradients, in [0, 1)"),
        SettingDescription("eps", "number", default: "1e-08", "ε added to the root"),
        SettingDescription("weight_decay", "number", default: "0", "L2 penalty λ added to the gradient"),
    ]

    public let learningRate: Double, alpha: Double, eps: Double, weightDecay: Double

    public init(settings: Settings) throws {
        learningRate = try settings.double("lr", default: 0.01, in: Double.leastNonzeroMagnitude...1e6)
        alpha = try settings.double("alpha", default: 0.99, in: 0...0.999_999)
        eps = try settings.double("eps", default: 1e-8, in: 0...1)
        weightDecay = try settings.double("weight_decay", default: 0, in: 0...1e6)
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
