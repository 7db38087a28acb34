/// max(x, 0); its derivative is taken as 0 at x = 0 (where y = 0).
public final class ReLU: RegisteredLayer, ElementwiseActivation {
    public static let kind = "relu"
    public static let summary = "rectified linear unit max(x, 0)"
    public let outputShape: [Int]
    public var output = Tensor(zeros: [0])
    public init(outputShape: [Int]) { self.outputShape = outputShape }

    public static func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { values[i] = max(values[i], 0) }
    }

    public static func derivative(output y: Float) -> Float { y > 0 ? 1 : 0 }
}
