#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The scalar functions behind the activation layers and losses.
enum Activation {
    /// σ(z) = 1/(1 + e^−z), evaluated so neither branch overflows.
    @inline(__always)
    static func sigmoid(_ z: Float) -> Float {
        if z >= 0 { return 1 / (1 + exp(-z)) }
        let e = exp(z)
        return e / (1 + e)
    }
}

/// Element-wise activations share their plumbing: apply over the batch, keep the output,
/// and multiply the gradient by f′ written in terms of that output.
public protocol ElementwiseActivation: SampleWiseLayer {
    init(outputShape: [Int])
    /// f applied in place to `count` values.
    static func apply(_ values: UnsafeMutablePointer<Float>, count: Int)
    /// f′ in terms of the output y = f(x).
    static func derivative(output y: Float) -> Float
    /// The last forward batch's output.
    var output: Tensor { get set }
}

extension ElementwiseActivation {
    public static var settings: [SettingDescription] { [] }

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        self.init(outputShape: inputShape)
    }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        var output = input
        let count = output.count
        output.withMutablePointer { y in
            Parallelism.forEachSpan(count) { span in
                Self.apply(y + span.lowerBound, count: span.count)
            }
        }
        self.output = output
        return output
    }

    public static var keepsOutput: Bool { true }

    public func forward(sample: UnsafeMutablePointer<Float>, count: Int) {
        Self.apply(sample, count: count)
    }

    public func finishFusedForward(output: Tensor) {
        self.output = output
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        var inputGradient = outputGradient
        let count = inputGradient.count
        output.withPointer { y in
            inputGradient.withMutablePointer { g in
                Parallelism.forEachSpan(count) { span in
                    for i in span { g[i] *= Self.derivative(output: y[i]) }
                }
            }
        }
        return inputGradient
    }
}
