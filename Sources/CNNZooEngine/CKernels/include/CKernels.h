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
} cnnzoo_kernel_table;

/// A hint to the core that this thread is spinning on a flag (x86 PAUSE), for the worker pool.
static inline void cnnzoo_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/// Whether this CPU can run `variant` (the portable one always).
int cnnzoo_kernels_supported(cnnzoo_kernel_variant variant);
/// The table of `variant`, or NULL when this build or this CPU has none.
const cnnzoo_kernel_table *cnnzoo_kernels(cnnzoo_kernel_variant variant);

#endif
