/// Gives each sample a new shape with the same number of elements (one extent may be −1: inferred).
public final class Reshape: RegisteredLayer {
    public static let kind = "reshape"
    public static let summary = "reshape each sample (one extent may be -1)"
    public static let settings = [
        SettingDescription("shape", "[int]", "the per-sample output shape, e.g. [3380] or [5, -1]"),
    ]

    public let inputShape: [Int]
    public let outputShape: [Int]

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        self.inputShape = inputShape
        var shape = try settings.intList("shape", counts: Set(1...8), in: -1...Int.max)
        let total = Tensor.count(of: inputShape)
        let inferred = shape.indices.filter { shape[$0] == -1 }
        guard inferred.count <= 1, !shape.contains(0) else {
            throw ModelError.badSetting(layer: settings.layerName, message: "'shape' may hold one -1 and no 0, got \(shape)")
        }
        if let index = inferred.first {
            let known = shape.filter { $0 != -1 }.reduce(1, *)
            guard total % known == 0 else {
                throw ModelError.shapeMismatch(layer: settings.layerName,
                    message: "cannot reshape \(inputShape) (\(total) values) to \(shape)")
            }
            shape[index] = total / known
        }
        guard Tensor.count(of: shape) == total else {
            throw ModelError.shapeMismatch(layer: settings.layerName,
                message: "cannot reshape \(inputShape) (\(total) values) to \(shape) (\(Tensor.count(of: shape)) values)")
        }
        outputShape = shape
    }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        input.reshaped([input.batchSize] + outputShape)
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        outputGradient.reshaped([outputGradient.batchSize] + inputShape)
    }
}
