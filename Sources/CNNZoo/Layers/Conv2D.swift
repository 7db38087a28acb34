/// 2-D cross-correlation, PyTorch's `Conv2d`: y[n,o] = Σ_c W[o,c] ⋆ x[n,c] + b[o].
///
/// With `groups` = G the channels split into G groups and output channel o sees only its own
/// group's C/G input channels (W is [O, C/G, kh, kw]); G = C is a depthwise convolution. The
/// unfolded rows of group g are a contiguous block of X̂, so each group is the same product
/// over its block: Y_g = W_g·X̂_g, ∂W_g += ∂Y_g·X̂_gᵀ, ∂X̂_g = W_gᵀ·∂Y_g.
///
/// One sample at a time: its input is unfolded into columns X̂ of shape [C·kh·kw, P]
/// (P = output positions), so each product is one matrix multiplication — Y = W·X̂,
/// ∂W += ∂Y·X̂ᵀ, ∂X̂ = Wᵀ·∂Y, and ∂X̂ folds back onto the input. A sample's columns fit in
/// the core's cache, and backward unfolds them again rather than keeping the whole
/// batch's; a pointwise window's (1×1, stride 1, unpadded) are the sample itself, read in
/// place. The batch is split into one chunk per thread; each chunk sums its samples' ∂W in
/// sample order and the chunks' sums are added in chunk order (deterministic).
///
/// With the AVX2 or AVX-512 kernels, a 3×3, stride-1 window over 4 or more channels (mnist-16-32-64's
/// conv2 and conv3) runs Winograd's F(4×4, 3×3) or F(2×2, 3×3) instead, ``WinogradConvolution``: up
/// to 4× fewer multiplies, values within float rounding of the direct sum.
///
/// With long patches (``transposedWeightGradient``) ∂W is formed transposed,
/// ∂Wᵀ += X̂·∂Yᵀ, a plain product once ∂Y is transposed, which OpenBLAS runs faster than
/// ∂Y·X̂ᵀ with its second operand transposed, with equal sums. With thin ones
/// (``usesOwnProducts``) Y and ∂X̂ are formed by the engine's own product. The measurements
/// behind these choices are in `Kernels/PERFORMANCE.md`.
public final class Conv2D: RegisteredLayer, SampleProducingLayer {
    public static let kind = "conv2d"
    public static let summary = "2-D convolution (cross-correlation) with optional per-channel bias"
    /// The settings other than the window's, each declared once.
    enum Declared {
        static let outChannels = Setting.integer("out_channels", in: 1...65536, "number of filters")
        static let groups = Setting.integer("groups", default: 1, in: 1...65536,
                                            "channel groups: each filter sees in_channels/groups channels (groups = in_channels is depthwise)")
        static let bias = Setting.bool("bias", default: true, "add a learned bias per output channel")
        static let initializer = Setting.initializer("init", default: .kaimingNormal, "weight initializer")
    }
    public static let settings: [SettingDescription] = [Declared.outChannels.description] + SlidingWindow.settings(strideDefault: "1")
        + [Declared.groups.description, Declared.bias.description, Declared.initializer.description]

    /// The kernel, stride and padding over the input.
    public let window: SlidingWindow
    public let outChannels: Int
    /// The channel groups G: input and output channels both divide into G.
    public let groups: Int
    public let weight: Parameter
    public let bias: Parameter?
    public let outputShape: [Int]

