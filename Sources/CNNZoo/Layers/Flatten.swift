/// Flattens each sample to a vector: [N, C, H, W] → [N, C·H·W].
public final class Flatten: RegisteredLayer {
    public static let kind = "flatten"
    public static let summary = "flatten each sample to a vector"
    public static let settings: [SettingDescription] = []

    public let inputShape: [Int]
    public let outputShape: [Int]

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        self.inputShape = inputShape
        outputShape = [Tensor.count(of: inputShape)]
    }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        input.reshaped([input.batchSize] + outputShape)
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        outputGradient.reshaped([outputGradient.batchSize] + inputShape)
    }
}
