/// A fully connected layer, PyTorch's `Linear`: y = x·Wᵀ + b with W of shape [out, in].
///
/// Forward and ∂x split the batch across threads; ∂W = ∂yᵀ·x splits W's rows, so no
/// partial sums need adding.
public final class Dense: Layer {
    public static let kind = "dense"
    public static let summary = "fully connected layer y = x·Wᵀ + b (W is [out, in])"
    public static let settings: [SettingDescription] = [
        SettingDescription("units", "int", "number of outputs"),
        SettingDescription("bias", "bool", default: "true", "add a learned bias per output"),
        SettingDescription("init", "initializer", default: "kaiming_normal", "weight initializer"),
    ]

    public let inputCount: Int
    public let units: Int
    public let weight: Parameter
    public let bias: Parameter?
    public var outputShape: [Int] { [units] }
    private var input = Tensor(zeros: [0])

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        guard inputShape.count == 1 else {
            throw ModelError.shapeMismatch(layer: settings.layerName,
                message: "dense expects a flat input but gets \(inputShape); add a flatten or reshape layer before it")
        }
        inputCount = inputShape[0]
        units = try settings.int("units", in: 1...1 << 20)
        try Parameter.checkSize([units, inputCount], layer: settings.layerName, name: "weight")
        weight = Parameter(name: "weight", shape: [units, inputCount],
                           initializer: try settings.initializer("init", default: .kaimingNormal),
                           fanIn: inputCount, fanOut: units)
        bias = try settings.bool("bias", default: true)
            ? Parameter(name: "bias", shape: [units], initializer: .zeros, fanIn: inputCount, fanOut: units)
            : nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }
    public var multiplyAdds: Int { units * inputCount }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        self.input = input
        let (batch, units, inputCount) = (input.batchSize, units, inputCount)
        var output = Tensor(zeros: [batch, units])
        if let bias {
            for n in 0..<batch {
                for u in 0..<units { output.scalars[n * units + u] = bias.value.scalars[u] }
            }
        }
        input.scalars.withUnsafeBufferPointer { x in
            weight.value.scalars.withUnsafeBufferPointer { w in
                output.scalars.withUnsafeMutableBufferPointer { y in
                    let (x, w, y) = (x.baseAddress!, w.baseAddress!, y.baseAddress!)
                    Parallelism.forEachChunk(batch) { _, rows in
                        BLAS.gemm(transposeB: true, m: rows.count, n: units, k: inputCount,
                                  a: x + rows.lowerBound * inputCount, lda: inputCount, b: w, ldb: inputCount,
                                  beta: 1, c: y + rows.lowerBound * units, ldc: units)
                    }
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        accumulateParameterGradients(outputGradient)
        let (batch, units, inputCount) = (input.batchSize, units, inputCount)
        var inputGradient = Tensor.uninitialized([batch, inputCount])
        outputGradient.scalars.withUnsafeBufferPointer { dy in
            weight.value.scalars.withUnsafeBufferPointer { w in
                inputGradient.scalars.withUnsafeMutableBufferPointer { dx in
                    let (dy, w, dx) = (dy.baseAddress!, w.baseAddress!, dx.baseAddress!)
                    Parallelism.forEachChunk(batch) { _, rows in
                        BLAS.gemm(m: rows.count, n: inputCount, k: units,
                                  a: dy + rows.lowerBound * units, lda: units, b: w, ldb: inputCount,
                                  c: dx + rows.lowerBound * inputCount, ldc: inputCount)
                    }
                }
            }
        }
        return inputGradient
    }

    public func accumulateParameterGradients(_ outputGradient: Tensor) {
        let (batch, units, inputCount) = (input.batchSize, units, inputCount)
        outputGradient.scalars.withUnsafeBufferPointer { dy in
            if let bias {
                for n in 0..<batch {
                    for u in 0..<units { bias.gradient.scalars[u] += dy[n * units + u] }
                }
            }
            input.scalars.withUnsafeBufferPointer { x in
                weight.gradient.scalars.withUnsafeMutableBufferPointer { dw in
                    let (dy, x, dw) = (dy.baseAddress!, x.baseAddress!, dw.baseAddress!)
                    Parallelism.forEachChunk(units) { _, outputs in
                        BLAS.gemm(transposeA: true, m: outputs.count, n: inputCount, k: batch,
                                  a: dy + outputs.lowerBound, lda: units, b: x, ldb: inputCount,
                                  beta: 1, c: dw + outputs.lowerBound * inputCount, ldc: inputCount)
                    }
                }
            }
        }
    }
}
