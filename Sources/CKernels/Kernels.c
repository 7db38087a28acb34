#include "CKernels.h"

// One copy of every kernel per instruction set. The target attributes (not build flags) let
// one binary carry all three and pick at run time, so no package needs unsafe compiler flags.

// Short loops over a row of a small map: clang's cost model is told they are worth vectorising.
#if defined(__clang__)
#define VECTORIZE _Pragma("clang loop vectorize(enable)")
#define VECTORIZE_SHORT _Pragma("clang loop vectorize(enable) vectorize_width(4) interleave_count(1)")
// Scatters whose iterations write distinct addresses, which the compiler cannot prove.
#define VECTORIZE_DISTINCT _Pragma("clang loop vectorize(assume_safety)")
#else
#define VECTORIZE
#define VECTORIZE_SHORT
#define VECTORIZE_DISTINCT
#endif

// Each variant's block for small products (ProductBodies.h): PRODUCT_ROWS rows of C by two
// vectors of PRODUCT_LANES columns, as many sums as the variant has registers for.
#define VARIANT(name) portable_##name
#define TARGET
#define PRODUCT_LANES 4
#define PRODUCT_ROWS 4
#include "KernelBodies.h"
#undef VARIANT
#undef TARGET
#undef PRODUCT_LANES
#undef PRODUCT_ROWS

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define CNNZOO_HAVE_X86_VARIANTS 1

#define VARIANT(name) avx2_##name
#define TARGET __attribute__((target("avx2,fma")))
#define PRODUCT_LANES 8
#define PRODUCT_ROWS 6
#include "KernelBodies.h"
#undef VARIANT
#undef TARGET
#undef PRODUCT_LANES
#undef PRODUCT_ROWS

#define VARIANT(name) avx512_##name
#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")))
#define PRODUCT_LANES 16
#define PRODUCT_ROWS 8
#include "KernelBodies.h"
#undef VARIANT
#undef TARGET
#undef PRODUCT_LANES
#undef PRODUCT_ROWS
#endif

int cnnzoo_kernels_supported(cnnzoo_kernel_variant variant) {
    switch (variant) {
    case CNNZOO_KERNELS_PORTABLE: return 1;
#ifdef CNNZOO_HAVE_X86_VARIANTS
    case CNNZOO_KERNELS_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case CNNZOO_KERNELS_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    default: return 0;
    }
}

const cnnzoo_kernel_table *cnnzoo_kernels(cnnzoo_kernel_variant variant) {
    if (!cnnzoo_kernels_supported(variant)) return 0;
    switch (variant) {
    case CNNZOO_KERNELS_PORTABLE: return &portable_table;
#ifdef CNNZOO_HAVE_X86_VARIANTS
    case CNNZOO_KERNELS_AVX2: return &avx2_table;
    case CNNZOO_KERNELS_AVX512: return &avx512_table;
#endif
    default: return 0;
    }
}
