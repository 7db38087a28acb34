/// PyTorch's `BatchNorm2d`: per channel c, over the batch and the positions,
///
///     y = γ_c · (x − μ_c) / √(σ²_c + ε) + β_c
///
/// with μ, σ² the batch's mean and (biased) variance in training, and the running ones in
/// evaluation. Each training pass updates the running statistics — buffers, saved with the
/// weights and never trained — with momentum m and the unbiased variance:
/// r_μ ← (1 − m)·r_μ + m·μ,  r_σ² ← (1 − m)·r_σ² + m·σ²·n/(n − 1), n = batch × height × width.
///
/// μ and σ² are the whole batch's in every layout, threads or processes (``BatchStatisticsLayer``);
/// so are the two sums backward needs per channel, Σ∂y and Σ∂y·x̂:
///
///     ∂x = γ/(n·σ) · (n·∂y − Σ∂y − x̂·Σ∂y·x̂),   ∂γ = Σ ∂y·x̂,   ∂β = Σ ∂y
///
/// The loops over a channel's plane are the engine's kernels (``Kernels``' `channel…` family),
/// compiled for each instruction set with sums in a fixed order: the same bits in every variant.
///
/// In evaluation the map is fixed, so it runs on each sample as the convolution before it writes
/// it (``EvaluationSampleWiseLayer``); in training it hands each sample it writes to the ReLU after
/// it (``SampleProducingLayer``).
public final class BatchNorm2D: RegisteredLayer, BatchStatisticsLayer, EvaluationSampleWiseLayer, SampleProducingLayer {
    public static let kind = "batchnorm2d"
    public static let summary = "batch normalisation per channel over the whole batch (PyTorch's BatchNorm2d)"
    static let momentum = Setting.number("momentum", default: 0.1, in: 0...1, "weight of each batch in the running statistics")
    static let eps = Setting.number("eps", default: 1e-5, in: 1e-12...1, "ε added to the variance")
    public static let settings = [momentum.description, eps.description]

