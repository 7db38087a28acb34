#ifndef CNNZOO_KERNELS_H
#define CNNZOO_KERNELS_H
// The engine's own hot loops, compiled once per instruction set and chosen at run time:
// the same C source is built for baseline x86-64 (or whatever the target's baseline is),
// for AVX2 + FMA, and for AVX-512, and `cnnzoo_kernels` hands out the table of one of them.
// Layers call them through CNNZoo's `Kernels`; nothing here allocates or keeps state.

#include <stdint.h>

/// A kernel window sliding with a stride over a zero-padded [channels, height, width] map.
typedef struct {
    long channels, height, width;
    long kernel_height, kernel_width;
    long stride_height, stride_width;
    long pad_top, pad_left;
    long output_height, output_width;
} cnnzoo_window;

typedef enum {
    CNNZOO_KERNELS_PORTABLE = 0,
    CNNZOO_KERNELS_AVX2 = 1,
    CNNZOO_KERNELS_AVX512 = 2,
} cnnzoo_kernel_variant;

typedef struct {
    /// im2col for one sample: columns[(c·kh + i)·kw + j, oh·OW + ow] = x[c, oh·sh − top + i, ow·sw − left + j]
    /// (0 in the padding); rows of `columns` are `row_stride` apart.
    void (*unfold)(const cnnzoo_window *window, const float *x, float *columns, long row_stride);
    /// col2im, the adjoint of unfold: adds each column entry onto its input position (x zeroed by the caller).
    /// It may overwrite entries of `columns` that fall on the padding.
    void (*fold)(const cnnzoo_window *window, const float *columns, long row_stride, float *x);
    /// Max-pooling of `planes` planes: y = the largest value in each window (padding never wins), `winners` =
    /// its index within its plane, the first in row-major order on ties. `scratch` holds height·OW floats
    /// and `scratch_index` as many int32s, each with 4 more that may be read but not used.
    void (*max_pool)(const cnnzoo_window *window, const float *x, long planes, float *y, int32_t *winners,
                     float *scratch, int32_t *scratch_index);
    /// `max_pool` without the winners, for inference: the same y, with less work.
    void (*max_pool_values)(const cnnzoo_window *window, const float *x, long planes, float *y, float *scratch);
    /// σ(x) = 1/(1 + e^−x) in place, e^ by Cody–Waite reduction and a degree-6 polynomial
    /// (within a few ulp of expf on [−87, 88]; inputs beyond are clamped, σ saturating to ≈0 and 1).
    void (*sigmoid)(float *values, long count);
    /// sums[o] = ((0 + x[o + offsets[0]]) + x[o + offsets[1]]) + … for o < count, in the offsets' order.
    void (*shifted_sums)(const float *x, const long *offsets, long terms, float *sums, long count);
    /// x[o + offsets[t]] += values[o] for o < count, for t = 0, 1, … in turn (values and x apart).
    void (*shifted_adds)(const float *values, const long *offsets, long terms, float *x, long count);

    // Winograd F(m×m, 3×3), m = 2 or 4, for a 3×3, stride-1 window: the output in m×m tiles, tile
    // t = th·TW + tw (TH = ⌈OH/m⌉ rows of TW = ⌈OW/m⌉), the last row or column of tiles cut where m does
    // not divide the output. Transformed values are stored by tile, then by point ξ = (m + 2)·i + j of the
    // (m + 2)×(m + 2) transform (P = (m + 2)² points), then by channel: value (ξ, t, c) sits at
    // (P·t + ξ)·channels + c, t counted within a block of tiles, so point ξ's values for the block are a
    // matrix with rows P·channels apart.

    /// U = G·g·Gᵀ: u[(ξ·channels + c)·outputs + o] from w[o, c, 3, 3], and the same values
    /// transposed, [(ξ·outputs + o)·channels + c], into `u_transposed` unless it is NULL.
    void (*winograd_filter)(const float *w, long outputs, long channels, long m, float *u, float *u_transposed);
    /// The adjoint of `winograd_filter` (from u's layout): w[o, c, 3, 3] = Gᵀ·u·G (overwriting w).
    void (*winograd_filter_adjoint)(const float *u, long outputs, long channels, long m, float *w);

    // Each of the four below handles one sample's tiles [first, first + count), stored as above from
    // the block's start, so that a block of tiles stays in cache through its products; a sample's calls
    // come in tile order, with `plane` (`cnnzoo_winograd_scratch` floats) kept between them: the first
    // call and the last also do the sample's edges.

    /// V = Bᵀ·d·B for each (m + 2)×(m + 2) input tile d of one sample x[H, W, C] — channels innermost, as
    /// every map here — zero in the padding; the call with first = 0 copies x into `plane`, zero-padded.
    void (*winograd_input)(const cnnzoo_window *window, long m, const float *x, long first, long count, float *v,
                           float *plane);
    /// The adjoint of `winograd_input`: x = Σ over tiles of B·v·Bᵀ (overwriting x), added up in `plane`
    /// (cleared by the call with first = 0) and copied to x by the call that ends the sample.
    void (*winograd_input_adjoint)(const cnnzoo_window *window, long m, const float *v, long first, long count,
                                   float *x, float *plane);
    /// Y = Aᵀ·m·A for one sample: y[OH, OW, O] from m, stored like v with `outputs` channels. Where m does
    /// not divide an edge of the output the tiles go to `plane` and the call that ends the sample crops them to y.
    void (*winograd_output)(const cnnzoo_window *window, long m, long outputs, const float *in_m, long first,
                            long count, float *y, float *plane);
    /// The adjoint of `winograd_output`: m = A·∂y·Aᵀ for each tile (∂y zero past the output's edge,
    /// in `plane`, which the call with first = 0 fills where m does not divide an edge).
    void (*winograd_output_adjoint)(const cnnzoo_window *window, long m, long outputs, const float *y, long first,
                                    long count, float *out_m, float *plane);

    /// C = A·B, or C += A·B when `accumulate`, for small matrices (Winograd's, thin convolutions', a dense
    /// layer's backward): C is m×n with
    /// rows `ldc` apart, B is k×n with rows `ldb` apart, and A's entry (i, p) is a[i·a_row_stride +
    /// p·a_column_stride], so Aᵀ is A with its strides swapped. Each entry of C is one chain of fused
    /// multiply-adds in order of p: every variant gives the same bits.
    void (*multiply)(long m, long n, long k, const float *a, long a_row_stride, long a_column_stride,
                     const float *b, long ldb, float *c, long ldc, int accumulate);

    // Batch normalisation over one channel's plane of `count` values. The sums keep 32 running sums
    // (value i to sum i mod 32) added up in a fixed order, then the values past the last 32 in turn:
    // the same bits in every variant.

    /// Σx and Σ(x − shift)², in double precision.
    void (*channel_statistics)(const float *x, long count, double shift, double *sum, double *squares);
    /// y = γ·((x − μ)·s) + β (in place when y is x).
    void (*channel_normalize)(const float *x, float *y, long count, float mean, float scale, float gamma, float beta);
    /// Σ∂y and Σ∂y·x̂, x̂ = (x − μ)·s.
    void (*channel_gradient_sums)(const float *dy, const float *x, long count, float mean, float scale, float *plain_sum,
                                  float *weighted_sum);
    /// ∂x = factor·(n·∂y − Σ∂y − x̂·Σ∂y·x̂).
    void (*channel_input_gradient)(const float *dy, const float *x, float *dx, long count, float n, float sum_dy,
                                   float sum_dy_x_hat, float mean, float scale, float factor);
} cnnzoo_kernel_table;

