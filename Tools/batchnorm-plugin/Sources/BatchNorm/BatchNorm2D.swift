import CNNZoo

/// PyTorch's `BatchNorm2d`: per channel c, over the batch and the positions,
///
///     y = γ_c · (x − μ_c) / √(σ²_c + ε) + β_c
///
/// with μ, σ² the batch's mean and (biased) variance in training, and the running ones in
/// evaluation. Each training pass updates the running statistics, which are buffers — saved
/// and restored with the weights, never trained — with momentum m and the unbiased variance:
/// r_μ ← (1 − m)·r_μ + m·μ,  r_σ² ← (1 − m)·r_σ² + m·σ²·n/(n − 1), n = batch × height × width.
public final class BatchNorm2D: Layer {
    public static let kind = "batchnorm2d"
    public static let summary = "batch normalisation per channel (PyTorch's BatchNorm2d): γ, β and running statistics"
    public static let settings = [
        SettingDescription("momentum", "number", default: "0.1", "weight of each batch in the running statistics"),
        SettingDescription("eps", "number", default: "1e-05", "ε added to the variance"),
    ]

    public let weight: Parameter, bias: Parameter
    public let runningMean: Parameter, runningVariance: Parameter
    public let outputShape: [Int]
    let momentum: Float, eps: Float
    /// The normalised input and 1/√(σ² + ε) of the last training batch, for backward.
    private var normalised = Tensor(zeros: [0])
    private var inverseDeviation: [Float] = []

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        guard inputShape.count == 3 else {
            throw ModelError.shapeMismatch(layer: settings.layerName, message: "batchnorm2d takes [channels, height, width] inputs, got \(inputShape)")
        }
        let channels = inputShape[0]
        outputShape = inputShape
        momentum = Float(try settings.double("momentum", default: 0.1, in: 0...1))
        eps = Float(try settings.double("eps", default: 1e-5, in: 1e-12...1))
        weight = Parameter(name: "weight", shape: [channels], initializer: .ones, fanIn: 1, fanOut: 1)
        bias = Parameter(name: "bias", shape: [channels], initializer: .zeros, fanIn: 1, fanOut: 1)
        runningMean = Parameter(name: "running_mean", shape: [channels], initializer: .zeros, fanIn: 1, fanOut: 1)
        runningVariance = Parameter(name: "running_var", shape: [channels], initializer: .ones, fanIn: 1, fanOut: 1)
        // As PyTorch's module starts: γ = 1, running variance 1 (the model's initialisation gives the same).
        weight.value = Tensor(repeating: 1, shape: [channels])
        runningVariance.value = Tensor(repeating: 1, shape: [channels])
    }

    public var parameters: [Parameter] { [weight, bias] }
    public var buffers: [Parameter] { [runningMean, runningVariance] }
    public var multiplyAdds: Int { 2 * outputShape.reduce(1, *) }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        let x = input
        let (batch, channels, area) = (x.batchSize, outputShape[0], outputShape[1] * outputShape[2])
        let n = batch * area
        var mean = runningMean.value.scalars, variance = runningVariance.value.scalars
        if mode == .training {
            for c in 0..<channels {
                var sum = 0.0, squares = 0.0
                for sample in 0..<batch {
                    for i in 0..<area { sum += Double(x.scalars[(sample * channels + c) * area + i]) }
                }
                let mu = sum / Double(n)
                for sample in 0..<batch {
                    for i in 0..<area { let d = Double(x.scalars[(sample * channels + c) * area + i]) - mu; squares += d * d }
                }
                let biased = squares / Double(n)
                mean[c] = Float(mu)
                variance[c] = Float(biased)
                let unbiased = n > 1 ? biased * Double(n) / Double(n - 1) : biased
                runningMean.value.scalars[c] = (1 - momentum) * runningMean.value.scalars[c] + momentum * Float(mu)
                runningVariance.value.scalars[c] = (1 - momentum) * runningVariance.value.scalars[c] + momentum * Float(unbiased)
            }
        }
        let inverse = variance.map { 1 / ($0 + eps).squareRoot() }
        var xHat = x
        var y = x
        for sample in 0..<batch {
            for c in 0..<channels {
                let (m, s, g, b) = (mean[c], inverse[c], weight.value.scalars[c], bias.value.scalars[c])
                for i in 0..<area {
                    let index = (sample * channels + c) * area + i
                    xHat.scalars[index] = (x.scalars[index] - m) * s
                    y.scalars[index] = g * xHat.scalars[index] + b
                }
            }
        }
        if mode == .training {
            normalised = xHat
            inverseDeviation = inverse
        }
        return y
    }

    /// dx = γ/(n·σ) · (n·dy − Σdy − x̂·Σ(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy (sums over batch and positions).
    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        let dy = outputGradient
        let (batch, channels, area) = (dy.batchSize, outputShape[0], outputShape[1] * outputShape[2])
        let n = Float(batch * area)
        var dx = dy
        for c in 0..<channels {
            var sumDy: Float = 0, sumDyXHat: Float = 0
            for sample in 0..<batch {
                for i in 0..<area {
                    let index = (sample * channels + c) * area + i
                    sumDy += dy.scalars[index]
                    sumDyXHat += dy.scalars[index] * normalised.scalars[index]
                }
            }
            weight.gradient.scalars[c] += sumDyXHat
            bias.gradient.scalars[c] += sumDy
            let scale = weight.value.scalars[c] * inverseDeviation[c] / n
            for sample in 0..<batch {
                for i in 0..<area {
                    let index = (sample * channels + c) * area + i
                    dx.scalars[index] = scale * (n * dy.scalars[index] - sumDy - normalised.scalars[index] * sumDyXHat)
                }
            }
        }
        return dx
    }
}
