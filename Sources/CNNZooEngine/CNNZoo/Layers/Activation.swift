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

    /// e^x for a whole buffer, in place, within a few ulp of `expf` on [−87, 88] (inputs
    /// beyond are clamped: ≈0 below, a large finite value above).
    ///
    /// Cody–Waite range reduction x = k·ln 2 + r, |r| ≤ ln2/2, a degree-6 polynomial for e^r,
    /// and 2^k built from exponent bits. k is rounded by adding 1.5·2²³ (its integer then sits
    /// in the low mantissa bits), so the loop has no branches or checked conversions and
    /// vectorises, where `expf` costs a library call per element.
    static func exponentiate(_ values: UnsafeMutablePointer<Float>, count: Int) {
        let shifter: Float = 12_582_912  // 1.5·2²³
        for i in 0..<count {
            let x = min(max(values[i], -87.3), 88.3)
            let shifted = x * 1.442_695_04 + shifter
            let k = shifted - shifter
            let r = x - k * 0.693_359_375 + k * 2.121_944_4e-4
            var p: Float = 1.987_569_1e-4
            p = p * r + 1.398_199_9e-3
            p = p * r + 8.333_452e-3
            p = p * r + 4.166_579_6e-2
            p = p * r + 0.166_666_66
            p = p * r + 0.5
            p = p * r * r + r + 1
            let power = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) << 23)
            values[i] = p * power
        }
    }
}

/// Element-wise activations share their plumbing: apply over the batch, keep the output,
/// and multiply the gradient by f′ written in terms of that output.
public protocol ElementwiseActivation: Layer {
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
        output.scalars.withUnsafeMutableBufferPointer { y in
            let y = y.baseAddress!
            Parallelism.forEachSpan(count) { span in
                Self.apply(y + span.lowerBound, count: span.count)
            }
        }
        self.output = output
        return output
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        var inputGradient = outputGradient
        let count = inputGradient.count
        inputGradient.scalars.withUnsafeMutableBufferPointer { g in
            output.scalars.withUnsafeBufferPointer { y in
                let (g, y) = (g.baseAddress!, y.baseAddress!)
                Parallelism.forEachSpan(count) { span in
                    for i in span { g[i] *= Self.derivative(output: y[i]) }
                }
            }
        }
        return inputGradient
    }
}
