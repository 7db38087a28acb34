/// Inputs joined along the channels, [C₁, H, W] and [C₂, H, W] to [C₁ + C₂, H, W] (any trailing
/// axes, as long as they agree): an Inception or DenseNet block's merge. Backward hands each
/// input its channels of the output's gradient.
public final class Concat: RegisteredMultiInputLayer {
    public static let kind = "concat"
    public static let summary = "inputs joined along the channel axis (the first axis of a sample)"
    public static let settings: [SettingDescription] = []

    public let outputShape: [Int]
    /// Each input's values per sample.
    let sampleCounts: [Int]

    public init(settings: LayerSettings, inputShapes: [[Int]]) throws {
        guard inputShapes.count >= 2 else {
            throw ModelError.badSetting(layer: settings.layerName, message: "concat needs two or more inputs, got \(inputShapes.count)")
        }
        let trailing = inputShapes.map { Array($0.dropFirst()) }
        guard inputShapes.allSatisfy({ !$0.isEmpty }), Set(trailing).count == 1 else {
            throw ModelError.shapeMismatch(layer: settings.layerName,
                message: "concat needs inputs that differ only in channels, got \(inputShapes.map(Tensor.describe).joined(separator: ", "))")
        }
        outputShape = [inputShapes.reduce(0) { $0 + $1[0] }] + trailing[0]
        sampleCounts = inputShapes.map(Tensor.count(of:))
    }

    public func forward(inputs: [Tensor], mode: Mode, random: inout RandomGenerator) -> Tensor {
        let batch = inputs[0].batchSize, total = Tensor.count(of: outputShape)
        var output = Tensor.uninitialized([batch] + outputShape)
        output.withMutablePointer { y in
            var offset = 0
            for (input, count) in zip(inputs, sampleCounts) {
                input.withPointer { x in
                    Parallelism.forEachChunk(batch) { _, samples in
                        for n in samples { (y + n * total + offset).update(from: x + n * count, count: count) }
                    }
                }
                offset += count
            }
        }
        return output
    }

    public func backward(toInputs outputGradient: Tensor) -> [Tensor] {
        let batch = outputGradient.batchSize, total = Tensor.count(of: outputShape)
        var offset = 0
        return sampleCounts.map { count in
            var gradient = Tensor.uninitialized([batch, count])
            let start = offset
            outputGradient.withPointer { dy in
                gradient.withMutablePointer { dx in
                    Parallelism.forEachChunk(batch) { _, samples in
                        for n in samples { (dx + n * count).update(from: dy + n * total + start, count: count) }
                    }
                }
            }
            offset += count
            return gradient
        }
    }
}