    /// Rows of the unfolded input: C·kh·kw.
    private let patchSize: Int
    /// One group's rows of the unfolded input, (C/G)·kh·kw, and its output channels O/G.
    private let groupPatchSize: Int, groupOutputs: Int
    private let positions: Int
    private var input = Tensor(zeros: [0])
    /// One sample's columns [patchSize, P] per thread.
    private let columns = ScratchBuffer<Float>()
    /// Each chunk's partial ∂W [O, patchSize] and ∂b [O].
    private let weightPartials = ScratchBuffer<Float>(), biasPartials = ScratchBuffer<Float>()
    /// Per thread, for ``transposedWeightGradient``: one sample's ∂Yᵀ [P, O] and the chunk's ∂Wᵀ [patchSize, O].
    private let transposes = ScratchBuffer<Float>()
    /// Whether ∂W is formed as ∂Wᵀ = X̂·∂Yᵀ: for patches of ``transposedWeightGradientRows`` or
    /// more. Tests set it to compare the two forms.
    var transposedWeightGradient: Bool
    /// The fewest patch rows for which ∂W is formed transposed: with fewer (conv1's 9),
    /// transposing ∂Y costs more than the plainer product gains.
    public static let transposedWeightGradientRows = 32
    /// Whether Y = W·X̂ and ∂X̂ = Wᵀ·∂Y use the engine's own product (``Kernels``' `multiply`)
    /// instead of sgemm: for the thin patches that keep ∂W untransposed (conv1's 9 rows), where
    /// sgemm's call and packing outweigh the work. Long patches stay on sgemm, which is far
    /// ahead there.
    private var usesOwnProducts: Bool { !transposedWeightGradient }
    /// The Winograd form of this window, where it applies. Tests swap in the other tile size.
    var winograd: WinogradConvolution?
    /// Whether ``winograd`` is used where it applies: with the AVX2 and AVX-512 kernels, whose own
    /// products (``Kernels/multiply(transposeA:m:n:k:a:lda:b:ldb:accumulate:c:ldc:)``) make it faster
    /// than the direct path; the portable kernels have no FMA instruction for them. Tests set it to
    /// run either path.
    var usesWinograd = Kernels.variant != .portable
    private var winogradInUse: WinogradConvolution? { usesWinograd ? winograd : nil }
    /// Whether the window is 1×1 with stride 1 and no padding, so that a sample's unfolded columns
    /// are the sample itself ([C, H·W]): the products then read the input where it lies.
    let isPointwise: Bool

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        window = try SlidingWindow(settings: settings, inputShape: inputShape,
                                   defaultStrideIsKernel: false, paddingBelowKernel: false)
        outChannels = try settings.value(Declared.outChannels)
        groups = try settings.value(Declared.groups)
        guard window.channels % groups == 0, outChannels % groups == 0 else {
            throw ModelError.badSetting(layer: settings.layerName,
                                        message: "'groups' \(groups) must divide both the \(window.channels) input channels and 'out_channels' \(outChannels)")
        }
        patchSize = window.channels * window.kernelHeight * window.kernelWidth
        groupPatchSize = patchSize / groups
        groupOutputs = outChannels / groups
        positions = window.outputHeight * window.outputWidth
        let groupChannels = window.channels / groups
        try Parameter.checkSize([outChannels, groupChannels, window.kernelHeight, window.kernelWidth],
                                layer: settings.layerName, name: "weight")
        try Parameter.checkSize([patchSize, positions], layer: settings.layerName, name: "the unfolded input of one sample")
        let receptive = window.kernelHeight * window.kernelWidth
        // The fans PyTorch reads off a grouped W's shape: in (C/G)·kh·kw, out O·kh·kw.
        weight = Parameter(name: "weight", shape: [outChannels, groupChannels, window.kernelHeight, window.kernelWidth],
                           initializer: try settings.value(Declared.initializer),
                           fanIn: groupChannels * receptive, fanOut: outChannels * receptive)
        bias = try settings.value(Declared.bias)
            ? Parameter(name: "bias", shape: [outChannels], initializer: .zeros, fanIn: groupPatchSize, fanOut: outChannels)
            : nil
        outputShape = [outChannels, window.outputHeight, window.outputWidth]
        transposedWeightGradient = groupPatchSize >= Self.transposedWeightGradientRows
        winograd = groups == 1 ? WinogradConvolution(window: window, outputs: outChannels) : nil
        isPointwise = window.kernelHeight == 1 && window.kernelWidth == 1 && window.strideHeight == 1 && window.strideWidth == 1
            && window.padding == Padding(top: 0, bottom: 0, left: 0, right: 0)
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    public var multiplyAdds: Int { outChannels * groupPatchSize * positions }

