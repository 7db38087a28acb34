import CNNZoo

/// PyTorch's `GroupNorm`, a layer kind the engine does not have: each sample's channels in G
/// groups, each group normalised over its channels and positions, then scaled and shifted per
/// channel,
///
///     y = γ_c · (x − μ_g) / √(σ²_g + ε) + β_c      (μ_g, σ²_g of sample n's group g)
///
/// Unlike batch normalisation it needs no batch statistics, so it behaves the same in training
/// and evaluation and keeps no buffers. With m = (C/G)·H·W values in a group and ∂x̂ = γ·∂y,
///
///     ∂x = (m·∂x̂ − Σ∂x̂ − x̂·Σ∂x̂·x̂) / (m·σ),   ∂γ_c = Σ ∂y·x̂,   ∂β_c = Σ ∂y
///
/// Samples run on the engine's threads; the parameters' gradients are summed per chunk of
/// samples and the chunks added in order, so the result is the same for a thread count.
public final class GroupNorm: PluginLayer {
    public static let kind = "group_norm"
    public static let summary = "group normalisation per sample (PyTorch's GroupNorm): γ, β per channel"
    static let groups = Setting.integer("groups", default: 4, in: 1...65536, "groups the channels are split into (they must divide the channels)")
    static let eps = Setting.number("eps", default: 1e-5, in: 1e-12...1, "ε added to the variance")
    public static let settings = [groups.description, eps.description]

    public let outputShape: [Int]
    let channels: Int, area: Int, groupCount: Int
    let epsilon: Float
    /// x̂ of the last training batch, and 1/√(σ² + ε) per sample and group, for backward.
    private let normalised = ScratchBuffer<Float>()
    private let inverse = ScratchBuffer<Float>()
    /// Each chunk's per-channel Σ∂y·x̂ and Σ∂y.
    private let partials = ScratchBuffer<Float>()

    public init(settings: Settings, inputShape: [Int]) throws {
        guard inputShape.count == 3 else {
            throw ModelError.shapeMismatch(layer: settings.layerName, message: "group_norm takes [channels, height, width] inputs, got \(inputShape)")
        }
        outputShape = inputShape
        (channels, area) = (inputShape[0], inputShape[1] * inputShape[2])
        groupCount = try settings.value(Self.groups)
        guard channels % groupCount == 0 else {
            throw ModelError.badSetting(layer: settings.layerName, message: "\(groupCount) groups do not divide \(channels) channels")
        }
        epsilon = Float(try settings.value(Self.eps))
    }

    /// γ and β, as PyTorch's module starts them: γ = 1, β = 0.
    public var parameters: [ParameterDescription] {
        [ParameterDescription(name: "weight", shape: [channels], initializer: .ones),
         ParameterDescription(name: "bias", shape: [channels], initializer: .zeros)]
    }

    public var multiplyAdds: Int { 2 * channels * area }

    /// The export hook: ONNX has no group norm before opset 18 (and a per-group scale until 21),
    /// so the layer writes itself as what every opset 13–21 has — the channels reshaped to
    /// [N, G, (C/G)·H·W], `InstanceNormalization` over each group, the shape back, then γ and β
    /// per channel.
    public func onnxNodes(name: String, inputs: [String], output: String) -> ONNXNodes? {
        let (height, width) = (outputShape[1], outputShape[2])
        let grouped = "\(name).grouped", normalised = "\(name).normalised", restored = "\(name).restored", scaled = "\(name).scaled"
        return ONNXNodes(nodes: [
            .init(op: "Reshape", inputs: [inputs[0], "\(name).group_shape"], outputs: [grouped]),
            .init(op: "InstanceNormalization", inputs: [grouped, "\(name).ones", "\(name).zeros"], outputs: [normalised],
                  attributes: ["epsilon": .float(epsilon)]),
            .init(op: "Reshape", inputs: [normalised, "\(name).shape"], outputs: [restored]),
            .init(op: "Mul", inputs: [restored, "\(name).weight"], outputs: [scaled]),
            .init(op: "Add", inputs: [scaled, "\(name).bias"], outputs: [output]),
        ], constants: [
            .init(name: "\(name).group_shape", int64s: [0, groupCount, -1]),
            .init(name: "\(name).shape", int64s: [0, channels, height, width]),
            .init(name: "\(name).ones", floats: [Float](repeating: 1, count: groupCount)),
            .init(name: "\(name).zeros", floats: [Float](repeating: 0, count: groupCount)),
            .init(name: "\(name).weight", parameter: "weight", dims: [channels, 1, 1]),
            .init(name: "\(name).bias", parameter: "bias", dims: [channels, 1, 1]),
        ])
    }

