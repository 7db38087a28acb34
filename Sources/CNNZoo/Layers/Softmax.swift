#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// softmax over each sample's values: yₖ = e^(xₖ−m) / Σⱼ e^(xⱼ−m), m = max x (no overflow).
/// Backward: ∂xₖ = yₖ·(∂yₖ − Σⱼ ∂yⱼ·yⱼ).
public final class Softmax: RegisteredLayer {
    public static let kind = "softmax"
    public static let summary = "softmax over each sample (max-subtracted); prefer a cross_entropy loss from logits"
    public static let settings: [SettingDescription] = []

    public let outputShape: [Int]
    private var output = Tensor(zeros: [0])

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        outputShape = inputShape
    }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        var output = input
        let width = output.sampleCount, batch = output.batchSize
        output.scalars.withUnsafeMutableBufferPointer { y in
            for n in 0..<batch {
                let row = UnsafeMutableBufferPointer(rebasing: y[n * width ..< (n + 1) * width])
                let maximum = row.max() ?? 0
                var total: Float = 0
                for k in row.indices {
                    row[k] = exp(row[k] - maximum)
                    total += row[k]
                }
                for k in row.indices { row[k] /= total }
            }
        }
        self.output = output
        return output
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        var gradient = outputGradient
        let width = output.sampleCount
        for n in 0..<output.batchSize {
            var dot: Float = 0
            for k in 0..<width { dot += gradient.scalars[n * width + k] * output.scalars[n * width + k] }
            for k in 0..<width {
                let i = n * width + k
                gradient.scalars[i] = output.scalars[i] * (gradient.scalars[i] - dot)
            }
        }
        return gradient
    }
}
