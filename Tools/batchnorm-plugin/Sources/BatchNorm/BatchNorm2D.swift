import CNNZoo

/// PyTorch's `BatchNorm2d`: per channel c, over the batch and the positions,
///
///     y = γ_c · (x − μ_c) / √(σ²_c + ε) + β_c
///
/// with μ, σ² the batch's mean and (biased) variance in training, and the running ones in
/// evaluation. Each training pass updates the running statistics, which are buffers — saved
/// and restored with the weights, never trained — with momentum m and the unbiased variance:
/// r_μ ← (1 − m)·r_μ + m·μ,  r_σ² ← (1 − m)·r_σ² + m·σ²·n/(n − 1), n = batch × height × width.
///
/// Channels are independent, so each runs whole on one of the engine's threads: the sums are
/// the same for any thread count.
public final class BatchNorm2D: PluginLayer {
    public static let kind = "batchnorm2d"
    public static let summary = "batch normalisation per channel (PyTorch's BatchNorm2d): γ, β and running statistics"
    public static let settings = [
        SettingDescription("momentum", "number", default: "0.1", "weight of each batch in the running statistics"),
        SettingDescription("eps", "number", default: "1e-05", "ε added to the variance"),
    ]

    public let outputShape: [Int]
    let channels: Int, area: Int
    let momentum: Float, eps: Float
    /// x̂ of the last training batch, and 1/√(σ² + ε) per channel, for backward.
    private let normalised = ScratchBuffer<Float>()
    private var inverseDeviation: [Float] = []

    public init(settings: Settings, inputShape: [Int]) throws {
        guard inputShape.count == 3 else {
            throw ModelError.shapeMismatch(layer: settings.layerName, message: "batchnorm2d takes [channels, height, width] inputs, got \(inputShape)")
        }
        outputShape = inputShape
        channels = inputShape[0]
        area = inputShape[1] * inputShape[2]
        momentum = Float(try settings.double("momentum", default: 0.1, in: 0...1))
        eps = Float(try settings.double("eps", default: 1e-5, in: 1e-12...1))
    }

    /// γ, β, then the running statistics; as PyTorch's module starts: γ = 1, running variance 1.
    public var parameters: [ParameterDescription] {
        [ParameterDescription(name: "weight", shape: [channels], initializer: .ones),
         ParameterDescription(name: "bias", shape: [channels], initializer: .zeros),
         ParameterDescription(name: "running_mean", shape: [channels], initializer: .zeros, isBuffer: true),
         ParameterDescription(name: "running_var", shape: [channels], initializer: .ones, isBuffer: true)]
    }

    public var multiplyAdds: Int { 2 * channels * area }

    public func forward(_ pass: LayerForwardPass) {
        let (batch, channels, area) = (pass.batch, self.channels, self.area)
        let (x, y) = (pass.input, pass.output)
        let (gamma, beta, runningMean, runningVariance) = (pass.values[0], pass.values[1], pass.values[2], pass.values[3])
        let training = pass.mode == .training
        let xHat = training ? normalised.reserve(batch * channels * area) : nil
        var inverse = [Float](repeating: 0, count: channels)
        let n = batch * area
        let (momentum, eps) = (self.momentum, self.eps)
        inverse.withUnsafeMutableBufferPointer { inverse in
            Parallelism.forEachChunk(channels) { _, range in
                for c in range {
                    var mean = runningMean[c], variance = runningVariance[c]
                    if training {
                        var sum = 0.0, squares = 0.0
                        for sample in 0..<batch {
                            let plane = (sample * channels + c) * area
                            for i in 0..<area { sum += Double(x[plane + i]) }
                        }
                        let mu = sum / Double(n)
                        for sample in 0..<batch {
                            let plane = (sample * channels + c) * area
                            for i in 0..<area { let d = Double(x[plane + i]) - mu; squares += d * d }
                        }
                        let biased = squares / Double(n)
                        (mean, variance) = (Float(mu), Float(biased))
                        let unbiased = n > 1 ? biased * Double(n) / Double(n - 1) : biased
                        runningMean[c] = (1 - momentum) * runningMean[c] + momentum * Float(mu)
                        runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * Float(unbiased)
                    }
                    let s = 1 / (variance + eps).squareRoot()
                    inverse[c] = s
                    let (g, b) = (gamma[c], beta[c])
                    for sample in 0..<batch {
                        let plane = (sample * channels + c) * area
                        for i in plane..<plane + area {
                            let normal = (x[i] - mean) * s
                            xHat?[i] = normal
                            y[i] = g * normal + b
                        }
                    }
                }
            }
        }
        if training { inverseDeviation = inverse }
    }

    /// dx = γ/(n·σ) · (n·dy − Σdy − x̂·Σ(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy (sums over batch and positions).
    public func backward(_ pass: LayerBackwardPass) {
        let (batch, channels, area) = (pass.batch, self.channels, self.area)
        let n = Float(batch * area)
        let (dy, dx, xHat, gamma) = (pass.outputGradient, pass.inputGradient, normalised.pointer, pass.values[0])
        let (dGamma, dBeta) = (pass.gradients[0]!, pass.gradients[1]!)
        let inverse = inverseDeviation
        Parallelism.forEachChunk(channels) { _, range in
            for c in range {
                var sumDy: Float = 0, sumDyXHat: Float = 0
                for sample in 0..<batch {
                    let plane = (sample * channels + c) * area
                    for i in plane..<plane + area {
                        sumDy += dy[i]
                        sumDyXHat += dy[i] * xHat[i]
                    }
                }
                dGamma[c] = sumDyXHat
                dBeta[c] = sumDy
                guard let dx else { continue }
                let scale = gamma[c] * inverse[c] / n
                for sample in 0..<batch {
                    let plane = (sample * channels + c) * area
                    for i in plane..<plane + area { dx[i] = scale * (n * dy[i] - sumDy - xHat[i] * sumDyXHat) }
                }
            }
        }
    }
}
