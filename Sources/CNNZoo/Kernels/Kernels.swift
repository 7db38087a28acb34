internal import CKernels
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The engine's hand-written hot loops (im2col, col2im, max-pooling, shifted sums, the sigmoid, Winograd's transforms and products, batch normalisation's), compiled for several
/// instruction sets and chosen once at run time — the one place a layer reaches for them.
///
/// The best variant this CPU runs is used unless `CNN_ZOO_KERNELS` names another
/// (`portable`, `avx2`, `avx512`); tests run every variant the machine has against `portable`.
public enum Kernels {
    /// An instruction-set variant of the kernels.
    public enum Variant: String, CaseIterable, Sendable {
        case portable, avx2, avx512

        var c: cnnzoo_kernel_variant {
            switch self {
            case .portable: CNNZOO_KERNELS_PORTABLE
            case .avx2: CNNZOO_KERNELS_AVX2
            case .avx512: CNNZOO_KERNELS_AVX512
            }
        }

        /// Whether this build and this CPU can run the variant.
        public var isSupported: Bool { cnnzoo_kernels_supported(c) != 0 }

        /// The fastest variant this CPU runs.
        public static var best: Variant { allCases.last { $0.isSupported } ?? .portable }
    }

    /// The variant in use: `CNN_ZOO_KERNELS` if it names one this CPU runs, else the best.
    /// Setting a variant this CPU cannot run selects `portable`.
    public static var variant: Variant {
        get { Variant.allCases[selected.load(ordering: .relaxed)] }
        set { selected.store(Variant.allCases.firstIndex(of: newValue.isSupported ? newValue : .portable)!, ordering: .relaxed) }
    }

    /// The variant chosen when the program started.
    public static let defaultVariant = environmentChoice ?? Variant.best

    /// Every variant's table, looked up once (nil where this CPU cannot run it); kernels are
    /// called per sample, so choosing one is an atomic load, not a lock.
    nonisolated(unsafe) private static let tables: [UnsafePointer<cnnzoo_kernel_table>?] = Variant.allCases.map { cnnzoo_kernels($0.c) }

    private static let selected = Atomic<Int>(Variant.allCases.firstIndex(of: defaultVariant)!)

    private static var environmentChoice: Variant? {
        guard let name = getenv("CNN_ZOO_KERNELS").map({ String(cString: $0) }) else { return nil }
        return Variant(rawValue: name).flatMap { $0.isSupported ? $0 : nil }
    }

    private static var table: UnsafePointer<cnnzoo_kernel_table> { tables[selected.load(ordering: .relaxed)]! }
}

extension Kernels {
    static func unfold(_ window: SlidingWindow, _ x: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>, rowStride: Int) {
        var w = window.c
        table.pointee.unfold(&w, x, columns, rowStride)
    }

    static func fold(_ window: SlidingWindow, _ columns: UnsafePointer<Float>, rowStride: Int, into x: UnsafeMutablePointer<Float>) {
        var w = window.c
        table.pointee.fold(&w, columns, rowStride, x)
    }

    static func maxPool(_ window: SlidingWindow, _ x: UnsafePointer<Float>, planes: Int, into y: UnsafeMutablePointer<Float>,
                        winners: UnsafeMutablePointer<Int32>, scratch: UnsafeMutablePointer<Float>,
                        scratchIndex: UnsafeMutablePointer<Int32>) {
        var w = window.c
        table.pointee.max_pool(&w, x, planes, y, winners, scratch, scratchIndex)
    }

    /// `maxPool` without the winners (inference): the same values, less work.
    static func maxPoolValues(_ window: SlidingWindow, _ x: UnsafePointer<Float>, planes: Int, into y: UnsafeMutablePointer<Float>,
                              scratch: UnsafeMutablePointer<Float>) {
        var w = window.c
        table.pointee.max_pool_values(&w, x, planes, y, scratch)
    }
}

extension Kernels {
    /// sums[o] = ((0 + x[o + offsets[0]]) + x[o + offsets[1]]) + … for o < `count`, the terms
    /// added in the offsets' order.
    static func shiftedSums(_ x: UnsafePointer<Float>, offsets: UnsafePointer<Int>, terms: Int, into sums: UnsafeMutablePointer<Float>, count: Int) {
        table.pointee.shifted_sums(x, offsets, terms, sums, count)
    }

    /// x[o + offsets[t]] += values[o] for o < `count`, for each offset in turn; `values` and `x`
    /// do not overlap.
    static func shiftedAdds(_ values: UnsafePointer<Float>, offsets: UnsafePointer<Int>, terms: Int, into x: UnsafeMutablePointer<Float>, count: Int) {
        table.pointee.shifted_adds(values, offsets, terms, x, count)
    }

    /// σ(x) = 1/(1 + e^−x) for `count` values in place.
    static func sigmoid(_ values: UnsafeMutablePointer<Float>, count: Int) {
        table.pointee.sigmoid(values, count)
    }
}

extension Kernels {
    // Winograd F(m×m, 3×3), m = `tile`: see `WinogradConvolution` and CKernels.h for the layouts.

    static func winogradFilter(_ w: UnsafePointer<Float>, outputs: Int, channels: Int, tile: Int, into u: UnsafeMutablePointer<Float>,
                               transposed: UnsafeMutablePointer<Float>?) {
        table.pointee.winograd_filter(w, outputs, channels, tile, u, transposed)
    }

