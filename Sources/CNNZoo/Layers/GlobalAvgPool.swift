/// Global average pooling: each channel's mean over its positions, [C, H, W] → [C] (PyTorch's
/// `AdaptiveAvgPool2d(1)` followed by `flatten`, ONNX's `GlobalAveragePool` and `Flatten`).
/// Backward spreads each channel's gradient evenly over its positions.
public final class GlobalAvgPool: RegisteredLayer {
    public static let kind = "global_avg_pool"
    public static let summary = "mean of each channel over its positions: [C, H, W] → [C]"
    public static let settings: [SettingDescription] = []

    public let inputShape: [Int]
    public let channels: Int, area: Int
    public let outputShape: [Int]

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        guard inputShape.count == 3 else {
            throw ModelError.shapeMismatch(layer: settings.layerName, message: "global_avg_pool takes [channels, height, width] inputs, got \(inputShape)")
        }
        self.inputShape = inputShape
        (channels, area) = (inputShape[0], inputShape[1] * inputShape[2])
        outputShape = [channels]
    }

    public var multiplyAdds: Int { channels * area }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        let input = input
        let (batch, channels, area) = (input.batchSize, channels, area)
        var output = Tensor.uninitialized([batch, channels])
        let scale = 1 / Float(area)
        input.withPointer { x in
            output.withMutablePointer { y in
                Parallelism.forEachChunk(batch * channels) { _, planes in
                    for plane in planes {
                        var sum: Float = 0
                        for i in 0..<area { sum += x[plane * area + i] }
                        y[plane] = sum * scale
                    }
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        let dy = outputGradient
        let (batch, channels, area) = (dy.batchSize, channels, area)
        var dx = Tensor.uninitialized([batch] + inputShape)
        let scale = 1 / Float(area)
        dy.withPointer { dy in
            dx.withMutablePointer { dx in
                Parallelism.forEachChunk(batch * channels) { _, planes in
                    for plane in planes {
                        let share = dy[plane] * scale
                        for i in 0..<area { dx[plane * area + i] = share }
                    }
                }
            }
        }
        return dx
    }
}
