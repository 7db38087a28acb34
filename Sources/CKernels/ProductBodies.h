// Included by KernelBodies.h once per instruction set, with VARIANT, TARGET and the block shape
// PRODUCT_LANES (floats per vector) and PRODUCT_ROWS (rows of C per block) set by Kernels.c.
//
// Small matrix products: Winograd's (a few dozen to a few hundred rows over 16–64 channels, 16 per
// group of samples), a thin convolution's (k = 9 or 16) and a dense layer's backward ones. A general
// sgemm spends much of such a product on the call, packing its operands and clearing C; here a block of C stays in registers while one pass
// over k streams a panel of B (a few KB, in L1) and broadcasts A's entries. Measured against
// OpenBLAS on Winograd's shapes (one core, AMD EPYC Zen 5): 1.3× its Haswell kernels with AVX2, 2.4×
// with AVX-512, and as fast as its Cooperlake (AVX-512) kernels.
//
// Every entry of C is one chain of fused multiply-adds over p = 0, 1, …, k − 1, whatever the block
// it falls in, so every variant gives the same bits (the portable one without an FMA instruction
// calls fmaf, slowly: it is a fallback).

typedef float VARIANT(vector) __attribute__((ext_vector_type(PRODUCT_LANES), aligned(4)));

// The block and panel for one width of vector: the variant's full one, and for the columns past
// the last whole pair of vectors, half and quarter widths (8 and 4 lanes with AVX-512), so that a
// product with 24 or 40 columns (Winograd with 24 or 40 filters) stays in vector registers.
// Narrower vectors change only how many entries run side by side, not any entry's chain.
#define PRODUCT_WIDTH(SUFFIX, VECTOR)                                                                                  \
    /* C[rows, vectors·lanes] (+)= A[rows, k]·B[k, vectors·lanes] for one block, its sums in registers;              \
       `rows` and `vectors` are constants where it is inlined. */                                                     \
    static inline __attribute__((always_inline)) void VARIANT(product_block##SUFFIX)(                                 \
        long rows, long vectors, long k, const float *restrict a, long a_row_stride, long a_column_stride,            \
        const float *restrict b, long ldb, float *restrict c, long ldc, int accumulate) {                             \
        enum { lanes = sizeof(VECTOR) / sizeof(float) };                                                              \
        VECTOR sum[PRODUCT_ROWS][2];                                                                                  \
        for (long i = 0; i < rows; i++)                                                                               \
            for (long j = 0; j < vectors; j++)                                                                        \
                sum[i][j] = accumulate ? *(const VECTOR *)(c + i * ldc + j * lanes) : (VECTOR)0;                      \
        for (long p = 0; p < k; p++) {                                                                                \
            VECTOR column[2];                                                                                         \
            for (long j = 0; j < vectors; j++) column[j] = *(const VECTOR *)(b + p * ldb + j * lanes);                \
            for (long i = 0; i < rows; i++) {                                                                         \
                const VECTOR entry = a[i * a_row_stride + p * a_column_stride];                                       \
                for (long j = 0; j < vectors; j++) sum[i][j] = __builtin_elementwise_fma(entry, column[j], sum[i][j]); \
            }                                                                                                         \
        }                                                                                                             \
        for (long i = 0; i < rows; i++)                                                                               \
            for (long j = 0; j < vectors; j++) *(VECTOR *)(c + i * ldc + j * lanes) = sum[i][j];                      \
    }                                                                                                                 \
                                                                                                                      \
    /* Every row of one panel of `vectors` vectors of columns: blocks of PRODUCT_ROWS rows, then of                    \
       half as many, then single rows. */                                                                             \
    static inline __attribute__((always_inline)) void VARIANT(product_panel##SUFFIX)(                                 \
        long vectors, long m, long k, const float *a, long a_row_stride, long a_column_stride, const float *b,        \
        long ldb, float *c, long ldc, int accumulate) {                                                               \
        long i = 0;                                                                                                   \
        for (; i + PRODUCT_ROWS <= m; i += PRODUCT_ROWS)                                                              \
            VARIANT(product_block##SUFFIX)(PRODUCT_ROWS, vectors, k, a + i * a_row_stride, a_row_stride,              \
                                           a_column_stride, b, ldb, c + i * ldc, ldc, accumulate);                    \
        for (; i + PRODUCT_ROWS / 2 <= m; i += PRODUCT_ROWS / 2)                                                      \
            VARIANT(product_block##SUFFIX)(PRODUCT_ROWS / 2, vectors, k, a + i * a_row_stride, a_row_stride,          \
                                           a_column_stride, b, ldb, c + i * ldc, ldc, accumulate);                    \
        for (; i < m; i++)                                                                                            \
            VARIANT(product_block##SUFFIX)(1, vectors, k, a + i * a_row_stride, a_row_stride, a_column_stride, b,     \
                                           ldb, c + i * ldc, ldc, accumulate);                                        \
    }

PRODUCT_WIDTH(, VARIANT(vector))
#if PRODUCT_LANES >= 8
typedef float VARIANT(half_vector) __attribute__((ext_vector_type(PRODUCT_LANES / 2), aligned(4)));
PRODUCT_WIDTH(_half, VARIANT(half_vector))
#endif
#if PRODUCT_LANES >= 16
typedef float VARIANT(quarter_vector) __attribute__((ext_vector_type(PRODUCT_LANES / 4), aligned(4)));
PRODUCT_WIDTH(_quarter, VARIANT(quarter_vector))
#endif
#undef PRODUCT_WIDTH

TARGET static void VARIANT(multiply)(long m, long n, long k, const float *a, long a_row_stride, long a_column_stride,
                                     const float *b, long ldb, float *c, long ldc, int accumulate) {
    long j = 0;
    for (; j + 2 * PRODUCT_LANES <= n; j += 2 * PRODUCT_LANES)
        VARIANT(product_panel)(2, m, k, a, a_row_stride, a_column_stride, b + j, ldb, c + j, ldc, accumulate);
    for (; j + PRODUCT_LANES <= n; j += PRODUCT_LANES)
        VARIANT(product_panel)(1, m, k, a, a_row_stride, a_column_stride, b + j, ldb, c + j, ldc, accumulate);
#if PRODUCT_LANES >= 8
    for (; j + PRODUCT_LANES / 2 <= n; j += PRODUCT_LANES / 2)
        VARIANT(product_panel_half)(1, m, k, a, a_row_stride, a_column_stride, b + j, ldb, c + j, ldc, accumulate);
#endif
#if PRODUCT_LANES >= 16
    for (; j + PRODUCT_LANES / 4 <= n; j += PRODUCT_LANES / 4)
        VARIANT(product_panel_quarter)(1, m, k, a, a_row_stride, a_column_stride, b + j, ldb, c + j, ldc, accumulate);
#endif
    // Columns past the last whole vector: one entry at a time, the same chain of fused multiply-adds.
    for (; j < n; j++)
        for (long i = 0; i < m; i++) {
            float sum = accumulate ? c[i * ldc + j] : 0;
            for (long p = 0; p < k; p++) sum = __builtin_fmaf(a[i * a_row_stride + p * a_column_stride], b[p * ldb + j], sum);
            c[i * ldc + j] = sum;
        }
}