    static func winogradFilterAdjoint(_ u: UnsafePointer<Float>, outputs: Int, channels: Int, tile: Int, into w: UnsafeMutablePointer<Float>) {
        table.pointee.winograd_filter_adjoint(u, outputs, channels, tile, w)
    }

    // The four below take one sample's tiles [first, first + count), in order, with `plane` kept
    // between a sample's calls; a block's values are stored tile by tile, (m + 2)² points each (see CKernels.h).

    static func winogradInput(_ window: SlidingWindow, tile: Int, _ x: UnsafePointer<Float>, tiles: Range<Int>,
                              into v: UnsafeMutablePointer<Float>, plane: UnsafeMutablePointer<Float>) {
        var w = window.c
        table.pointee.winograd_input(&w, tile, x, tiles.lowerBound, tiles.count, v, plane)
    }

    static func winogradInputAdjoint(_ window: SlidingWindow, tile: Int, _ v: UnsafePointer<Float>, tiles: Range<Int>,
                                     into x: UnsafeMutablePointer<Float>, plane: UnsafeMutablePointer<Float>) {
        var w = window.c
        table.pointee.winograd_input_adjoint(&w, tile, v, tiles.lowerBound, tiles.count, x, plane)
    }

    static func winogradOutput(_ window: SlidingWindow, tile: Int, outputs: Int, _ m: UnsafePointer<Float>, tiles: Range<Int>,
                               into y: UnsafeMutablePointer<Float>, plane: UnsafeMutablePointer<Float>) {
        var w = window.c
        table.pointee.winograd_output(&w, tile, outputs, m, tiles.lowerBound, tiles.count, y, plane)
    }

    static func winogradOutputAdjoint(_ window: SlidingWindow, tile: Int, outputs: Int, _ y: UnsafePointer<Float>, tiles: Range<Int>,
                                      into m: UnsafeMutablePointer<Float>, plane: UnsafeMutablePointer<Float>) {
        var w = window.c
        table.pointee.winograd_output_adjoint(&w, tile, outputs, y, tiles.lowerBound, tiles.count, m, plane)
    }

    /// C = op(A)·B, or C += op(A)·B when `accumulate`, row-major, op(A) m×k and B k×n: small products
    /// (Winograd's, thin convolutions', a dense layer's backward), where a general sgemm's call, packing
    /// and clearing of C cost as much as the arithmetic.
    /// Each entry of C is one chain of fused multiply-adds in order over k, so every variant gives the same bits.
    static func multiply(transposeA: Bool = false, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                         b: UnsafePointer<Float>, ldb: Int, accumulate: Bool = false, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let (rowStride, columnStride) = transposeA ? (1, lda) : (lda, 1)
        table.pointee.multiply(m, n, k, a, rowStride, columnStride, b, ldb, c, ldc, accumulate ? 1 : 0)
    }

    /// The output's `tile`×`tile` tiles, the last row and column cut where `tile` does not divide it.
    static func winogradTiles(_ window: SlidingWindow, tile: Int) -> Int {
        var w = window.c
        return cnnzoo_winograd_tile_rows(&w, tile) * cnnzoo_winograd_tile_cols(&w, tile)
    }

    /// Floats of work space the Winograd transforms of `window` in `tile`×`tile` tiles with `outputs` filters need, per thread.
    static func winogradScratch(_ window: SlidingWindow, tile: Int, outputs: Int) -> Int {
        var w = window.c
        return cnnzoo_winograd_scratch(&w, tile, outputs)
    }
}

extension SlidingWindow {
    var c: cnnzoo_window {
        cnnzoo_window(channels: channels, height: height, width: width, kernel_height: kernelHeight, kernel_width: kernelWidth,
                      stride_height: strideHeight, stride_width: strideWidth, pad_top: padding.top, pad_left: padding.left,
                      output_height: outputHeight, output_width: outputWidth)
    }
}

extension Kernels {
    // Batch normalisation over one channel's plane (``BatchNorm2D``); the sums keep 32 running sums
    // added up in a fixed order, the same bits in every variant.

    /// (Σx, Σ(x − shift)²) in double precision.
    static func channelStatistics(_ x: UnsafePointer<Float>, count: Int, about shift: Double) -> (sum: Double, squares: Double) {
        var (sum, squares) = (0.0, 0.0)
        table.pointee.channel_statistics(x, count, shift, &sum, &squares)
        return (sum, squares)
    }

    /// y = γ·((x − μ)·s) + β over `count` values (in place when `y` is `x`).
    static func channelNormalize(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int,
                                 mean: Float, scale: Float, gamma: Float, beta: Float) {
        table.pointee.channel_normalize(x, y, count, mean, scale, gamma, beta)
    }

    /// (Σ∂y, Σ∂y·x̂), x̂ = (x − μ)·s.
    static func channelGradientSums(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int,
                                    mean: Float, scale: Float) -> (Float, Float) {
        var (plain, weighted): (Float, Float) = (0, 0)
        table.pointee.channel_gradient_sums(dy, x, count, mean, scale, &plain, &weighted)
        return (plain, weighted)
    }

    /// ∂x = factor·(n·∂y − Σ∂y − x̂·Σ∂y·x̂), x̂ = (x − μ)·s.
    static func channelInputGradient(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                                     count: Int, n: Float, sumDy: Float, sumDyXHat: Float, mean: Float, scale: Float, factor: Float) {
        table.pointee.channel_input_gradient(dy, x, dx, count, n, sumDy, sumDyXHat, mean, scale, factor)
    }
}