    public let weight: Parameter, bias: Parameter
    public let runningMean: Parameter, runningVariance: Parameter
    public let outputShape: [Int]
    public var group: (any DataParallelGroup)?
    public var isStandIn = false
    public var batchLayout: BatchLayout?
    let channels: Int, area: Int
    /// The running statistics' momentum (PyTorch's) and the ε added to the variance.
    public let rate: Float, epsilon: Float
    /// The last training batch, its μ and 1/√(σ² + ε) per channel, and the whole batch's sample
    /// count. Backward works x̂ = (x − μ)·s out again, as forward did, rather than forward storing it:
    /// one pass over the batch's maps fewer.
    private var normalisedInput = Tensor(zeros: [0])
    private var batchMean: [Float] = [], inverseDeviation: [Float] = []
    private var wholeBatch = 0
    /// Each chunk's Σ∂y and Σ∂y·x̂ per channel.
    private let partials = ScratchBuffer<Float>()

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        guard inputShape.count == 3 else {
            throw ModelError.shapeMismatch(layer: settings.layerName, message: "batchnorm2d takes [channels, height, width] inputs, got \(inputShape)")
        }
        outputShape = inputShape
        (channels, area) = (inputShape[0], inputShape[1] * inputShape[2])
        rate = Float(try settings.value(Self.momentum))
        epsilon = Float(try settings.value(Self.eps))
        weight = Parameter(name: "weight", shape: [channels], initializer: .ones, fanIn: 1, fanOut: 1)
        bias = Parameter(name: "bias", shape: [channels], initializer: .zeros, fanIn: 1, fanOut: 1)
        runningMean = Parameter(name: "running_mean", shape: [channels], initializer: .zeros, fanIn: 1, fanOut: 1)
        runningVariance = Parameter(name: "running_var", shape: [channels], initializer: .ones, fanIn: 1, fanOut: 1)
        // As PyTorch's module starts, before any initialisation (which gives the same).
        weight.value = Tensor(repeating: 1, shape: [channels])
        runningVariance.value = Tensor(repeating: 1, shape: [channels])
    }

    public var parameters: [Parameter] { [weight, bias] }
    public var buffers: [Parameter] { [runningMean, runningVariance] }
    public var multiplyAdds: Int { 2 * channels * area }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        forward(input, mode: mode, random: &random) { _ in }
    }

    /// The pass, handing each sample's output to `epilogue` as soon as it is written (a ReLU after
    /// it then runs while the sample is in cache).
    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator,
                        epilogue: (_ sample: UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        let x = input
        let (batch, channels, area) = (x.batchSize, channels, area)
        var mean = runningMean.value.scalars.map(Double.init), variance = runningVariance.value.scalars.map(Double.init)
        if mode == .training {
            // A failure to gather ends the job, as a collective that failed anywhere else does.
            let count = try! wholeBatchCount(batch)
            let n = Double(count * area)
            // Both statistics from one gather of sums: Σx and Σ(x − k)² about k, the running mean,
            // which every process holds alike. σ² = Σ(x − k)²/n − (μ − k)² cancels little while k
            // lies within a few deviations of μ, as it does once the running mean has followed a
            // few batches; a second gather, of the squares about μ, would make every process wait
            // once more per layer and pass.
            let shift = mean
            let sums = x.withPointer { x in
                try! wholeBatchSums(batch, width: 2 * channels) { samples, sums in
                    for sample in samples {
                        for c in 0..<channels {
                            let (sum, squares) = Kernels.channelStatistics(x + (sample * channels + c) * area, count: area, about: shift[c])
                            sums[c] += sum
                            sums[channels + c] += squares
                        }
                    }
                }
            }
            mean = (0..<channels).map { sums[$0] / n }
            variance = (0..<channels).map { c in
                let offset = mean[c] - shift[c]
                return max(0, sums[channels + c] / n - offset * offset)
            }
            for c in 0..<channels {
                let unbiased = n > 1 ? variance[c] * n / (n - 1) : variance[c]
                runningMean.value.scalars[c] = (1 - rate) * runningMean.value.scalars[c] + rate * Float(mean[c])
                runningVariance.value.scalars[c] = (1 - rate) * runningVariance.value.scalars[c] + rate * Float(unbiased)
            }
            wholeBatch = count
        }
        let floatMean = mean.map(Float.init), inverse = variance.map { 1 / (Float($0) + epsilon).squareRoot() }
        let training = mode == .training
        var y = Tensor.uninitialized(x.shape)
        withPointers(x, weight.value, bias.value) { x, gamma, beta in
            y.withMutablePointer { y in
                Parallelism.forEachChunk(batch) { _, samples in
                    for sample in samples {
                        for c in 0..<channels {
                            let offset = (sample * channels + c) * area
                            Kernels.channelNormalize(x + offset, into: y + offset, count: area, mean: floatMean[c], scale: inverse[c],
                                                     gamma: gamma[c], beta: beta[c])
                        }
                        epilogue(y + sample * channels * area)
                    }
                }
            }
        }
        if training {
            normalisedInput = x
            (batchMean, inverseDeviation) = (floatMean, inverse)
        }
        return y
    }

    /// The evaluation pass on one sample: each channel's plane mapped with the running statistics,
    /// as `forward` maps it in evaluation.
    public func sampleWiseEvaluation() -> (_ sample: UnsafeMutablePointer<Float>, _ count: Int) -> Void {
        let mean = runningMean.value.scalars, inverse = runningVariance.value.scalars.map { 1 / ($0 + epsilon).squareRoot() }
        let (gamma, beta, area) = (weight.value.scalars, bias.value.scalars, area)
        return { sample, _ in
            for c in 0..<gamma.count {
                let plane = sample + c * area
                Kernels.channelNormalize(plane, into: plane, count: area, mean: mean[c], scale: inverse[c], gamma: gamma[c], beta: beta[c])
            }
        }
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        let dy = outputGradient
        let (batch, channels, area) = (dy.batchSize, channels, area)
        let chunks = Parallelism.chunkCount(batch)
        // Each chunk's Σ∂y per channel (chunks × channels), then each chunk's Σ∂y·x̂: β's and γ's
        // partials as this process adds them, as every layer adds its own.
        let parts = partials.reserve(2 * chunks * channels)
        let (sumsDy, sumsDyXHat) = (parts, parts + chunks * channels)
        let (mean, inverse) = (batchMean, inverseDeviation)
        withPointers(dy, normalisedInput) { dy, x in
            Parallelism.forEachChunk(batch) { chunk, samples in
                let (sumDy, sumDyXHat) = (sumsDy + chunk * channels, sumsDyXHat + chunk * channels)
                for c in 0..<channels { (sumDy[c], sumDyXHat[c]) = (0, 0) }
                for sample in samples {
                    for c in 0..<channels {
                        let offset = (sample * channels + c) * area
                        let (a, b) = Kernels.channelGradientSums(dy + offset, x + offset, count: area, mean: mean[c], scale: inverse[c])
                        sumDy[c] += a
                        sumDyXHat[c] += b
                    }
                }
            }
        }
        bias.accumulate(partials: sumsDy, chunks: chunks)
        weight.accumulate(partials: sumsDyXHat, chunks: chunks)
        // The whole batch's two sums per channel, chunk by chunk: [Σ∂y, Σ∂y·x̂] of each chunk.
        var chunkMajor: [Double] = []
        chunkMajor.reserveCapacity(2 * chunks * channels)
        for chunk in 0..<chunks {
            for c in 0..<channels { chunkMajor.append(Double(sumsDy[chunk * channels + c])) }
            for c in 0..<channels { chunkMajor.append(Double(sumsDyXHat[chunk * channels + c])) }
        }
        let totals = try! wholeBatch(partials: chunkMajor, width: 2 * channels)
        // A stand-in sample is no part of the batch: nothing flows back from it (the whole batch's
        // sums would otherwise give it a gradient).
        if isStandIn { return Tensor(zeros: dy.shape) }
        let n = Float(wholeBatch * area)
        var dx = Tensor.uninitialized(dy.shape)
        withPointers(dy, normalisedInput, weight.value) { dy, x, gamma in
            dx.withMutablePointer { dx in
                Parallelism.forEachChunk(batch) { _, samples in
                    for sample in samples {
                        for c in 0..<channels {
                            let offset = (sample * channels + c) * area
                            Kernels.channelInputGradient(dy + offset, x + offset, into: dx + offset, count: area, n: n,
                                                         sumDy: Float(totals[c]), sumDyXHat: Float(totals[channels + c]),
                                                         mean: mean[c], scale: inverse[c], factor: gamma[c] * inverse[c] / n)
                        }
                    }
                }
            }
        }
        return dx
    }
}