/// A hint to the core that this thread is spinning on a flag (x86 PAUSE), for the worker pool.
static inline void cnnzoo_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/// Winograd F(m×m, 3×3)'s tiles down (TH) and across (TW): the output in m×m tiles, the last row or
/// column cut where m does not divide it.
static inline long cnnzoo_winograd_tile_rows(const cnnzoo_window *window, long m) { return (window->output_height + m - 1) / m; }
static inline long cnnzoo_winograd_tile_cols(const cnnzoo_window *window, long m) { return (window->output_width + m - 1) / m; }

/// Floats of work space the Winograd F(m×m, 3×3) transforms of `window` with `outputs` filters need: a
/// zero-padded plane with the channels innermost, [m·TH + 2, m·TW + 2, channels] or [m·TH, m·TW, outputs].
static inline long cnnzoo_winograd_scratch(const cnnzoo_window *window, long m, long outputs) {
    const long rows = cnnzoo_winograd_tile_rows(window, m), cols = cnnzoo_winograd_tile_cols(window, m);
    const long input = (m * rows + 2) * (m * cols + 2) * window->channels, output = m * m * rows * cols * outputs;
    return input > output ? input : output;
}

/// Whether this CPU can run `variant` (the portable one always).
int cnnzoo_kernels_supported(cnnzoo_kernel_variant variant);
/// The table of `variant`, or NULL when this build or this CPU has none.
const cnnzoo_kernel_table *cnnzoo_kernels(cnnzoo_kernel_variant variant);

#endif
