/// A fully connected layer, PyTorch's `Linear`: y = x·Wᵀ + b with W of shape [out, in].
///
/// The batch is split into one chunk of samples per thread: each chunk computes its rows of y
/// and ∂x, and its partial ∂W = ∂y_cᵀ·x_c and ∂b, which are added in chunk order (∂W's a block
/// of columns at a time, see ``Parameter/accumulate(chunks:rows:columns:partial:)``). Training's
/// forward product (B transposed) is OpenBLAS's sgemm; evaluation's and the backward ones are the
/// engine's own ``Kernels/multiply(transposeA:m:n:k:a:lda:b:ldb:accumulate:c:ldc:)``, which keeps
/// a block of the result in registers and is at least as fast as OpenBLAS on these shapes.
public final class Dense: RegisteredLayer {
    public static let kind = "dense"
    public static let summary = "fully connected layer y = x·Wᵀ + b (W is [out, in])"
    /// Each setting, declared once.
    enum Declared {
        static let units = Setting.integer("units", in: 1...1 << 20, "number of outputs")
        static let bias = Setting.bool("bias", default: true, "add a learned bias per output")
        static let initializer = Setting.initializer("init", default: .kaimingNormal, "weight initializer")
    }
    public static let settings = [Declared.units.description, Declared.bias.description, Declared.initializer.description]

    public let inputCount: Int
    public let units: Int
    public let weight: Parameter
    public let bias: Parameter?
    public var outputShape: [Int] { [units] }
    private var input = Tensor(zeros: [0])
    /// Each chunk's partial ∂b [units].
    private let biasPartials = ScratchBuffer<Float>()

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        guard inputShape.count == 1 else {
            throw ModelError.shapeMismatch(layer: settings.layerName,
                message: "dense expects a flat input but gets \(inputShape); add a flatten or reshape layer before it")
        }
        inputCount = inputShape[0]
        units = try settings.value(Declared.units)
        try Parameter.checkSize([units, inputCount], layer: settings.layerName, name: "weight")
        weight = Parameter(name: "weight", shape: [units, inputCount],
                           initializer: try settings.value(Declared.initializer),
                           fanIn: inputCount, fanOut: units)
        bias = try settings.value(Declared.bias)
            ? Parameter(name: "bias", shape: [units], initializer: .zeros, fanIn: inputCount, fanOut: units)
            : nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }
    public var multiplyAdds: Int { units * inputCount }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        if mode == .evaluation { return evaluate(input) }
        self.input = input
        let (batch, units, inputCount) = (self.input.batchSize, units, inputCount)
        var output = Tensor.uninitialized([batch, units])
        let bias = bias?.value ?? Tensor(zeros: [units])
        withPointers(self.input, weight.value, bias) { x, w, b in
            output.withMutablePointer { y in
                Parallelism.forEachChunk(batch) { _, rows in
                    // y = b, then y += x·Wᵀ.
                    for n in rows { (y + n * units).update(from: b, count: units) }
                    BLAS.gemm(transposeB: true, m: rows.count, n: units, k: inputCount,
                              a: x + rows.lowerBound * inputCount, lda: inputCount, b: w, ldb: inputCount,
                              beta: 1, c: y + rows.lowerBound * units, ldc: units)
                }
            }
        }
        return output
    }

    /// Evaluation's xᵀ and yᵀ, chunk by chunk.
    private let transposed = ScratchBuffer<Float>()

    /// The evaluation pass: yᵀ = W·xᵀ chunk by chunk, W read where it lies. sgemm would pack all
    /// of W again for every chunk — as long as the product itself on a large layer and a thin
    /// chunk — where the engine's product streams a chunk's transposed input past blocks of W's
    /// rows. Each output is b + one chain of fused multiply-adds in input order, so it is the same
    /// on any thread count (not, to the last bit, training's sgemm sums).
    func evaluate(_ input: Tensor) -> Tensor {
        let (batch, units, inputCount) = (input.batchSize, units, inputCount)
        var output = Tensor.uninitialized([batch, units])
        let scratch = UncheckedSendable(transposed.reserve(batch * (inputCount + units)))
        let bias = bias?.value ?? Tensor(zeros: [units])
        withPointers(input, weight.value, bias) { x, w, b in
            output.withMutablePointer { y in
                Parallelism.forEachChunk(batch) { _, rows in
                    let xT = scratch.value + rows.lowerBound * inputCount
                    let yT = scratch.value + batch * inputCount + rows.lowerBound * units
                    let m = rows.count
                    BLAS.transpose(rows: m, columns: inputCount, a: x + rows.lowerBound * inputCount, lda: inputCount, into: xT, ldb: m)
                    Kernels.multiply(m: units, n: m, k: inputCount, a: w, lda: inputCount, b: xT, ldb: m, c: yT, ldc: m)
                    for n in 0..<m {
                        let row = y + (rows.lowerBound + n) * units
                        for u in 0..<units { row[u] = b[u] + yT[u * m + n] }
                    }
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        var inputGradient = Tensor.uninitialized([input.batchSize, inputCount])
        backward(outputGradient, inputGradient: &inputGradient)
        return inputGradient
    }

    public func accumulateParameterGradients(_ outputGradient: Tensor) {
        var none = Tensor(zeros: [0])
        backward(outputGradient, inputGradient: &none)
    }

    /// ∂W and ∂b, and ∂x unless `inputGradient` is empty.
    private func backward(_ outputGradient: Tensor, inputGradient: inout Tensor) {
        let (batch, units, inputCount) = (input.batchSize, units, inputCount)
        let needsInputGradient = inputGradient.count > 0
        let chunks = Parallelism.chunkCount(batch)
        let biasPartials = biasPartials.reserve(chunks * units)
        withPointers(outputGradient, input, weight.value) { dy, x, w in
            inputGradient.withMutablePointer { dx in
                Parallelism.forEachChunk(batch) { chunk, rows in
                    let (dy, m) = (dy + rows.lowerBound * units, rows.count)
                    let db = biasPartials + chunk * units
                    db.update(repeating: 0, count: units)
                    for n in 0..<m {
                        for u in 0..<units { db[u] += dy[n * units + u] }
                    }
                    if needsInputGradient {
                        Kernels.multiply(m: m, n: inputCount, k: units, a: dy, lda: units, b: w, ldb: inputCount,
                                         c: dx + rows.lowerBound * inputCount, ldc: inputCount)
                    }
                }
            }
            // ∂W's chunk partials dyᵀ·x, a block of input columns at a time.
            weight.accumulate(chunks: chunks, rows: units, columns: inputCount) { chunk, block, partial, stride in
                let rows = Parallelism.range(chunk, of: chunks, over: batch)
                Kernels.multiply(transposeA: true, m: units, n: block.count, k: rows.count,
                                 a: dy + rows.lowerBound * units, lda: units,
                                 b: x + rows.lowerBound * inputCount + block.lowerBound, ldb: inputCount,
                                 c: partial, ldc: stride)
            }
        }
        bias?.accumulate(partials: biasPartials, chunks: chunks)
    }
}
