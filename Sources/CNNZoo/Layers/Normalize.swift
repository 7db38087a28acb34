/// Per-channel normalisation of the input, as torchvision's `Normalize` and timm's
/// `pretrained_cfg` mean and std: y[c] = (x[c] − mean[c]) / std[c]. Part of the model, so a
/// checkpoint, `predict` and an ONNX export all carry it. Without `mean` and `std` a new
/// training run computes them from its training images and writes them into the spec.
public final class Normalize: RegisteredLayer {
    public static let kind = "normalize"
    public static let summary = "per-channel (x − mean) / std, given or computed from the training images"
    public static let settings = [
        SettingDescription("mean", "[number]", default: "from the training set", "one mean per channel"),
        SettingDescription("std", "[number]", default: "from the training set", "one standard deviation per channel, > 0"),
    ]

    public let mean: [Float], std: [Float]
    public let outputShape: [Int]
    let area: Int

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        let channels = inputShape.count == 3 ? inputShape[0] : 1
        area = Tensor.count(of: inputShape) / channels
        mean = try settings.doubles("mean", count: channels, default: [Double](repeating: 0, count: channels)).map(Float.init)
        std = try settings.doubles("std", count: channels, default: [Double](repeating: 1, count: channels), in: 1e-12...1e12).map(Float.init)
        outputShape = inputShape
    }

    /// Whether the spec gave the statistics (else a training run computes them).
    public static func isGiven(_ layer: LayerSpec) -> Bool { layer.settings["mean"] != nil && layer.settings["std"] != nil }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        var y = input
        let (channels, area, samples) = (mean.count, area, y.batchSize)
        y.withMutablePointer { y in
            Parallelism.forEachChunk(samples) { _, range in
                for n in range {
                    for c in 0..<channels {
                        let plane = y + (n * channels + c) * area
                        for i in 0..<area { plane[i] = (plane[i] - mean[c]) / std[c] }
                    }
                }
            }
        }
        return y
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        var dx = outputGradient
        let (channels, area, samples) = (std.count, area, dx.batchSize)
        dx.withMutablePointer { g in
            Parallelism.forEachChunk(samples) { _, range in
                for n in range {
                    for c in 0..<channels {
                        let plane = g + (n * channels + c) * area
                        for i in 0..<area { plane[i] /= std[c] }
                    }
                }
            }
        }
        return dx
    }
}
