/// max(x, 0); its derivative is taken as 0 at x = 0.
public final class ReLU: ElementwiseActivation {
    public static let kind = "relu"
    public static let summary = "rectified linear unit max(x, 0)"
    public let outputShape: [Int]
    public var cache = (input: Tensor(zeros: [0]), output: Tensor(zeros: [0]))
    public init(outputShape: [Int]) { self.outputShape = outputShape }
    public static func apply(_ x: Float) -> Float { max(x, 0) }
    public static func derivative(input x: Float, output y: Float) -> Float { x > 0 ? 1 : 0 }
}