    public var performedMultiplyAdds: Int { winogradInUse?.multiplyAdds ?? multiplyAdds }

    /// How the products are formed, for `bench`: Winograd, or im2col (with ∂W transposed, or with the
    /// engine's own product for Y and ∂X̂).
    public var method: String {
        winogradInUse.map(\.name) ?? (transposedWeightGradient ? "im2col with ∂W as (X̂·∂Yᵀ)ᵀ" : "im2col with the engine's product for Y and ∂X̂")
    }

    private var inputSize: Int { window.channels * window.height * window.width }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        forward(input, mode: mode, random: &random) { _ in }
    }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator,
                        epilogue: (_ sample: UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        self.input = input
        let (k, p, o, inputSize, batch) = (patchSize, positions, outChannels, inputSize, self.input.batchSize)
        let (groups, kg, og) = (groups, groupPatchSize, groupOutputs)
        let (hasBias, ownProducts) = (bias != nil, usesOwnProducts)
        let pointwise = isPointwise
        let columns = columns.reserve(winogradInUse == nil && !pointwise ? Parallelism.chunkCount(batch) * k * p : 0)
        var output = Tensor.uninitialized([batch] + outputShape)
        withPointers(self.input, weight.value, bias?.value ?? Tensor(zeros: [0])) { x, w, b in
            output.withMutablePointer { y in
                if let winograd = winogradInUse {
                    winograd.forward(x, weight: w, batch: batch, into: y) { _, yn in
                        if hasBias { Self.addChannelBias(b, channels: o, positions: p, to: yn) }
                        epilogue(yn)
                    }
                    return
                }
                Parallelism.forEachChunk(batch) { chunk, samples in
                    for n in samples {
                        let yn = y + n * o * p
                        let columns = pointwise ? UnsafeMutablePointer(mutating: x + n * inputSize) : columns + chunk * k * p
                        if !pointwise { Kernels.unfold(window, x + n * inputSize, into: columns, rowStride: p) }
                        for g in 0..<groups {
                            Self.multiply(ownProducts: ownProducts, m: og, n: p, k: kg, a: w + g * og * kg, lda: kg,
                                          b: columns + g * kg * p, ldb: p, c: yn + g * og * p, ldc: p)
                        }
                        if hasBias { Self.addChannelBias(b, channels: o, positions: p, to: yn) }
                        epilogue(yn)
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
        let (k, p, o, inputSize, batch) = (patchSize, positions, outChannels, inputSize, input.batchSize)
        let (groups, kg, og) = (groups, groupPatchSize, groupOutputs)
        let hasBias = bias != nil
        let chunks = Parallelism.chunkCount(batch)
        let direct = winogradInUse == nil
        let columns = columns.reserve(direct ? chunks * k * p : 0)
        let weightPartials = weightPartials.reserve(chunks * o * kg), biasPartials = biasPartials.reserve(chunks * o)
        let (transposed, ownProducts) = (transposedWeightGradient, usesOwnProducts)
        let transposes = transposes.reserve(direct && transposed ? chunks * (p + k) * o : 0)
        // Each sample's ∂x is cleared just before its columns fold onto it (in parallel, in cache).
        var inputGradient = needsInputGradient ? Tensor.uninitialized([batch, window.channels, window.height, window.width]) : Tensor(zeros: [0])
        withPointers(outputGradient, input, weight.value) { dy, x, w in
            inputGradient.withMutablePointer { dx in
                if let winograd = winogradInUse {
                    biasPartials.update(repeating: 0, count: chunks * o)
                    winograd.backward(x, weight: w, outputGradient: dy, batch: batch, weightPartials: weightPartials,
                                      inputGradient: needsInputGradient ? dx : nil) { chunk, n in
                        if hasBias { Self.addChannelSums(dy + n * o * p, channels: o, positions: p, to: biasPartials + chunk * o) }
                    }
                    return
                }
                Parallelism.forEachChunk(batch) { chunk, samples in
                    let columns = columns + chunk * k * p
                    let dw = weightPartials + chunk * o * kg, db = biasPartials + chunk * o
                    let dyT = transposes + chunk * (p + k) * o, dwT = dyT + p * o
                    db.update(repeating: 0, count: o)
                    for n in samples {
                        let dyn = dy + n * o * p
                        if hasBias { Self.addChannelSums(dyn, channels: o, positions: p, to: db) }
                        // A pointwise convolution's columns are its input; ∂X̂ still goes through
                        // `columns`, which then holds only that.
                        let unfolded = isPointwise ? x + n * inputSize : UnsafePointer(columns)
                        if !isPointwise { Kernels.unfold(window, x + n * inputSize, into: columns, rowStride: p) }
                        // The chunk's first sample starts its partial ∂W; the others add to it.
                        let beta: Float = n == samples.lowerBound ? 0 : 1
                        if transposed { BLAS.transpose(rows: o, columns: p, a: dyn, lda: p, into: dyT, ldb: o) }
                        for g in 0..<groups {
                            if transposed {
                                BLAS.gemm(m: kg, n: og, k: p, a: unfolded + g * kg * p, lda: p, b: dyT + g * og, ldb: o,
                                          beta: beta, c: dwT + g * og, ldc: o)
                            } else {
                                BLAS.gemm(transposeB: true, m: og, n: kg, k: p, a: dyn + g * og * p, lda: p,
                                          b: unfolded + g * kg * p, ldb: p, beta: beta, c: dw + g * og * kg, ldc: kg)
                            }
                        }
                        if needsInputGradient {
                            for g in 0..<groups {
                                Self.multiply(ownProducts: ownProducts, transposeA: true, m: kg, n: p, k: og,
                                              a: w + g * og * kg, lda: kg, b: dyn + g * og * p, ldb: p,
                                              c: columns + g * kg * p, ldc: p)
                            }
                            (dx + n * inputSize).update(repeating: 0, count: inputSize)
                            Kernels.fold(window, columns, rowStride: p, into: dx + n * inputSize)
                        }
                    }
                    if transposed { BLAS.transpose(rows: kg, columns: o, a: dwT, lda: o, into: dw, ldb: kg) }
                }
            }
        }
        weight.accumulate(partials: weightPartials, chunks: chunks)
        bias?.accumulate(partials: biasPartials, chunks: chunks)
        return inputGradient
    }

    /// C = op(A)·B for Y and ∂X̂: by the engine's own product or by sgemm (see ``usesOwnProducts``).
    @inline(__always)
    private static func multiply(ownProducts: Bool, transposeA: Bool = false, m: Int, n: Int, k: Int,
                                 a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                 c: UnsafeMutablePointer<Float>, ldc: Int) {
        if ownProducts {
            Kernels.multiply(transposeA: transposeA, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
        } else {
            BLAS.gemm(transposeA: transposeA, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
        }
    }

    /// db[o] += Σ dy[o,·] for one sample.
    private static func addChannelSums(_ dy: UnsafePointer<Float>, channels: Int, positions: Int,
                                       to db: UnsafeMutablePointer<Float>) {
        for channel in 0..<channels {
            var sum: Float = 0
            for i in 0..<positions { sum += dy[channel * positions + i] }
            db[channel] += sum
        }
    }

    /// y[o,·] += b[o] for one sample.
    private static func addChannelBias(_ b: UnsafePointer<Float>, channels: Int, positions: Int,
                                       to y: UnsafeMutablePointer<Float>) {
        for channel in 0..<channels {
            let value = b[channel], row = y + channel * positions
            for i in 0..<positions { row[i] += value }
        }
    }
}
