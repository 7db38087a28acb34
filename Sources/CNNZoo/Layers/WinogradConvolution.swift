/// A 3×3, stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray,
/// "Fast Algorithms for Convolutional Neural Networks", 2016): 16 multiplies per 2×2 output
/// tile and channel pair instead of 36, 2.25× fewer where the output is even-sized.
///
/// Each 4×4 input tile d and each filter g are transformed (V = Bᵀ·d·B, U = G·g·Gᵀ); then for
/// every point ξ of the 4×4 transform one matrix product over channels, M[ξ] = V[ξ]·U[ξ]
/// (tiles × channels times channels × filters); and each tile's output is Aᵀ·M·A. Backward runs
/// the adjoints: ∂M = A·∂Y·Aᵀ, ∂U[ξ] += V[ξ]ᵀ·∂M[ξ], ∂V[ξ] = ∂M[ξ]·U[ξ]ᵀ, and the transforms'
/// adjoints carry ∂U back to ∂W and ∂V to ∂X. The transforms only add and halve, so values stay
/// within a few float roundings of the direct sum. They run with the channels innermost, a
/// vector of channels at a time (a map is only a few tiles across): each sample's maps are
/// transposed to [H, W, C] and back by OpenBLAS's `somatcopy`. A few samples go through
/// each product together, while the group stays in the core's cache. The products are the
/// engine's own (``Kernels/multiply(transposeA:m:n:k:a:lda:b:ldb:accumulate:c:ldc:)``): on these
/// shapes (K = 16–64) a general sgemm spent as long calling, packing and clearing as multiplying.
///
/// Chunks and sums run in a fixed order, as in ``Conv2D``'s direct path: deterministic.
final class WinogradConvolution {
    /// The points of the 4×4 transform: one matrix product each.
    static let points = 16
    /// Samples whose tiles go through each product together: enough rows for the products to run
    /// at speed, few enough for the group to stay in the core's cache (`Kernels/PERFORMANCE.md`
    /// has the measurements that chose 4).
    static let groupSize = 4
    /// The fewest input channels worth it: with conv1's single channel the products are too thin.
    static let minimumChannels = 4

    let window: SlidingWindow
    let outputs: Int
    private let tilesPerSample: Int
    /// Floats of work space a thread needs for the transforms of one sample.
    private let planeScratch: Int
    /// U = G·g·Gᵀ for every filter, [16, C, O], then transposed, [16, O, C].
    private let filters = ScratchBuffer<Float>()
    /// Per thread: one group's V [16, tiles, C] and M [16, tiles, O], the transforms' scratch, and one
    /// sample's input and output maps transposed, channels innermost, for them.
    private let tiles = ScratchBuffer<Float>()
    /// Each chunk's ∂U [16, C, O].
    private let filterGradients = ScratchBuffer<Float>()

    /// The Winograd form of `window` with `outputs` filters, or nil when it does not apply
    /// (a window other than 3×3 with stride 1, or fewer than ``minimumChannels`` channels).
    init?(window: SlidingWindow, outputs: Int) {
        guard window.kernelHeight == 3, window.kernelWidth == 3, window.strideHeight == 1, window.strideWidth == 1,
              window.channels >= Self.minimumChannels else { return nil }
        self.window = window
        self.outputs = outputs
        let (tileRows, tileColumns) = ((window.outputHeight + 1) / 2, (window.outputWidth + 1) / 2)
        tilesPerSample = tileRows * tileColumns
        planeScratch = Kernels.winogradScratch(window, outputs: outputs)
    }

    /// Multiplies per sample in the products (the transforms only add).
    var multiplyAdds: Int { Self.points * outputs * window.channels * tilesPerSample }

    private var inputSize: Int { window.channels * window.height * window.width }
    private var outputSize: Int { outputs * window.outputHeight * window.outputWidth }
    private var groupTiles: Int { Self.groupSize * tilesPerSample }
    private var threadScratch: Int { Self.points * (window.channels + outputs) * groupTiles + planeScratch + inputSize + outputSize }
    private var positions: Int { window.height * window.width }
    private var outputPositions: Int { window.outputHeight * window.outputWidth }

