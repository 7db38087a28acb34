#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The scalar functions behind the activation layers.
enum Activation {
    /// σ(z) = 1/(1 + e^−z), evaluated so neither branch overflows.
    @inline(__always)
    static func sigmoid(_ z: Float) -> Float {
        if z >= 0 { return 1 / (1 + exp(-z)) }
        let e = exp(z)
        return e / (1 + e)
    }
}

/// Element-wise activations share their plumbing: cache what the derivative needs, apply, multiply back.
public protocol ElementwiseActivation: Layer {
    init(outputShape: [Int])
    /// f applied to one value.
    static func apply(_ x: Float) -> Float
    /// f′ written in terms of the input x and the output y = f(x).
    static func derivative(input x: Float, output y: Float) -> Float
    var cache: (input: Tensor, output: Tensor) { get set }
}

extension ElementwiseActivation {
    public static var settings: [SettingDescription] { [] }

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        self.init(outputShape: inputShape)
    }

    public func forward(_ input: Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        var output = input
        output.scalars.withUnsafeMutableBufferPointer { y in
            let y = y.baseAddress!
            Parallelism.forEachSpan(input.count) { span in
                for i in span { y[i] = Self.apply(y[i]) }
            }
        }
        cache = (input, output)
        return output
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        var inputGradient = outputGradient
        let (input, output) = cache
        inputGradient.scalars.withUnsafeMutableBufferPointer { g in
            input.scalars.withUnsafeBufferPointer { x in
                output.scalars.withUnsafeBufferPointer { y in
                    let (g, x, y) = (g.baseAddress!, x.baseAddress!, y.baseAddress!)
                    Parallelism.forEachSpan(outputGradient.count) { span in
                        for i in span { g[i] *= Self.derivative(input: x[i], output: y[i]) }
                    }
                }
            }
        }
        return inputGradient
    }
}
