/// 2-D cross-correlation, PyTorch's `Conv2d`: y[n,o] = Σ_c W[o,c] ⋆ x[n,c] + b[o].
///
/// The batch is split into one chunk of m samples per thread. A chunk's inputs are unfolded
/// side by side into columns X̂ of shape [C·kh·kw, m·P] (P = output positions), so each
/// product is one large matrix multiplication: Ŷ = W·X̂, ∂W = ∂Ŷ·X̂ᵀ, ∂X̂ = Wᵀ·∂Ŷ, and ∂X̂
/// folds back onto the input. Each chunk's ∂W is added in chunk order (deterministic).
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
    private let positions: Int
    /// The unfolded input of the last forward batch: chunk after chunk, each [patchSize, m·P].
    private var columns: [Float] = []
    /// Per-thread room for one chunk's [O, m·P] product or gradient.
    private var products: [Float] = []
    private var batchSize = 0

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        window = try SlidingWindow(settings: settings, inputShape: inputShape,
                                   defaultStrideIsKernel: false, paddingBelowKernel: false)
        outChannels = try settings.int("out_channels", in: 1...65536)
        patchSize = window.channels * window.kernelHeight * window.kernelWidth
        positions = window.outputHeight * window.outputWidth
        try Parameter.checkSize([outChannels, window.channels, window.kernelHeight, window.kernelWidth],
                                layer: settings.layerName, name: "weight")
        try Parameter.checkSize([patchSize, positions], layer: settings.layerName, name: "the unfolded input of one sample")
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

    public var multiplyAdds: Int { outChannels * patchSize * positions }

    private var inputSize: Int { window.channels * window.height * window.width }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        batchSize = input.batchSize
        let (k, p, o, inputSize) = (patchSize, positions, outChannels, inputSize)
        if columns.count != batchSize * k * p { columns = [Float](repeating: 0, count: batchSize * k * p) }
        if products.count != batchSize * o * p { products = [Float](repeating: 0, count: batchSize * o * p) }
        var output = Tensor.uninitialized([batchSize] + outputShape)
        let biasValues = bias?.value.scalars ?? [Float](repeating: 0, count: o)
        input.scalars.withUnsafeBufferPointer { x in
            columns.withUnsafeMutableBufferPointer { col in
                products.withUnsafeMutableBufferPointer { product in
                    weight.value.scalars.withUnsafeBufferPointer { w in
                        output.scalars.withUnsafeMutableBufferPointer { y in
                            let (x, col, product, w, y) = (x.baseAddress!, col.baseAddress!, product.baseAddress!, w.baseAddress!, y.baseAddress!)
                            Parallelism.forEachChunk(batchSize) { _, samples in
                                let m = samples.count, width = m * p
                                let chunkColumns = col + samples.lowerBound * k * p
                                let chunkProduct = product + samples.lowerBound * o * p
                                for n in samples {
                                    window.unfold(x + n * inputSize, into: chunkColumns + (n - samples.lowerBound) * p, rowStride: width)
                                }
                                BLAS.gemm(m: o, n: width, k: k, a: w, lda: k, b: chunkColumns, ldb: width, c: chunkProduct, ldc: width)
                                // [O, m·P] → [m, O, P], adding the bias.
                                for n in samples {
                                    for channel in 0..<o {
                                        let source = chunkProduct + channel * width + (n - samples.lowerBound) * p
                                        let target = y + (n * o + channel) * p
                                        let b = biasValues[channel]
                                        for i in 0..<p { target[i] = source[i] + b }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        backward(outputGradient, needsInputGradient: true)
    }

    public func accumulateParameterGradients(_ outputGradient: Tensor) {
        _ = backward(outputGradient, needsInputGradient: false)
    }

    private func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        let (k, p, o, inputSize) = (patchSize, positions, outChannels, inputSize)
        let chunks = Parallelism.chunkCount(batchSize)
        var weightParts = [Float](repeating: 0, count: chunks * o * k)
        var biasParts = [Float](repeating: 0, count: chunks * o)
        var inputGradient = needsInputGradient ? Tensor(zeros: [batchSize, window.channels, window.height, window.width]) : Tensor(zeros: [0])
        outputGradient.scalars.withUnsafeBufferPointer { dy in
            columns.withUnsafeMutableBufferPointer { col in
                products.withUnsafeMutableBufferPointer { product in
                    weight.value.scalars.withUnsafeBufferPointer { w in
                        weightParts.withUnsafeMutableBufferPointer { dw in
                            biasParts.withUnsafeMutableBufferPointer { db in
                                inputGradient.scalars.withUnsafeMutableBufferPointer { dx in
                                    let (dy, col, product, w, dw, db) = (dy.baseAddress!, col.baseAddress!, product.baseAddress!,
                                                                          w.baseAddress!, dw.baseAddress!, db.baseAddress!)
                                    let dx = dx.baseAddress
                                    Parallelism.forEachChunk(batchSize) { chunk, samples in
                                        let m = samples.count, width = m * p
                                        let chunkColumns = col + samples.lowerBound * k * p
                                        let rows = product + samples.lowerBound * o * p
                                        // [m, O, P] → [O, m·P], summing each channel for ∂b.
                                        for n in samples {
                                            for channel in 0..<o {
                                                let source = dy + (n * o + channel) * p
                                                let target = rows + channel * width + (n - samples.lowerBound) * p
                                                var sum: Float = 0
                                                for i in 0..<p {
                                                    target[i] = source[i]
                                                    sum += source[i]
                                                }
                                                db[chunk * o + channel] += sum
                                            }
                                        }
                                        BLAS.gemm(transposeB: true, m: o, n: k, k: width, a: rows, lda: width, b: chunkColumns, ldb: width,
                                                  c: dw + chunk * o * k, ldc: k)
                                        if needsInputGradient, let dx {
                                            // The chunk's columns are no longer needed: ∂X̂ overwrites them.
                                            BLAS.gemm(transposeA: true, m: k, n: width, k: o, a: w, lda: k, b: rows, ldb: width,
                                                      c: chunkColumns, ldc: width)
                                            for n in samples {
                                                window.fold(chunkColumns + (n - samples.lowerBound) * p, rowStride: width, into: dx + n * inputSize)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for chunk in 0..<chunks {
            for i in 0..<(o * k) { weight.gradient.scalars[i] += weightParts[chunk * o * k + i] }
            if let bias {
                for i in 0..<o { bias.gradient.scalars[i] += biasParts[chunk * o + i] }
            }
        }
        return inputGradient
    }
}
