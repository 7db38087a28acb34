/// σ(x) = 1/(1 + e^−x); σ′ = σ(1 − σ).
public final class Sigmoid: ElementwiseActivation {
    public static let kind = "sigmoid"
    public static let summary = "logistic sigmoid 1/(1 + e^-x)"
    public let outputShape: [Int]
    public var cache = (input: Tensor(zeros: [0]), output: Tensor(zeros: [0]))
    public init(outputShape: [Int]) { self.outputShape = outputShape }
    public static func apply(_ x: Float) -> Float { Activation.sigmoid(x) }
    public static func derivative(input x: Float, output y: Float) -> Float { y * (1 - y) }
}
