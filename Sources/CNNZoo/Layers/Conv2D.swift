/// 2-D cross-correlation, PyTorch's `Conv2d`: y[n,o] = Σ_c W[o,c] ⋆ x[n,c] + b[o].
///
/// Lowered to one matrix product over the whole batch: the input is unfolded into
/// columns X̂ of shape [C·kh·kw, N·P] (P = output positions), then
/// Ŷ = W·X̂,  ∂W = ∂Ŷ·X̂ᵀ,  ∂X̂ = Wᵀ·∂Ŷ, and ∂X̂ is folded back onto the input.
public final class Conv2D: Layer {
    public static let kind = "conv2d"
    public static let summary = "2-D convolution (cross-correlation) with optional per-channel bias"
    public static let settings: [SettingDescription] = [
        SettingDescription("out_channels", "int", "number of filters"),
    ] + SlidingWindow.settings(strideDefault: "1") + [
        SettingDescription("bias", "bool", default: "true", "add a learned bias per output channel"),
        SettingDescription("init", "initializer", default: "kaiming_normal", "weight initializer"),
    ]

    let window: SlidingWindow
    public let outChannels: Int
    public let weight: Parameter
    public let bias: Parameter?
    public let outputShape: [Int]

    /// Rows of the unfolded input: C·kh·kw.
    private let patchSize: Int
    /// The unfolded input of the last forward batch, [patchSize, N·P].
    private var columns: [Float] = []
    private var columnGradient: [Float] = []
    private var batchSize = 0

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        window = try SlidingWindow(settings: settings, inputShape: inputShape,
                                   defaultStrideIsKernel: false, paddingBelowKernel: false)
        outChannels = try settings.int("out_channels", in: 1...65536)
        patchSize = window.channels * window.kernelHeight * window.kernelWidth
        let receptive = window.kernelHeight * window.kernelWidth
        weight = Parameter(name: "weight", shape: [outChannels, window.channels, window.kernelHeight, window.kernelWidth],
                           initializer: try settings.initializer("init", default: .kaimingNormal),
                           fanIn: window.channels * receptive, fanOut: outChannels * receptive)
        bias = try settings.bool("bias", default: true)
            ? Parameter(name: "bias", shape: [outChannels], initializer: .zeros, fanIn: patchSize, fanOut: outChannels)
            : nil
        outputShape = [outChannels, window.outputHeight, window.outputWidth]
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    public var multiplyAdds: Int { outChannels * patchSize * window.outputHeight * window.outputWidth }

    public func forward(_ input: Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        batchSize = input.batchSize
        let positions = window.outputHeight * window.outputWidth
        let columnsWidth = batchSize * positions
        if columns.count != patchSize * columnsWidth {
            columns = [Float](repeating: 0, count: patchSize * columnsWidth)
        }
        input.scalars.withUnsafeBufferPointer { x in
            columns.withUnsafeMutableBufferPointer { col in
                window.unfold(x.baseAddress!, batch: batchSize, into: col.baseAddress!)
            }
        }
        var product = [Float](repeating: 0, count: outChannels * columnsWidth)
        weight.value.scalars.withUnsafeBufferPointer { w in
            columns.withUnsafeBufferPointer { col in
                product.withUnsafeMutableBufferPointer { out in
                    BLAS.gemm(m: outChannels, n: columnsWidth, k: patchSize,
                              a: w.baseAddress!, lda: patchSize, b: col.baseAddress!, ldb: columnsWidth,
                              c: out.baseAddress!, ldc: columnsWidth)
                }
            }
        }
        // [O, N·P] → [N, O, P], adding the bias on the way.
        var output = [Float](repeating: 0, count: product.count)
        let biasValues = bias?.value.scalars ?? [Float](repeating: 0, count: outChannels)
        product.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { y in
                for n in 0..<batchSize {
                    for o in 0..<outChannels {
                        let from = o * columnsWidth + n * positions, to = (n * outChannels + o) * positions
                        let b = biasValues[o]
                        for p in 0..<positions { y[to + p] = source[from + p] + b }
                    }
                }
            }
        }
        return Tensor(shape: [batchSize] + outputShape, scalars: output)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        let positions = window.outputHeight * window.outputWidth
        let columnsWidth = batchSize * positions
        // [N, O, P] → [O, N·P]
        var gradientRows = [Float](repeating: 0, count: outChannels * columnsWidth)
        outputGradient.scalars.withUnsafeBufferPointer { dy in
            gradientRows.withUnsafeMutableBufferPointer { rows in
                for n in 0..<batchSize {
                    for o in 0..<outChannels {
                        let from = (n * outChannels + o) * positions, to = o * columnsWidth + n * positions
                        for p in 0..<positions { rows[to + p] = dy[from + p] }
                    }
                }
            }
        }
        if let bias {
            gradientRows.withUnsafeBufferPointer { rows in
                for o in 0..<outChannels {
                    var sum: Float = 0
                    for j in 0..<columnsWidth { sum += rows[o * columnsWidth + j] }
                    bias.gradient.scalars[o] += sum
                }
            }
        }
        if columnGradient.count != columns.count {
            columnGradient = [Float](repeating: 0, count: columns.count)
        }
        gradientRows.withUnsafeBufferPointer { rows in
            columns.withUnsafeBufferPointer { col in
                weight.gradient.scalars.withUnsafeMutableBufferPointer { dw in
                    BLAS.gemm(transposeB: true, m: outChannels, n: patchSize, k: columnsWidth,
                              a: rows.baseAddress!, lda: columnsWidth, b: col.baseAddress!, ldb: columnsWidth,
                              beta: 1, c: dw.baseAddress!, ldc: patchSize)
                }
            }
            weight.value.scalars.withUnsafeBufferPointer { w in
                columnGradient.withUnsafeMutableBufferPointer { dcol in
                    BLAS.gemm(transposeA: true, m: patchSize, n: columnsWidth, k: outChannels,
                              a: w.baseAddress!, lda: patchSize, b: rows.baseAddress!, ldb: columnsWidth,
                              c: dcol.baseAddress!, ldc: columnsWidth)
                }
            }
        }
        var inputGradient = [Float](repeating: 0, count: batchSize * window.channels * window.height * window.width)
        columnGradient.withUnsafeBufferPointer { dcol in
            inputGradient.withUnsafeMutableBufferPointer { dx in
                window.fold(dcol.baseAddress!, batch: batchSize, into: dx.baseAddress!)
            }
        }
        return Tensor(shape: [batchSize, window.channels, window.height, window.width], scalars: inputGradient)
    }
}
