/// σ(x) = 1/(1 + e^−x); σ′ = σ(1 − σ).
public final class Sigmoid: RegisteredLayer, ElementwiseActivation {
    public static let kind = "sigmoid"
    public static let summary = "logistic sigmoid 1/(1 + e^-x)"
    public let outputShape: [Int]
    public var output = Tensor(zeros: [0])
    public init(outputShape: [Int]) { self.outputShape = outputShape }

    /// σ(x) = 1/(1 + e^−x); for very negative x, e^−x saturates to a large finite value and σ to ≈0.
    public static func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        Kernels.sigmoid(values, count: count)
    }

    public static func derivative(output y: Float) -> Float { y * (1 - y) }
}