    /// y = W ⋆ x for each sample of the batch; `finish(n, y_n)` runs on each sample's output as
    /// soon as it is written, on the thread that wrote it.
    func forward(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, batch: Int, into y: UnsafeMutablePointer<Float>,
                 finish: (_ sample: Int, _ output: UnsafeMutablePointer<Float>) -> Void) {
        let (c, o, points) = (window.channels, outputs, Self.points)
        let u = filters.reserve(points * o * c)
        Kernels.winogradFilter(w, outputs: o, channels: c, into: u, transposed: nil)
        let scratch = tiles.reserve(Parallelism.chunkCount(batch) * threadScratch)
        Parallelism.forEachChunk(batch) { chunk, samples in
            let v = scratch + chunk * threadScratch, m = v + points * c * groupTiles, plane = m + points * o * groupTiles
            let xT = plane + planeScratch, yT = xT + inputSize
            forEachGroup(of: samples) { group, tileCount in
                for (index, n) in group.enumerated() {
                    BLAS.transpose(rows: c, columns: positions, a: x + n * inputSize, lda: positions, into: xT, ldb: c)
                    Kernels.winogradInput(window, xT, into: v + index * tilesPerSample * c, pointStride: tileCount * c, scratch: plane)
                }
                for point in 0..<points {
                    Kernels.multiply(m: tileCount, n: o, k: c, a: v + point * tileCount * c, lda: c,
                                     b: u + point * c * o, ldb: o, c: m + point * tileCount * o, ldc: o)
                }
                for (index, n) in group.enumerated() {
                    let yn = y + n * outputSize
                    Kernels.winogradOutput(window, outputs: o, m + index * tilesPerSample * o, pointStride: tileCount * o,
                                           into: yT, scratch: plane)
                    BLAS.transpose(rows: outputPositions, columns: o, a: yT, lda: o, into: yn, ldb: outputPositions)
                    finish(n, yn)
                }
            }
        }
    }

    /// Each chunk's ∂W [O, C, 3, 3] into `weightPartials` (chunk after chunk) and, when `dx` is given,
    /// ∂x for every sample. `eachSample(chunk, n)` runs once per sample on its chunk's thread.
    func backward(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                  batch: Int, weightPartials: UnsafeMutablePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>?,
                  eachSample: (_ chunk: Int, _ sample: Int) -> Void) {
        let (c, o, points) = (window.channels, outputs, Self.points)
        let chunks = Parallelism.chunkCount(batch)
        let u = filters.reserve(2 * points * o * c), ut = u + points * o * c
        Kernels.winogradFilter(w, outputs: o, channels: c, into: u, transposed: ut)
        let scratch = tiles.reserve(chunks * threadScratch)
        let filterGradients = filterGradients.reserve(chunks * points * o * c)
        Parallelism.forEachChunk(batch) { chunk, samples in
            let v = scratch + chunk * threadScratch, dm = v + points * c * groupTiles, plane = dm + points * o * groupTiles
            let du = filterGradients + chunk * points * c * o
            let xT = plane + planeScratch, yT = xT + inputSize
            forEachGroup(of: samples) { group, tileCount in
                for (index, n) in group.enumerated() {
                    eachSample(chunk, n)
                    BLAS.transpose(rows: c, columns: positions, a: x + n * inputSize, lda: positions, into: xT, ldb: c)
                    Kernels.winogradInput(window, xT, into: v + index * tilesPerSample * c, pointStride: tileCount * c, scratch: plane)
                    BLAS.transpose(rows: o, columns: outputPositions, a: dy + n * outputSize, lda: outputPositions, into: yT, ldb: o)
                    Kernels.winogradOutputAdjoint(window, outputs: o, yT, into: dm + index * tilesPerSample * o,
                                                  pointStride: tileCount * o, scratch: plane)
                }
                // The chunk's first group starts its ∂U; the others add to it.
                let accumulate = group.lowerBound != samples.lowerBound
                for point in 0..<points {
                    Kernels.multiply(transposeA: true, m: c, n: o, k: tileCount, a: v + point * tileCount * c, lda: c,
                                     b: dm + point * tileCount * o, ldb: o, accumulate: accumulate, c: du + point * c * o, ldc: o)
                }
                guard let dx else { return }
                // ∂V overwrites V, which the products above were the last to read.
                for point in 0..<points {
                    Kernels.multiply(m: tileCount, n: c, k: o, a: dm + point * tileCount * o, lda: o,
                                     b: ut + point * o * c, ldb: c, c: v + point * tileCount * c, ldc: c)
                }
                for (index, n) in group.enumerated() {
                    Kernels.winogradInputAdjoint(window, v + index * tilesPerSample * c, pointStride: tileCount * c,
                                                 into: xT, scratch: plane)
                    BLAS.transpose(rows: positions, columns: c, a: xT, lda: c, into: dx + n * inputSize, ldb: positions)
                }
            }
            Kernels.winogradFilterAdjoint(du, outputs: o, channels: c, into: weightPartials + chunk * o * c * 9)
        }
    }

    /// The chunk's samples in groups of up to ``groupSize``, each with the count of the group's tiles.
    private func forEachGroup(of samples: Range<Int>, _ body: (_ group: Range<Int>, _ tileCount: Int) -> Void) {
        for start in stride(from: samples.lowerBound, to: samples.upperBound, by: Self.groupSize) {
            let group = start..<min(start + Self.groupSize, samples.upperBound)
            body(group, group.count * tilesPerSample)
        }
    }
}
