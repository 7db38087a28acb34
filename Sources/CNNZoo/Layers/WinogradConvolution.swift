/// A 3×3, stride-1 convolution by Winograd's minimal filtering F(m×m, 3×3) (Lavin & Gray, "Fast
/// Algorithms for Convolutional Neural Networks", 2016), m = 2 or 4: (m + 2)² multiplies per m×m
/// output tile and channel pair instead of 9·m² — 16 against 36 for F(2×2, 3×3), 36 against 144
/// for F(4×4, 3×3), 2.25× and 4× fewer where m divides the output.
///
/// Each (m + 2)×(m + 2) input tile d and each filter g are transformed (V = Bᵀ·d·B, U = G·g·Gᵀ); then
/// for every point ξ of the transform one matrix product over channels, M[ξ] = V[ξ]·U[ξ]
/// (tiles × channels times channels × filters); and each tile's output is Aᵀ·M·A. Backward runs
/// the adjoints: ∂M = A·∂Y·Aᵀ, ∂U[ξ] += V[ξ]ᵀ·∂M[ξ], ∂V[ξ] = ∂M[ξ]·U[ξ]ᵀ, and the transforms'
/// adjoints carry ∂U back to ∂W and ∂V to ∂X. F(2×2)'s transforms only add and halve, so its values
/// stay within a few float roundings of the direct sum; F(4×4)'s scale by up to 5 and 1/24, which
/// costs a few more (the tests hold both to the direct path). The transforms run with the channels
/// innermost, a vector of channels at a time (a map is only a few tiles across): each sample's
/// maps are transposed to [H, W, C] and back by OpenBLAS's `somatcopy`. The products are the
/// engine's own (``Kernels/multiply(transposeA:m:n:k:a:lda:b:ldb:accumulate:c:ldc:)``): on these
/// shapes (K = 16–64) a general sgemm spent as long calling, packing and clearing as multiplying.
///
/// The tile is chosen by ``preferredTile(for:)``: F(4×4) wherever it forms fewer products.
///
/// A chunk's tiles — its samples' in turn, each sample's in order — go through the transforms and
/// the products in blocks of ``blockTiles``, small enough for a block's V and M to stay in the
/// core's cache between the transforms and the products, and large enough for the products to run
/// at speed. A block may end inside a sample and the next one carry on with it.
///
/// Chunks and sums run in a fixed order, as in ``Conv2D``'s direct path: deterministic. The blocks
/// change no sum: each entry of M is one chain over channels, ∂U's entries one chain over the
/// chunk's tiles in order (continued from block to block), and the input's adjoint adds the tiles
/// in order; so any block size gives the same bits.
final class WinogradConvolution {
    /// The floats one block's V and M may take together (128 KB): within the L2 cache of every
    /// core these machines have, with room for the filters and the maps.
    static let blockFloats = 32 * 1024
    /// The fewest input channels worth it: with conv1's single channel the products are too thin.
    static let minimumChannels = 4

    let window: SlidingWindow
    let outputs: Int
    /// m: the output tiles' side, 2 or 4.
    let tile: Int
    /// The points of the (m + 2)×(m + 2) transform: one matrix product each.
    let points: Int
    private let tilesPerSample: Int
    /// Floats of work space a thread needs for one of a sample's padded planes.
    private let planeScratch: Int
    /// Tiles per block: ``blockFloats`` shared by V and M, a multiple of 8 (the products' rows per
    /// block of registers with AVX-512), at least 16. Tests set it to show it changes no bit.
    var blockTiles: Int
    /// U = G·g·Gᵀ for every filter, [P, C, O] for the P = (m + 2)² points, then transposed, [P, O, C].
    private let filters = ScratchBuffer<Float>()
    /// Per thread: one block's V [tiles, P, C] and M [tiles, P, O], the transforms' planes, and one
    /// sample's input and output maps transposed, channels innermost, for them.
    private let tiles = ScratchBuffer<Float>()
    /// Each chunk's ∂U [P, C, O].
    private let filterGradients = ScratchBuffer<Float>()

