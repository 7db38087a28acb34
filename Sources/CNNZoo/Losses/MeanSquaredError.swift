/// L = 1/N Σₙ 1/K Σₖ (yₙₖ − tₙₖ)², PyTorch's `MSELoss` with mean reduction over every element.
public struct MeanSquaredError: RegisteredLoss, SampleWiseLoss {
    public static let kind = "mse"
    public static let summary = "mean squared error over every output (PyTorch's MSELoss)"
    public static let settings = [SettingDescription("from_logits", "bool", default: "true", "ignored: MSE compares outputs as they are (accepted for older specs)")]

    public init(settings: Settings) throws {
        _ = try settings.bool("from_logits", default: true)
        self.init()
    }

    public init() {}

    public func evaluate(output: Tensor, target: Tensor, batchSize: Int) -> (loss: Float, gradient: Tensor) {
        precondition(output.shape == target.shape, "output \(output.shape) and target \(target.shape) differ")
        let scale = 1 / Float(batchSize * output.sampleCount)
        var gradient = output
        var sum = 0.0
        for i in 0..<output.count {
            let difference = output.scalars[i] - target.scalars[i]
            sum += Double(difference * difference)
            gradient.scalars[i] = 2 * difference * scale
        }
        return (Float(sum) * scale, gradient)
    }
}
