/// The element-wise sum of two or more inputs of one shape, y = x₁ + x₂ + …: a residual
/// connection's merge. Backward hands every input the output's gradient.
public final class Add: RegisteredMultiInputLayer {
    public static let kind = "add"
    public static let summary = "element-wise sum of two or more inputs of one shape (a residual merge)"
    public static let settings: [SettingDescription] = []

    public let outputShape: [Int]
    let inputCount: Int

    public init(settings: LayerSettings, inputShapes: [[Int]]) throws {
        guard inputShapes.count >= 2 else {
            throw ModelError.badSetting(layer: settings.layerName, message: "add needs two or more inputs, got \(inputShapes.count)")
        }
        guard Set(inputShapes).count == 1 else {
            throw ModelError.shapeMismatch(layer: settings.layerName,
                message: "add needs inputs of one shape, got \(inputShapes.map(Tensor.describe).joined(separator: ", "))")
        }
        outputShape = inputShapes[0]
        inputCount = inputShapes.count
    }

    public var multiplyAdds: Int { (inputCount - 1) * Tensor.count(of: outputShape) }

    public func forward(inputs: [Tensor], mode: Mode, random: inout RandomGenerator) -> Tensor {
        var output = Tensor.sum(inputs[0], inputs[1])
        let count = output.count
        output.withMutablePointer { y in
            for input in inputs.dropFirst(2) {
                input.withPointer { x in
                    Parallelism.forEachSpan(count) { span in for i in span { y[i] += x[i] } }
                }
            }
        }
        return output
    }

    public func backward(toInputs outputGradient: Tensor) -> [Tensor] {
        Array(repeating: outputGradient, count: inputCount)
    }
}