    public func forward(_ pass: LayerForwardPass) {
        let (batch, channels, area, groups) = (pass.batch, channels, area, groupCount)
        let (x, y, gamma, beta) = (pass.input, pass.output, pass.values[0], pass.values[1])
        let size = channels / groups * area, epsilon = self.epsilon
        let xHat = normalised.reserve(batch * channels * area), inverse = self.inverse.reserve(batch * groups)
        Parallelism.forEachChunk(batch * groups) { _, groupsOfSamples in
            for index in groupsOfSamples {
                let (sample, group) = index.quotientAndRemainder(dividingBy: groups)
                let start = (sample * channels + group * channels / groups) * area
                var sum = 0.0, squares = 0.0
                for i in start..<start + size { sum += Double(x[i]) }
                let mean = sum / Double(size)
                for i in start..<start + size { let d = Double(x[i]) - mean; squares += d * d }
                let s = 1 / (Float(squares / Double(size)) + epsilon).squareRoot(), m = Float(mean)
                inverse[index] = s
                for c in group * channels / groups ..< (group + 1) * channels / groups {
                    let (g, b, plane) = (gamma[c], beta[c], (sample * channels + c) * area)
                    for i in plane..<plane + area {
                        xHat[i] = (x[i] - m) * s
                        y[i] = g * xHat[i] + b
                    }
                }
            }
        }
    }

    public func backward(_ pass: LayerBackwardPass) {
        let (batch, channels, area, groups) = (pass.batch, channels, area, groupCount)
        let (dy, gamma) = (pass.outputGradient, pass.values[0])
        let (xHat, inverse) = (normalised.pointer, self.inverse.pointer)
        let perGroup = channels / groups, size = perGroup * area
        let chunks = Parallelism.chunkCount(batch)
        let parts = partials.reserve(2 * chunks * channels)
        Parallelism.forEachChunk(batch) { chunk, samples in
            let (dGamma, dBeta) = (parts + 2 * chunk * channels, parts + (2 * chunk + 1) * channels)
            for c in 0..<channels { (dGamma[c], dBeta[c]) = (0, 0) }
            for sample in samples {
                for group in 0..<groups {
                    let channelsOfGroup = group * perGroup ..< (group + 1) * perGroup
                    var sumD: Float = 0, sumDX: Float = 0
                    for c in channelsOfGroup {
                        let plane = (sample * channels + c) * area
                        var a: Float = 0, b: Float = 0
                        for i in plane..<plane + area {
                            a += dy[i] * xHat[i]
                            b += dy[i]
                        }
                        dGamma[c] += a
                        dBeta[c] += b
                        sumD += b * gamma[c]
                        sumDX += a * gamma[c]
                    }
                    guard let dx = pass.inputGradient else { continue }
                    let m = Float(size), scale = inverse[sample * groups + group] / m
                    for c in channelsOfGroup {
                        let (g, plane) = (gamma[c], (sample * channels + c) * area)
                        for i in plane..<plane + area { dx[i] = scale * (m * dy[i] * g - sumD - xHat[i] * sumDX) }
                    }
                }
            }
        }
        // The chunks' sums in chunk order.
        let (dGamma, dBeta) = (pass.gradients[0]!, pass.gradients[1]!)
        for c in 0..<channels { (dGamma[c], dBeta[c]) = (0, 0) }
        for chunk in 0..<chunks {
            for c in 0..<channels {
                dGamma[c] += parts[2 * chunk * channels + c]
                dBeta[c] += parts[(2 * chunk + 1) * channels + c]
            }
        }
    }
}
