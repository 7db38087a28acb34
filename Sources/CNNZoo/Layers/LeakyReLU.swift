/// PyTorch's `LeakyReLU`: x for x > 0, a·x otherwise (a the negative slope, 0.01 by default);
/// the derivative is taken as a at x = 0. With a ≥ 0 the output keeps the input's sign, so the
/// derivative is read from the output, as the other activations read theirs.
public final class LeakyReLU: RegisteredLayer, SampleWiseLayer {
    public static let kind = "leaky_relu"
    public static let summary = "leaky rectified linear unit: x for x > 0, a·x otherwise"
    static let negativeSlope = Setting.number("negative_slope", default: 0.01, in: 0...1, "the slope a below zero, in [0, 1]")
    public static let settings = [negativeSlope.description]

    public let slope: Float
    public let outputShape: [Int]
    /// The last forward batch's output.
    private var output = Tensor(zeros: [0])

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        slope = Float(try settings.value(Self.negativeSlope))
        outputShape = inputShape
    }

    public static var keepsOutput: Bool { true }

    public func forward(sample: UnsafeMutablePointer<Float>, count: Int) {
        let a = slope
        for i in 0..<count where sample[i] <= 0 { sample[i] *= a }
    }

    public func finishFusedForward(output: Tensor) {
        self.output = output
    }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        var output = input
        let count = output.count
        output.withMutablePointer { y in
            Parallelism.forEachSpan(count) { span in forward(sample: y + span.lowerBound, count: span.count) }
        }
        self.output = output
        return output
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        var inputGradient = outputGradient
        let (count, a) = (inputGradient.count, slope)
        output.withPointer { y in
            inputGradient.withMutablePointer { g in
                Parallelism.forEachSpan(count) { span in
                    for i in span where y[i] <= 0 { g[i] *= a }
                }
            }
        }
        return inputGradient
    }
}
