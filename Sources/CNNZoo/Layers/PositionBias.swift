/// A learned bias per position: y[n,c,h,w] = x[n,c,h,w] + b[c,h,w] (seeds 004 and 001),
/// unlike a conv's per-channel bias.
public final class PositionBias: RegisteredLayer, SampleWiseLayer {
    public static let kind = "bias"
    public static let summary = "per-position bias: one learned value per channel × row × column"
    static let initializer = Setting.initializer("init", default: .zeros, "bias initializer")
    public static let settings = [initializer.description]

    public let bias: Parameter
    public let outputShape: [Int]
    /// Each chunk's partial ∂b.
    private let partials = ScratchBuffer<Float>()

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        outputShape = inputShape
        let count = Tensor.count(of: inputShape)
        bias = Parameter(name: "bias", shape: inputShape,
                         initializer: try settings.value(Self.initializer), fanIn: count, fanOut: count)
    }

    public var parameters: [Parameter] { [bias] }
    public var multiplyAdds: Int { 0 }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        var output = input
        let width = bias.value.count, batch = output.batchSize
        output.withMutablePointer { y in
            Parallelism.forEachSpan(batch, minimum: max(1, (1 << 15) / width)) { samples in
                for n in samples { forward(sample: y + n * width, count: width) }
            }
        }
        return output
    }

    public static let keepsOutput = false

    public func forward(sample: UnsafeMutablePointer<Float>, count: Int) {
        bias.value.withPointer { b in
            for i in 0..<count { sample[i] += b[i] }
        }
    }

    public func finishFusedForward(output: Tensor) {}

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        let width = bias.value.count, batch = outputGradient.batchSize
        let chunks = Parallelism.chunkCount(batch)
        let partials = partials.reserve(chunks * width)
        outputGradient.withPointer { dy in
            Parallelism.forEachChunk(batch) { chunk, samples in
                let db = partials + chunk * width
                db.update(repeating: 0, count: width)
                for n in samples {
                    let row = dy + n * width
                    for i in 0..<width { db[i] += row[i] }
                }
            }
        }
        bias.accumulate(partials: partials, chunks: chunks)
        return outputGradient
    }
}
