/// Inverted dropout: in training each element is kept with probability 1 − p and scaled
/// by 1/(1 − p), with a fresh mask per element and sample; in evaluation, the identity.
public final class Dropout: RegisteredLayer {
    public static let kind = "dropout"
    public static let summary = "inverted dropout (training only)"
    public static let settings = [
        SettingDescription("rate", "number in [0, 1)", "probability of dropping each element"),
    ]

    public let rate: Float
    public let outputShape: [Int]
    /// The last training batch's mask, already scaled: 0 or 1/(1 − p); empty after evaluation.
    private var mask: [Float] = []

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        let rate = try settings.double("rate", in: 0...1)
        guard rate < 1 else { throw ModelError.badSetting(layer: settings.layerName, message: "'rate' must be below 1, got 1") }
        self.rate = Float(rate)
        outputShape = inputShape
    }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        guard mode == .training, rate > 0 else {
            mask = []
            return input
        }
        let scale = 1 / (1 - rate)
        var output = input
        // One draw per value, sample after sample; in a data-parallel step, the other
        // processes' samples are skipped so the stream is the same as one process's.
        let share = random.batchShare
        if let share { random.skip(share.offset * output.sampleCount) }
        mask = (0..<output.count).map { _ in random.nextUniform() < rate ? 0 : scale }
        if let share { random.skip((share.total - share.offset - share.count) * output.sampleCount) }
        for i in 0..<output.count { output.scalars[i] *= mask[i] }
        return output
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        guard !mask.isEmpty else { return outputGradient }
        var inputGradient = outputGradient
        for i in 0..<inputGradient.count { inputGradient.scalars[i] *= mask[i] }
        return inputGradient
    }
}