    /// The Winograd form of `window` with `outputs` filters in `tile`×`tile` output tiles (2 or 4;
    /// by default ``preferredTile(for:)``), or nil when it does not apply (a window other than 3×3
    /// with stride 1, or fewer than ``minimumChannels`` channels).
    init?(window: SlidingWindow, outputs: Int, tile: Int? = nil) {
        guard window.kernelHeight == 3, window.kernelWidth == 3, window.strideHeight == 1, window.strideWidth == 1,
              window.channels >= Self.minimumChannels else { return nil }
        let tile = tile ?? Self.preferredTile(for: window)
        precondition(tile == 2 || tile == 4, "Winograd's output tiles are 2×2 or 4×4")
        self.window = window
        self.outputs = outputs
        self.tile = tile
        points = (tile + 2) * (tile + 2)
        tilesPerSample = Kernels.winogradTiles(window, tile: tile)
        planeScratch = Kernels.winogradScratch(window, tile: tile, outputs: outputs)
        blockTiles = max(16, Self.blockFloats / (points * (window.channels + outputs)) / 8 * 8)
    }

    /// 4 where F(4×4, 3×3) forms fewer products than F(2×2, 3×3) (the edges' cut tiles counted
    /// whole), else 2.
    static func preferredTile(for window: SlidingWindow) -> Int {
        36 * Kernels.winogradTiles(window, tile: 4) < 16 * Kernels.winogradTiles(window, tile: 2) ? 4 : 2
    }

    /// The method's name, for `bench`.
    var name: String { "Winograd F(\(tile)×\(tile), 3×3)" }

    /// Multiplies per sample in the products (the transforms are not counted).
    var multiplyAdds: Int { points * outputs * window.channels * tilesPerSample }

    private var inputSize: Int { window.channels * window.height * window.width }
    private var outputSize: Int { outputs * window.outputHeight * window.outputWidth }
    private var threadScratch: Int { points * (window.channels + outputs) * blockTiles + 3 * planeScratch + inputSize + outputSize }
    private var positions: Int { window.height * window.width }
    private var outputPositions: Int { window.outputHeight * window.outputWidth }

