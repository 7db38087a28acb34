/// A fully connected layer, PyTorch's `Linear`: y = x·Wᵀ + b with W of shape [out, in].
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
        weight = Parameter(name: "weight", shape: [units, inputCount],
                           initializer: try settings.initializer("init", default: .kaimingNormal),
                           fanIn: inputCount, fanOut: units)
        bias = try settings.bool("bias", default: true)
            ? Parameter(name: "bias", shape: [units], initializer: .zeros, fanIn: inputCount, fanOut: units)
            : nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }
    public var multiplyAdds: Int { units * inputCount }

    public func forward(_ input: Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        self.input = input
        let batch = input.batchSize
        var output = [Float](repeating: 0, count: batch * units)
        if let bias {
            for n in 0..<batch {
                for u in 0..<units { output[n * units + u] = bias.value.scalars[u] }
            }
        }
        input.scalars.withUnsafeBufferPointer { x in
            weight.value.scalars.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { y in
                    BLAS.gemm(transposeB: true, m: batch, n: units, k: inputCount,
                              a: x.baseAddress!, lda: inputCount, b: w.baseAddress!, ldb: inputCount,
                              beta: 1, c: y.baseAddress!, ldc: units)
                }
            }
        }
        return Tensor(shape: [batch, units], scalars: output)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        let batch = input.batchSize
        var inputGradient = [Float](repeating: 0, count: batch * inputCount)
        outputGradient.scalars.withUnsafeBufferPointer { dy in
            if let bias {
                for n in 0..<batch {
                    for u in 0..<units { bias.gradient.scalars[u] += dy[n * units + u] }
                }
            }
            input.scalars.withUnsafeBufferPointer { x in
                weight.gradient.scalars.withUnsafeMutableBufferPointer { dw in
                    BLAS.gemm(transposeA: true, m: units, n: inputCount, k: batch,
                              a: dy.baseAddress!, lda: units, b: x.baseAddress!, ldb: inputCount,
                              beta: 1, c: dw.baseAddress!, ldc: inputCount)
                }
            }
            weight.value.scalars.withUnsafeBufferPointer { w in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    BLAS.gemm(m: batch, n: inputCount, k: units,
                              a: dy.baseAddress!, lda: units, b: w.baseAddress!, ldb: inputCount,
                              c: dx.baseAddress!, ldc: inputCount)
                }
            }
        }
        return Tensor(shape: [batch, inputCount], scalars: inputGradient)
    }
}
