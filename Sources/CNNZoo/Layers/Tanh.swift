#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// tanh(x); tanh′ = 1 − tanh².
public final class Tanh: ElementwiseActivation {
    public static let kind = "tanh"
    public static let summary = "hyperbolic tangent"
    public let outputShape: [Int]
    public var cache = (input: Tensor(zeros: [0]), output: Tensor(zeros: [0]))
    public init(outputShape: [Int]) { self.outputShape = outputShape }
    public static func apply(_ x: Float) -> Float { tanh(x) }
    public static func derivative(input x: Float, output y: Float) -> Float { 1 - y * y }
}