    /// y = W ⋆ x for each sample of the batch; `finish(n, y_n)` runs on each sample's output as
    /// soon as it is written, on the thread that wrote it.
    func forward(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, batch: Int, into y: UnsafeMutablePointer<Float>,
                 finish: (_ sample: Int, _ output: UnsafeMutablePointer<Float>) -> Void) {
        let (c, o, points, tile, tilesPerSample) = (window.channels, outputs, points, tile, tilesPerSample)
        let u = filters.reserve(points * o * c)
        Kernels.winogradFilter(w, outputs: o, channels: c, tile: tile, into: u, transposed: nil)
        let scratch = tiles.reserve(Parallelism.chunkCount(batch) * threadScratch)
        Parallelism.forEachChunk(batch) { chunk, samples in
            let v = scratch + chunk * threadScratch, m = v + points * c * blockTiles
            let inputPlane = m + points * o * blockTiles, outputPlane = inputPlane + planeScratch
            let xT = outputPlane + 2 * planeScratch, yT = xT + inputSize
            forEachBlock(of: samples) { block in
                let count = block.count
                forEachSegment(of: block) { n, tiles, offset in
                    if tiles.lowerBound == 0 {
                        BLAS.transpose(rows: c, columns: positions, a: x + n * inputSize, lda: positions, into: xT, ldb: c)
                    }
                    Kernels.winogradInput(window, tile: tile, xT, tiles: tiles, into: v + offset * points * c, plane: inputPlane)
                }
                // Point ξ's rows — one per tile — lie `points` points' values apart.
                for point in 0..<points {
                    Kernels.multiply(m: count, n: o, k: c, a: v + point * c, lda: points * c,
                                     b: u + point * c * o, ldb: o, c: m + point * o, ldc: points * o)
                }
                forEachSegment(of: block) { n, tiles, offset in
                    Kernels.winogradOutput(window, tile: tile, outputs: o, m + offset * points * o, tiles: tiles, into: yT, plane: outputPlane)
                    guard tiles.upperBound == tilesPerSample else { return }
                    let yn = y + n * outputSize
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
        let (c, o, points, tile, tilesPerSample) = (window.channels, outputs, points, tile, tilesPerSample)
        let chunks = Parallelism.chunkCount(batch)
        let u = filters.reserve(2 * points * o * c), ut = u + points * o * c
        Kernels.winogradFilter(w, outputs: o, channels: c, tile: tile, into: u, transposed: ut)
        let scratch = tiles.reserve(chunks * threadScratch)
        let filterGradients = filterGradients.reserve(chunks * points * o * c)
        Parallelism.forEachChunk(batch) { chunk, samples in
            let v = scratch + chunk * threadScratch, dm = v + points * c * blockTiles
            let inputPlane = dm + points * o * blockTiles, outputPlane = inputPlane + planeScratch
            let gradientPlane = outputPlane + planeScratch
            let du = filterGradients + chunk * points * c * o
            let xT = gradientPlane + planeScratch, yT = xT + inputSize
            var accumulate = false
            forEachBlock(of: samples) { block in
                let count = block.count
                forEachSegment(of: block) { n, tiles, offset in
                    if tiles.lowerBound == 0 {
                        eachSample(chunk, n)
                        BLAS.transpose(rows: c, columns: positions, a: x + n * inputSize, lda: positions, into: xT, ldb: c)
                        BLAS.transpose(rows: o, columns: outputPositions, a: dy + n * outputSize, lda: outputPositions, into: yT, ldb: o)
                    }
                    Kernels.winogradInput(window, tile: tile, xT, tiles: tiles, into: v + offset * points * c, plane: inputPlane)
                    Kernels.winogradOutputAdjoint(window, tile: tile, outputs: o, yT, tiles: tiles, into: dm + offset * points * o, plane: outputPlane)
                }
                // The chunk's first block starts its ∂U; the others carry on each entry's chain.
                for point in 0..<points {
                    Kernels.multiply(transposeA: true, m: c, n: o, k: count, a: v + point * c, lda: points * c,
                                     b: dm + point * o, ldb: points * o, accumulate: accumulate, c: du + point * c * o, ldc: o)
                }
                accumulate = true
                guard let dx else { return }
                // ∂V overwrites V, which the products above were the last to read.
                for point in 0..<points {
                    Kernels.multiply(m: count, n: c, k: o, a: dm + point * o, lda: points * o,
                                     b: ut + point * o * c, ldb: c, c: v + point * c, ldc: points * c)
                }
                forEachSegment(of: block) { n, tiles, offset in
                    Kernels.winogradInputAdjoint(window, tile: tile, v + offset * points * c, tiles: tiles, into: xT, plane: gradientPlane)
                    guard tiles.upperBound == tilesPerSample else { return }
                    BLAS.transpose(rows: positions, columns: c, a: xT, lda: c, into: dx + n * inputSize, ldb: positions)
                }
            }
            Kernels.winogradFilterAdjoint(du, outputs: o, channels: c, tile: tile, into: weightPartials + chunk * o * c * 9)
        }
    }

    /// The chunk's tiles — sample after sample, each sample's in order, numbered across the batch —
    /// in blocks of up to ``blockTiles``.
    private func forEachBlock(of samples: Range<Int>, _ body: (_ block: Range<Int>) -> Void) {
        for start in stride(from: samples.lowerBound * tilesPerSample, to: samples.upperBound * tilesPerSample, by: blockTiles) {
            body(start ..< min(start + blockTiles, samples.upperBound * tilesPerSample))
        }
    }

    /// The pieces of `block` that fall on each sample: the sample, its tiles, and where they start in the block.
    private func forEachSegment(of block: Range<Int>, _ body: (_ sample: Int, _ tiles: Range<Int>, _ offset: Int) -> Void) {
        var start = block.lowerBound
        while start < block.upperBound {
            let (sample, tile) = start.quotientAndRemainder(dividingBy: tilesPerSample)
            let end = min(block.upperBound, (sample + 1) * tilesPerSample)
            body(sample, tile ..< tile + end - start, start - block.lowerBound)
            start = end
        }
    }
}
