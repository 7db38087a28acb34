/// tanh(x) = 2σ(2x) − 1; tanh′ = 1 − tanh².
public final class Tanh: RegisteredLayer, ElementwiseActivation {
    public static let kind = "tanh"
    public static let summary = "hyperbolic tangent"
    public let outputShape: [Int]
    public var output = Tensor(zeros: [0])
    public init(outputShape: [Int]) { self.outputShape = outputShape }

    public static func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { values[i] *= 2 }
        Sigmoid.apply(values, count: count)
        for i in 0..<count { values[i] = 2 * values[i] - 1 }
    }

    public static func derivative(output y: Float) -> Float { 1 - y * y }
}
