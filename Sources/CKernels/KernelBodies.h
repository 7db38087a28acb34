// Included once per instruction set by Kernels.c, with VARIANT(name) naming the copy and
// TARGET its target attribute. Plain C loops: the compiler vectorises them for that target.

/// The output columns whose window puts kernel column j on a real input column.
static inline void VARIANT(valid_columns)(const cnnzoo_window *w, long j, long *low, long *high) {
    long offset = w->pad_left - j;
    long lo = (offset + w->stride_width - 1) / w->stride_width;
    long hi = offset + w->width - 1 < 0 ? 0 : (offset + w->width - 1) / w->stride_width + 1;
    *low = lo < 0 ? 0 : (lo > w->output_width ? w->output_width : lo);
    *high = hi > w->output_width ? w->output_width : hi;
    if (*high < *low) *high = *low;
}

/// Stride 1 with an output as wide as the input ("same" padding): output rows then follow each
/// other exactly as input rows do, so one unfolded row is the input plane shifted by a fixed
/// offset — a single long copy — with the few entries that wrapped around a row edge zeroed.
static inline int VARIANT(is_same_size)(const cnnzoo_window *w) {
    return w->stride_width == 1 && w->stride_height == 1 && w->output_width == w->width;
}

/// The output rows [first, last) whose kernel row i reads a real input row.
static inline void VARIANT(valid_rows)(const cnnzoo_window *w, long i, long *first, long *last) {
    long lo = w->pad_top - i, hi = w->height + w->pad_top - i;
    *first = lo < 0 ? 0 : (lo > w->output_height ? w->output_height : lo);
    *last = hi > w->output_height ? w->output_height : hi;
    if (*last < *first) *last = *first;
}

/// Zeroes columns [0, low) and [high, width) of rows [first, last): a column at a time, since
/// there are only kernel-width-minus-one of them.
static inline void VARIANT(zero_edge_columns)(float *line, long width, long first, long last, long low, long high) {
    for (long ow = 0; ow < low; ow++)
        for (long oh = first; oh < last; oh++) line[oh * width + ow] = 0;
    for (long ow = high; ow < width; ow++)
        for (long oh = first; oh < last; oh++) line[oh * width + ow] = 0;
}

/// One unfolded row read as a single shifted run: line[d] = source[d] for the output positions in
/// rows [first, last) and columns [low, high) of a map `width` wide (`positions` entries), 0
/// elsewhere — the entries of the run that wrap around a row edge included.
static inline __attribute__((always_inline)) void VARIANT(copy_run)(float *restrict line, const float *restrict source,
                                                                    long positions, long width, long first, long last,
                                                                    long low, long high) {
    if (first == last || low == high) {
        for (long d = 0; d < positions; d++) line[d] = 0;
        return;
    }
    const long begin = first * width + low, end = (last - 1) * width + high;
    for (long d = 0; d < begin; d++) line[d] = 0;
    for (long d = begin; d < end; d++) line[d] = source[d];
    for (long d = end; d < positions; d++) line[d] = 0;
    VARIANT(zero_edge_columns)(line, width, first, last, low, high);
}

/// Its adjoint: target[d] += line[d] over the same run, in one long loop — the entries that would
/// wrap onto a neighbouring row zeroed in `line` first (the caller's scratch).
static inline __attribute__((always_inline)) void VARIANT(add_run)(float *restrict line, float *restrict target, long width,
                                                                   long first, long last, long low, long high) {
    if (first == last || low == high) return;
    VARIANT(zero_edge_columns)(line, width, first, last, low, high);
    const long begin = first * width + low, end = (last - 1) * width + high;
    for (long d = begin; d < end; d++) target[d] += line[d];
}

#ifndef CNNZOO_NARROW_WIDTH
/// Maps narrower than this unfold and fold through column masks (see `narrow_unfold_same_size`).
#define CNNZOO_NARROW_WIDTH 8
/// Room for the masks, on the stack: one per kernel column, a plane's positions each.
#define CNNZOO_NARROW_MASKS 4096
/// The most kernel positions the narrow fold keeps ranges for.
#define CNNZOO_NARROW_KERNEL 64
#endif

/// `value` where `keep` is all ones, +0 where it is zero: a bitwise and, so it vectorises as one.
static inline float VARIANT(masked)(float value, int32_t keep) {
    union { float f; int32_t i; } bits = { value };
    bits.i &= keep;
    return bits.f;
}

/// For kernel position (i, j) of a same-size map: the stretch [begin, end) of output positions
/// whose source lies in the plane, read as one shifted run ([0, 0) when there is none). Entries
/// in it that wrapped around a row edge read a neighbouring row and still need masking.
static inline void VARIANT(shifted_run)(const cnnzoo_window *w, long i, long j, long *begin, long *end) {
    long first, last, low, high;
    VARIANT(valid_rows)(w, i, &first, &last);
    VARIANT(valid_columns)(w, j, &low, &high);
    const int empty = first == last || low == high;
    *begin = empty ? 0 : first * w->width + low;
    *end = empty ? 0 : (last - 1) * w->width + high;
}

/// keep[d] = all ones where output position d's column puts kernel column j on a real input column.
static inline void VARIANT(column_mask)(const cnnzoo_window *w, long j, int32_t *keep) {
    long low, high;
    VARIANT(valid_columns)(w, j, &low, &high);
    for (long oh = 0, d = 0; oh < w->output_height; oh++)
        for (long ow = 0; ow < w->width; ow++, d++) keep[d] = ow >= low && ow < high ? -1 : 0;
}

/// The same-size unfold for narrow maps (the zoo's 7×7): rows shorter than a vector make the
/// column-by-column zeroing of wrapped entries cost more than the copy, so the copy itself
/// masks them, with one mask per kernel column. The row and column ranges, which depend only
/// on the kernel position, are worked out once for every channel.
TARGET static void VARIANT(narrow_unfold_same_size)(const cnnzoo_window *w, const float *restrict x,
                                                    float *restrict columns, long row_stride) {
    const long width = w->width, plane = w->height * width, positions = w->output_height * width;
    const long kh = w->kernel_height, kw = w->kernel_width;
    int32_t keep[CNNZOO_NARROW_MASKS];
    for (long j = 0; j < kw; j++) {
        VARIANT(column_mask)(w, j, keep);
        for (long i = 0; i < kh; i++) {
            long begin, end;
            VARIANT(shifted_run)(w, i, j, &begin, &end);
            // Only [begin, end) is read, and all of it lies in the plane.
            const long offset = (i - w->pad_top) * width + (j - w->pad_left);
            for (long c = 0; c < w->channels; c++) {
                float *restrict line = columns + ((c * kh + i) * kw + j) * row_stride;
                const float *restrict source = x + c * plane + offset;
                for (long d = 0; d < begin; d++) line[d] = 0;
                VECTORIZE
                for (long d = begin; d < end; d++) line[d] = VARIANT(masked)(source[d], keep[d]);
                for (long d = end; d < positions; d++) line[d] = 0;
            }
        }
    }
}

/// The same-size fold for narrow maps: each row adds onto its shifted plane through its kernel
/// column's mask, in the order of the wide fold (channel, kernel row, kernel column), so every
/// input position sums its terms in the same order on either path.
TARGET static void VARIANT(narrow_fold_same_size)(const cnnzoo_window *w, const float *restrict columns,
                                                  long row_stride, float *restrict x) {
    const long width = w->width, plane = w->height * width, positions = w->output_height * width;
    const long kh = w->kernel_height, kw = w->kernel_width;
    int32_t keep[CNNZOO_NARROW_MASKS];
    long begin[CNNZOO_NARROW_KERNEL], end[CNNZOO_NARROW_KERNEL];
    for (long j = 0; j < kw; j++) VARIANT(column_mask)(w, j, keep + j * positions);
    for (long i = 0; i < kh; i++)
        for (long j = 0; j < kw; j++) VARIANT(shifted_run)(w, i, j, &begin[i * kw + j], &end[i * kw + j]);
    for (long c = 0; c < w->channels; c++) {
        for (long i = 0; i < kh; i++) {
            for (long j = 0; j < kw; j++) {
                const float *restrict line = columns + ((c * kh + i) * kw + j) * row_stride;
                const int32_t *restrict mask = keep + j * positions;
                float *restrict target = x + c * plane + (i - w->pad_top) * width + (j - w->pad_left);
                const long stop = end[i * kw + j];
                VECTORIZE
                for (long d = begin[i * kw + j]; d < stop; d++) target[d] += VARIANT(masked)(line[d], mask[d]);
            }
        }
    }
}

/// Whether a same-size map is narrow enough for the masked unfold and fold.
static inline int VARIANT(is_narrow)(const cnnzoo_window *w) {
    return w->width < CNNZOO_NARROW_WIDTH && w->kernel_width * w->output_height * w->width <= CNNZOO_NARROW_MASKS &&
           w->kernel_height * w->kernel_width <= CNNZOO_NARROW_KERNEL;
}

TARGET static void VARIANT(unfold_same_size)(const cnnzoo_window *w, const float *restrict x, float *restrict columns,
                                             long row_stride) {
    const long width = w->width, plane = w->height * width, positions = w->output_height * width;
    float *row = columns;
    for (long c = 0; c < w->channels; c++) {
        for (long i = 0; i < w->kernel_height; i++) {
            long first, last;
            VARIANT(valid_rows)(w, i, &first, &last);
            for (long j = 0; j < w->kernel_width; j++, row += row_stride) {
                long low, high;
                VARIANT(valid_columns)(w, j, &low, &high);
                // row[d] = x[c][d + offset] for every d whose source is in the plane.
                const float *source = x + c * plane + (i - w->pad_top) * width + (j - w->pad_left);
                VARIANT(copy_run)(row, source, positions, width, first, last, low, high);
            }
        }
    }
}

TARGET static void VARIANT(fold_same_size)(const cnnzoo_window *w, float *restrict columns, long row_stride,
                                           float *restrict x) {
    const long width = w->width, plane = w->height * width;
    float *row = columns;
    for (long c = 0; c < w->channels; c++) {
        for (long i = 0; i < w->kernel_height; i++) {
            long first, last;
            VARIANT(valid_rows)(w, i, &first, &last);
            for (long j = 0; j < w->kernel_width; j++, row += row_stride) {
                long low, high;
                VARIANT(valid_columns)(w, j, &low, &high);
                float *target = x + c * plane + (i - w->pad_top) * width + (j - w->pad_left);
                VARIANT(add_run)(row, target, width, first, last, low, high);
            }
        }
    }
}

#ifndef CNNZOO_GATHER_POSITIONS
/// The most output positions the gathered unfold keeps offsets for, on the stack.
#define CNNZOO_GATHER_POSITIONS 1024
/// Strided output rows shorter than this unfold through the gathered path.
#define CNNZOO_GATHER_WIDTH 32
#endif

/// Whether a window is strided along its rows, its output rows are short and its plane small
/// enough for the gathered unfold. (Unstrided rows are contiguous runs, which copy faster than
/// they gather.)
static inline int VARIANT(is_gathered)(const cnnzoo_window *w) {
    return w->stride_width > 1 && w->output_width < CNNZOO_GATHER_WIDTH &&
           w->output_height * w->output_width <= CNNZOO_GATHER_POSITIONS && w->height * w->width <= INT32_MAX / 2;
}

/// Whether every window puts kernel position (i, j) inside the plane.
static inline int VARIANT(always_inside)(const cnnzoo_window *w, long i, long j) {
    return i >= w->pad_top && (w->output_height - 1) * w->stride_height - w->pad_top + i < w->height &&
           j >= w->pad_left && (w->output_width - 1) * w->stride_width - w->pad_left + j < w->width;
}

/// Where each output position's window puts kernel position (0, 0): its input row, column and
/// offset in the plane (outside it where the window starts in the padding).
static inline void VARIANT(window_origins)(const cnnzoo_window *w, int32_t *top, int32_t *left, int32_t *offset) {
    for (long oh = 0, d = 0; oh < w->output_height; oh++)
        for (long ow = 0; ow < w->output_width; ow++, d++) {
            top[d] = (int32_t)(oh * w->stride_height - w->pad_top);
            left[d] = (int32_t)(ow * w->stride_width - w->pad_left);
            offset[d] = top[d] * (int32_t)w->width + left[d];
        }
}

/// The unfold for short strided output rows (the strided convolutions of small maps): copied
/// row by row, each of a dozen entries or fewer, the time goes to loop control and scalar
/// remainders. Instead each unfolded row is one run over every output position, read through
/// a table of the positions' offsets in the plane (a gather), the entries that fall on the
/// padding set to zero. The same values land in the same places as the row-by-row copy.
TARGET static void VARIANT(gathered_unfold)(const cnnzoo_window *w, const float *restrict x, float *restrict columns,
                                            long row_stride) {
    const long positions = w->output_height * w->output_width, plane = w->height * w->width;
    const int32_t height = (int32_t)w->height, width = (int32_t)w->width;
    int32_t top[CNNZOO_GATHER_POSITIONS], left[CNNZOO_GATHER_POSITIONS], offset[CNNZOO_GATHER_POSITIONS];
    VARIANT(window_origins)(w, top, left, offset);
    float *row = columns;
    for (long c = 0; c < w->channels; c++) {
        const float *restrict source = x + c * plane;
        for (long i = 0; i < w->kernel_height; i++) {
            for (long j = 0; j < w->kernel_width; j++, row += row_stride) {
                float *restrict line = row;
                if (VARIANT(always_inside)(w, i, j)) {
                    const int32_t shift = (int32_t)(i * w->width + j);
                    VECTORIZE
                    for (long d = 0; d < positions; d++) line[d] = source[offset[d] + shift];
                } else {
                    const int32_t di = (int32_t)i, dj = (int32_t)j;
                    VECTORIZE
                    for (long d = 0; d < positions; d++) {
                        const int32_t r = top[d] + di, q = left[d] + dj;
                        line[d] = r >= 0 && r < height && q >= 0 && q < width ? source[r * width + q] : 0;
                    }
                }
            }
        }
    }
}

/// The adjoint of the gathered unfold: each row adds onto the positions it was read from (a
/// scatter), rows in the order of the row-by-row fold. Within a row no two entries share a
/// position, so each position still sums its terms in (channel, kernel row, kernel column) order.
TARGET static void VARIANT(gathered_fold)(const cnnzoo_window *w, const float *restrict columns, long row_stride,
                                          float *restrict x) {
    const long positions = w->output_height * w->output_width, plane = w->height * w->width;
    const int32_t height = (int32_t)w->height, width = (int32_t)w->width;
    int32_t top[CNNZOO_GATHER_POSITIONS], left[CNNZOO_GATHER_POSITIONS], offset[CNNZOO_GATHER_POSITIONS];
    VARIANT(window_origins)(w, top, left, offset);
    const float *row = columns;
    for (long c = 0; c < w->channels; c++) {
        float *restrict target = x + c * plane;
        for (long i = 0; i < w->kernel_height; i++) {
            for (long j = 0; j < w->kernel_width; j++, row += row_stride) {
                const float *restrict line = row;
                if (VARIANT(always_inside)(w, i, j)) {
                    const int32_t shift = (int32_t)(i * w->width + j);
                    VECTORIZE_DISTINCT
                    for (long d = 0; d < positions; d++) target[offset[d] + shift] += line[d];
                } else {
                    const int32_t di = (int32_t)i, dj = (int32_t)j;
                    VECTORIZE_DISTINCT
                    for (long d = 0; d < positions; d++) {
                        const int32_t r = top[d] + di, q = left[d] + dj;
                        if (r >= 0 && r < height && q >= 0 && q < width) target[r * width + q] += line[d];
                    }
                }
            }
        }
    }
}

#ifndef CNNZOO_PHASE_VALUES
/// The most values one channel's phase planes may hold, on the stack.
#define CNNZOO_PHASE_VALUES 4096
#endif

/// Phase plane geometry of a strided window: the input plane dealt into stride_height ×
/// stride_width planes, phase (a, b) holding x[r·sh + a, q·sw + b] at (r, q), each of
/// ⌈H/sh⌉ × ⌈W/sw⌉ values (zero past the input's edge).
static inline long VARIANT(phase_rows)(const cnnzoo_window *w) { return (w->height + w->stride_height - 1) / w->stride_height; }
static inline long VARIANT(phase_columns)(const cnnzoo_window *w) { return (w->width + w->stride_width - 1) / w->stride_width; }

/// Whether a strided window unfolds through phase planes: its output rows as wide as a phase
/// plane's, so kernel position (i, j) reads one phase plane shifted by a whole number of rows and
/// columns — one run, as a same-size map does. Gathers are slow on some CPUs (AMD's Zen 4 runs
/// AVX-512's about a value at a time), while dealing a plane into phases is plain loads and
/// shuffles, paid once for all the kernel positions that read it. A window no larger than its
/// stride (a 1×1 projection of stride 2) reads each input value at most once, so there dealing
/// is all extra work and the gather stays.
static inline int VARIANT(is_phased)(const cnnzoo_window *w) {
    const long rows = VARIANT(phase_rows)(w), columns = VARIANT(phase_columns)(w);
    return (w->stride_height > 1 || w->stride_width > 1) && w->output_width == columns &&
           (w->kernel_height > w->stride_height || w->kernel_width > w->stride_width) &&
           w->stride_height * w->stride_width * rows * columns <= CNNZOO_PHASE_VALUES;
}

/// For kernel offset k along an axis of stride s and padding p: the phase k − p falls in and the
/// whole steps it shifts by, k − p = s·shift + phase with 0 ≤ phase < s.
static inline void VARIANT(phase_of)(long k, long pad, long stride, long *phase, long *shift) {
    long offset = k - pad;
    *shift = offset >= 0 ? offset / stride : -((-offset + stride - 1) / stride);
    *phase = offset - *shift * stride;
}

/// Whether any kernel offset along an axis falls in `phase` (a 1×1 window of stride 2 reads one phase of four).
static inline int VARIANT(phase_used)(long kernel, long pad, long stride, long phase) {
    for (long k = 0; k < kernel; k++) {
        long p, shift;
        VARIANT(phase_of)(k, pad, stride, &p, &shift);
        if (p == phase) return 1;
    }
    return 0;
}

/// Whether both column phases of stride 2 are read, and so dealt together in one pass of loads and shuffles.
static inline int VARIANT(deals_pairs)(const cnnzoo_window *w) {
    return w->stride_width == 2 && VARIANT(phase_used)(w->kernel_width, w->pad_left, 2, 0) &&
           VARIANT(phase_used)(w->kernel_width, w->pad_left, 2, 1);
}

/// Whether phase plane (a, b) has a pass of its own: the window reads it, and it is not the odd
/// half of a pair.
static inline int VARIANT(deals_phase)(const cnnzoo_window *w, long a, long b, int pair) {
    return VARIANT(phase_used)(w->kernel_height, w->pad_top, w->stride_height, a) &&
           VARIANT(phase_used)(w->kernel_width, w->pad_left, w->stride_width, b) && !(pair && b == 1);
}

/// Deals one channel's plane into the phase planes its window reads (the others are left as they are).
TARGET static void VARIANT(deal_phases)(const cnnzoo_window *w, const float *restrict x, float *restrict phases) {
    const long sh = w->stride_height, sw = w->stride_width, width = w->width;
    const long rows = VARIANT(phase_rows)(w), columns = VARIANT(phase_columns)(w), plane = rows * columns;
    const long whole = width / sw;  // phase columns with every phase inside the input row
    const int pair = VARIANT(deals_pairs)(w);
    for (long a = 0; a < sh; a++)
        for (long b = 0; b < sw; b++) {
            if (!VARIANT(deals_phase)(w, a, b, pair)) continue;
            for (long r = 0; r < rows; r++) {
                float *restrict target = phases + (a * sw + b) * plane + r * columns;
                const long ih = r * sh + a;
                if (ih >= w->height) {
                    for (long q = 0; q < columns; q++) target[q] = 0;
                    if (pair) for (long q = 0; q < columns; q++) target[plane + q] = 0;
                    continue;
                }
                const float *restrict line = x + ih * width + b;
                if (pair) {
                    // Both phases of stride 2 in one pass: two loads dealt by shuffles.
                    float *restrict odd = target + plane;
                    VECTORIZE
                    for (long q = 0; q < whole; q++) {
                        target[q] = line[2 * q];
                        odd[q] = line[2 * q + 1];
                    }
                    for (long q = whole; q < columns; q++) {
                        target[q] = 2 * q < width ? line[2 * q] : 0;
                        odd[q] = 2 * q + 1 < width ? line[2 * q + 1] : 0;
                    }
                } else {
                    const long inside = (width - b + sw - 1) / sw;  // phase columns inside the input row
                    if (sw == 2) {
                        VECTORIZE
                        for (long q = 0; q < inside; q++) target[q] = line[2 * q];
                    } else {
                        for (long q = 0; q < inside; q++) target[q] = line[q * sw];
                    }
                    for (long q = inside; q < columns; q++) target[q] = 0;
                }
            }
        }
}

/// The adjoint of `deal_phases`: adds each phase plane's values onto the input positions they came from.
TARGET static void VARIANT(gather_phases)(const cnnzoo_window *w, const float *restrict phases, float *restrict x) {
    const long sh = w->stride_height, sw = w->stride_width, width = w->width;
    const long rows = VARIANT(phase_rows)(w), columns = VARIANT(phase_columns)(w), plane = rows * columns;
    const long whole = width / sw;
    const int pair = VARIANT(deals_pairs)(w);
    for (long a = 0; a < sh; a++)
        for (long b = 0; b < sw; b++) {
            if (!VARIANT(deals_phase)(w, a, b, pair)) continue;
            for (long r = 0; r < rows; r++) {
                const long ih = r * sh + a;
                if (ih >= w->height) continue;
                const float *restrict source = phases + (a * sw + b) * plane + r * columns;
                float *restrict line = x + ih * width + b;
                if (pair) {
                    const float *restrict odd = source + plane;
                    VECTORIZE
                    for (long q = 0; q < whole; q++) {
                        line[2 * q] += source[q];
                        line[2 * q + 1] += odd[q];
                    }
                    for (long q = whole; q < columns; q++) {
                        if (2 * q < width) line[2 * q] += source[q];
                        if (2 * q + 1 < width) line[2 * q + 1] += odd[q];
                    }
                } else {
                    const long inside = (width - b + sw - 1) / sw;
                    if (sw == 2) {
                        VECTORIZE
                        for (long q = 0; q < inside; q++) line[2 * q] += source[q];
                    } else {
                        for (long q = 0; q < inside; q++) line[q * sw] += source[q];
                    }
                }
            }
        }
}

/// Kernel position (i, j)'s phase plane and the run it reads: output position d takes
/// plane[d + offset] for d in [begin, end) (edge columns wrapped from a neighbouring row aside),
/// 0 elsewhere. Rows [first, last) and columns [low, high) of the output read inside the plane.
static inline long VARIANT(phase_run)(const cnnzoo_window *w, long i, long j, long *offset, long *first, long *last,
                                      long *low, long *high) {
    const long rows = VARIANT(phase_rows)(w), columns = VARIANT(phase_columns)(w);
    long a, b, di, dj;
    VARIANT(phase_of)(i, w->pad_top, w->stride_height, &a, &di);
    VARIANT(phase_of)(j, w->pad_left, w->stride_width, &b, &dj);
    *first = di < 0 ? -di : 0;
    *last = rows - di < w->output_height ? rows - di : w->output_height;
    if (*last < *first) *last = *first;
    *low = dj < 0 ? -dj : 0;
    *high = columns - dj < columns ? columns - dj : columns;
    if (*high < *low) *high = *low;
    *offset = di * columns + dj;
    return (a * w->stride_width + b) * rows * columns;
}

/// The unfold for strided windows whose output rows are a phase plane wide (`is_phased`): each
/// channel dealt into phase planes, then each unfolded row one shifted run of its plane with the
/// wrapped edge entries zeroed — the same values in the same places as the row-by-row copy.
TARGET static void VARIANT(phased_unfold)(const cnnzoo_window *w, const float *restrict x, float *restrict columns,
                                          long row_stride) {
    const long plane = w->height * w->width, positions = w->output_height * w->output_width, width = w->output_width;
    float phases[CNNZOO_PHASE_VALUES];
    float *row = columns;
    for (long c = 0; c < w->channels; c++) {
        VARIANT(deal_phases)(w, x + c * plane, phases);
        for (long i = 0; i < w->kernel_height; i++) {
            for (long j = 0; j < w->kernel_width; j++, row += row_stride) {
                long offset, first, last, low, high;
                const float *source = phases + VARIANT(phase_run)(w, i, j, &offset, &first, &last, &low, &high);
                VARIANT(copy_run)(row, source + offset, positions, width, first, last, low, high);
            }
        }
    }
}

/// The adjoint of the phased unfold: each row adds onto its shifted run of a phase plane (its
/// wrapped edge entries zeroed first; `columns` is the caller's scratch), then the phase planes
/// add onto the input. A position's terms all land in one phase plane, from zero, in (kernel
/// row, kernel column) order, so each sums as the row-by-row fold does.
TARGET static void VARIANT(phased_fold)(const cnnzoo_window *w, float *restrict columns, long row_stride, float *restrict x) {
    const long plane = w->height * w->width, width = w->output_width;
    const long values = w->stride_height * w->stride_width * VARIANT(phase_rows)(w) * VARIANT(phase_columns)(w);
    float phases[CNNZOO_PHASE_VALUES];
    float *row = columns;
    for (long c = 0; c < w->channels; c++) {
        for (long v = 0; v < values; v++) phases[v] = 0;
        for (long i = 0; i < w->kernel_height; i++) {
            for (long j = 0; j < w->kernel_width; j++, row += row_stride) {
                long offset, first, last, low, high;
                float *target = phases + VARIANT(phase_run)(w, i, j, &offset, &first, &last, &low, &high);
                VARIANT(add_run)(row, target + offset, width, first, last, low, high);
            }
        }
        VARIANT(gather_phases)(w, phases, x + c * plane);
    }
}

TARGET static void VARIANT(unfold)(const cnnzoo_window *w, const float *restrict x, float *restrict columns, long row_stride) {
    const long plane = w->height * w->width, ow_count = w->output_width;
    if (VARIANT(is_same_size)(w)) {
        if (VARIANT(is_narrow)(w))
            VARIANT(narrow_unfold_same_size)(w, x, columns, row_stride);
        else
            VARIANT(unfold_same_size)(w, x, columns, row_stride);
        return;
    }
    if (VARIANT(is_phased)(w)) {
        VARIANT(phased_unfold)(w, x, columns, row_stride);
        return;
    }
    if (VARIANT(is_gathered)(w)) {
        VARIANT(gathered_unfold)(w, x, columns, row_stride);
        return;
    }
    float *row = columns;
    for (long c = 0; c < w->channels; c++) {
        const float *source = x + c * plane;
        for (long i = 0; i < w->kernel_height; i++) {
            for (long j = 0; j < w->kernel_width; j++, row += row_stride) {
                long low, high;
                VARIANT(valid_columns)(w, j, &low, &high);
                const long shift = j - w->pad_left;
                for (long oh = 0; oh < w->output_height; oh++) {
                    const long ih = oh * w->stride_height - w->pad_top + i;
                    float *restrict line = row + oh * ow_count;
                    if (ih < 0 || ih >= w->height) {
                        for (long ow = 0; ow < ow_count; ow++) line[ow] = 0;
                        continue;
                    }
                    const float *restrict source_line = source + ih * w->width;
                    for (long ow = 0; ow < low; ow++) line[ow] = 0;
                    if (w->stride_width == 1) {
                        for (long ow = low; ow < high; ow++) line[ow] = source_line[ow + shift];
                    } else {
                        for (long ow = low; ow < high; ow++) line[ow] = source_line[ow * w->stride_width + shift];
                    }
                    for (long ow = high; ow < ow_count; ow++) line[ow] = 0;
                }
            }
        }
    }
}

TARGET static void VARIANT(fold)(const cnnzoo_window *w, const float *restrict columns, long row_stride, float *restrict x) {
    const long plane = w->height * w->width, ow_count = w->output_width;
    if (VARIANT(is_same_size)(w)) {
        if (VARIANT(is_narrow)(w))
            VARIANT(narrow_fold_same_size)(w, columns, row_stride, x);
        else
            VARIANT(fold_same_size)(w, (float *)columns, row_stride, x);
        return;
    }
    if (VARIANT(is_phased)(w)) {
        VARIANT(phased_fold)(w, (float *)columns, row_stride, x);
        return;
    }
    if (VARIANT(is_gathered)(w)) {
        VARIANT(gathered_fold)(w, columns, row_stride, x);
        return;
    }
    const float *row = columns;
    for (long c = 0; c < w->channels; c++) {
        float *target = x + c * plane;
        for (long i = 0; i < w->kernel_height; i++) {
            for (long j = 0; j < w->kernel_width; j++, row += row_stride) {
                long low, high;
                VARIANT(valid_columns)(w, j, &low, &high);
                const long shift = j - w->pad_left;
                for (long oh = 0; oh < w->output_height; oh++) {
                    const long ih = oh * w->stride_height - w->pad_top + i;
                    if (ih < 0 || ih >= w->height) continue;
                    const float *restrict line = row + oh * ow_count;
                    float *restrict target_line = target + ih * w->width;
                    if (w->stride_width == 1) {
                        for (long ow = low; ow < high; ow++) target_line[ow + shift] += line[ow];
                    } else {
                        for (long ow = low; ow < high; ow++) target_line[ow * w->stride_width + shift] += line[ow];
                    }
                }
            }
        }
    }
}

/// The best of a run of windows along the input: window f covers
/// line[f·stride + shift ..< f·stride + shift + kernel]; the first maximum wins (a later value
/// replaces only when strictly greater). 32-bit indices: a plane holds at most 2²⁶ values.
static inline void VARIANT(window_maxima)(const float *restrict line, long stride, long kernel, long shift,
                                          long begin, long end, float *restrict best, int32_t *restrict index,
                                          const int track) {
    for (int32_t f = (int32_t)begin; f < (int32_t)end; f++) {
        const int32_t start = f * (int32_t)stride + (int32_t)shift;
        float b = line[start];
        int32_t k = start;
        for (int32_t j = 1; j < (int32_t)kernel; j++) {
            const float v = line[start + j];
            const int greater = v > b;
            b = greater ? v : b;
            k = greater ? start + j : k;
        }
        best[f] = b;
        if (track) index[f] = k;
    }
}

/// The same for seed 004's 3-wide, stride-2 windows, spelt out with mask selections so that
/// one lane handles one window on every vector unit.
static inline void VARIANT(window_maxima_3_by_2)(const float *restrict line, long shift, long begin, long end,
                                                 float *restrict best, int32_t *restrict index, const int track) {
    VECTORIZE
    for (int32_t f = (int32_t)begin; f < (int32_t)end; f++) {
        const int32_t start = 2 * f + (int32_t)shift;
        const float v0 = line[start], v1 = line[start + 1], v2 = line[start + 2];
        const int32_t m1 = -(int32_t)(v1 > v0);
        const float b1 = v1 > v0 ? v1 : v0;
        const int32_t k1 = ((start + 1) & m1) | (start & ~m1);
        const int32_t m2 = -(int32_t)(v2 > b1);
        best[f] = v2 > b1 ? v2 : b1;
        if (track) index[f] = ((start + 2) & m2) | (k1 & ~m2);
    }
}

/// The same for 2-wide, stride-2 windows (a 2×2 pool's, the commonest of all).
static inline void VARIANT(window_maxima_2_by_2)(const float *restrict line, long shift, long begin, long end,
                                                 float *restrict best, int32_t *restrict index, const int track) {
    VECTORIZE
    for (int32_t f = (int32_t)begin; f < (int32_t)end; f++) {
        const int32_t start = 2 * f + (int32_t)shift;
        const float v0 = line[start], v1 = line[start + 1];
        const int32_t m1 = -(int32_t)(v1 > v0);
        best[f] = v1 > v0 ? v1 : v0;
        if (track) index[f] = ((start + 1) & m1) | (start & ~m1);
    }
}

static inline void VARIANT(window_maxima_specialised)(const cnnzoo_window *w, const float *line, long shift, long begin,
                                                      long end, float *best, int32_t *index, const int track) {
    if (w->stride_width == 2 && w->kernel_width == 3)
        VARIANT(window_maxima_3_by_2)(line, shift, begin, end, best, index, track);
    else if (w->stride_width == 2 && w->kernel_width == 2)
        VARIANT(window_maxima_2_by_2)(line, shift, begin, end, best, index, track);
    else
        VARIANT(window_maxima)(line, w->stride_width, w->kernel_width, shift, begin, end, best, index, track);
}

/// The windows of output column `ow` where the row's padding clips them, down every row at
/// once: only their real columns compete (the first maximum wins; selections, not branches,
/// since which value wins is data and mispredicts). The clipping is worked out once per column
/// rather than once per window — a call per window took as long as all the unclipped windows.
static inline void VARIANT(clipped_column_maxima)(const cnnzoo_window *w, const float *source, long ow,
                                                  float *restrict best, int32_t *restrict index, const int track) {
    const long width = w->width, ow_count = w->output_width;
    long start = ow * w->stride_width - w->pad_left, end = start + w->kernel_width;
    if (start < 0) start = 0;
    if (end > width) end = width;
    for (long ih = 0; ih < w->height; ih++) {
        const float *line = source + ih * width;
        float b = line[start];
        long k = start;
        for (long iw = start + 1; iw < end; iw++) {
            const int greater = line[iw] > b;
            b = greater ? line[iw] : b;
            k = greater ? iw : k;
        }
        best[ih * ow_count + ow] = b;
        if (track) index[ih * ow_count + ow] = (int32_t)(ih * width + k);
    }
}

/// Max-pooling, with the winners' indices when `track` (a constant at each call, so the
/// compiler drops every index computation from the copy that does not track them).
static inline __attribute__((always_inline)) void VARIANT(max_pool_body)(
    const cnnzoo_window *w, const float *restrict x, long planes, float *restrict y, int32_t *restrict winners,
    float *restrict row_best, int32_t *restrict row_index, const int track) {
    const long height = w->height, width = w->width, ow_count = w->output_width;
    const long plane = height * width, output_plane = w->output_height * ow_count;
    // Output columns whose windows lie wholly inside the row: [low, high).
    long low = (w->pad_left + w->stride_width - 1) / w->stride_width;
    long high = width - w->kernel_width + w->pad_left < 0 ? 0 : (width - w->kernel_width + w->pad_left) / w->stride_width + 1;
    if (low > ow_count) low = ow_count;
    if (high > ow_count) high = ow_count;
    if (high < low) high = low;
    // When the rows hold exactly stride·OW values, window (ih, ow) starts at (ih·OW + ow)·stride − left:
    // the whole plane is one run of windows, and only the clipped ones at row ends need redoing.
    const int flat = width == w->stride_width * ow_count && high > low;
    for (long p = 0; p < planes; p++) {
        const float *source = x + p * plane;
        // Pass 1: each input row's maximum under every window's columns.
        if (flat) {
            VARIANT(window_maxima_specialised)(w, source, -w->pad_left, low, (height - 1) * ow_count + high, row_best, row_index,
                                               track);
        } else {
            for (long ih = 0; ih < height; ih++)
                VARIANT(window_maxima_specialised)(w, source + ih * width, -w->pad_left, low, high,
                                                   row_best + ih * ow_count, track ? row_index + ih * ow_count : 0, track);
            // Indices from the per-row runs are within the row; make them within the plane.
            if (track)
                for (long ih = 1; ih < height; ih++)
                    for (long ow = low; ow < high; ow++) row_index[ih * ow_count + ow] += (int32_t)(ih * width);
        }
        for (long ow = 0; ow < low; ow++) VARIANT(clipped_column_maxima)(w, source, ow, row_best, row_index, track);
        for (long ow = high; ow < ow_count; ow++) VARIANT(clipped_column_maxima)(w, source, ow, row_best, row_index, track);
        // Pass 2: down each window's rows, in order; a later row wins only when strictly greater,
        // so the first maximum in row-major order wins, as in PyTorch.
        float *out = y + p * output_plane;
        int32_t *out_index = track ? winners + p * output_plane : 0;
        for (long oh = 0; oh < w->output_height; oh++) {
            long top = oh * w->stride_height - w->pad_top, bottom = top + w->kernel_height;
            if (top < 0) top = 0;
            if (bottom > height) bottom = height;
            float *restrict o = out + oh * ow_count;
            int32_t *restrict oi = track ? out_index + oh * ow_count : 0;
            const float *restrict b0 = row_best + top * ow_count;
            const int32_t *restrict i0 = track ? row_index + top * ow_count : 0;
            if (bottom - top <= 3) {
                // Windows of up to 3 rows, spelt out so the loop over columns vectorises; a window
                // clipped to fewer rows repeats its last row, which never wins against itself.
                const long rows = bottom - top;
                const float *restrict b1 = b0 + (rows > 1 ? ow_count : 0), *restrict b2 = b1 + (rows > 2 ? ow_count : 0);
                const int32_t *restrict i1 = track ? i0 + (rows > 1 ? ow_count : 0) : 0;
                const int32_t *restrict i2 = track ? i1 + (rows > 2 ? ow_count : 0) : 0;
                // Selections as masks (all ones where a later row is strictly greater): the form
                // every vector unit blends, where a conditional would stay scalar on AVX2. Rows
                // are short (14 and 7 columns in the zoo), so narrow vectors: wide ones would
                // leave every row to the scalar remainder loop.
                // Columns run to a multiple of 4 so no row ends in a scalar remainder: the extra
                // entries land on the next row's (or plane's), which are computed afterwards —
                // except after the very last row, where the loop stops exactly.
                const long columns = p == planes - 1 && oh == w->output_height - 1 ? ow_count : (ow_count + 3) & ~3L;
                VECTORIZE_SHORT
                for (long ow = 0; ow < columns; ow++) {
                    float b = b0[ow];
                    const int32_t m1 = -(int32_t)(b1[ow] > b);
                    b = b1[ow] > b ? b1[ow] : b;
                    const int32_t m2 = -(int32_t)(b2[ow] > b);
                    b = b2[ow] > b ? b2[ow] : b;
                    o[ow] = b;
                    if (track) oi[ow] = (i2[ow] & m2) | (((i1[ow] & m1) | (i0[ow] & ~m1)) & ~m2);
                }
                continue;
            }
            for (long ow = 0; ow < ow_count; ow++) {
                float b = b0[ow];
                int32_t k = track ? i0[ow] : 0;
                for (long r = 1; r < bottom - top; r++) {
                    const float v = b0[r * ow_count + ow];
                    const int g = v > b;
                    b = g ? v : b;
                    if (track) k = g ? i0[r * ow_count + ow] : k;
                }
                o[ow] = b;
                if (track) oi[ow] = k;
            }
        }
    }
}

TARGET static void VARIANT(max_pool)(const cnnzoo_window *w, const float *restrict x, long planes, float *restrict y,
                                     int32_t *restrict winners, float *restrict row_best, int32_t *restrict row_index) {
    VARIANT(max_pool_body)(w, x, planes, y, winners, row_best, row_index, 1);
}

TARGET static void VARIANT(max_pool_values)(const cnnzoo_window *w, const float *restrict x, long planes,
                                            float *restrict y, float *restrict row_best) {
    VARIANT(max_pool_body)(w, x, planes, y, 0, row_best, 0, 0);
}

/// sums[o] = ((0 + x[o + offsets[0]]) + x[o + offsets[1]]) + … for o < count, the terms added in
/// the offsets' order (a pooling window's values when x is a padded plane).
TARGET static void VARIANT(shifted_sums)(const float *restrict x, const long *restrict offsets, long terms,
                                         float *restrict sums, long count) {
    VECTORIZE
    for (long o = 0; o < count; o++) sums[o] = 0.0f;
    for (long t = 0; t < terms; t++) {
        const float *restrict source = x + offsets[t];
        VECTORIZE
        for (long o = 0; o < count; o++) sums[o] += source[o];
    }
}

/// The adjoint's form: x[o + offsets[t]] += values[o] for o < count, one offset after another in
/// their order, so each position of x takes its terms in that order.
TARGET static void VARIANT(shifted_adds)(const float *restrict values, const long *restrict offsets, long terms,
                                         float *restrict x, long count) {
    for (long t = 0; t < terms; t++) {
        float *restrict target = x + offsets[t];
        VECTORIZE
        for (long o = 0; o < count; o++) target[o] += values[o];
    }
}

/// Branch-free e^x: x = k·ln 2 + r with |r| ≤ ln2/2; k is rounded by adding 1.5·2²³ (its integer
/// then sits in the low mantissa bits), and 2^k is built from exponent bits.
TARGET static void VARIANT(sigmoid)(float *restrict values, long count) {
    const float shifter = 12582912.0f;  // 1.5·2²³
    for (long i = 0; i < count; i++) {
        float x = -values[i];
        x = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
        const float shifted = x * 1.44269504f + shifter;
        const float k = shifted - shifter;
        const float r = x - k * 0.693359375f + k * 2.1219444e-4f;
        float p = 1.9875691e-4f;
        p = p * r + 1.3981999e-3f;
        p = p * r + 8.3334520e-3f;
        p = p * r + 4.1665796e-2f;
        p = p * r + 0.16666666f;
        p = p * r + 0.5f;
        p = p * r * r + r + 1.0f;
        union { float f; int32_t i; } bits = { shifted };
        union { int32_t i; float f; } power = { .i = (bits.i - 0x4B400000 + 127) << 23 };
        values[i] = 1.0f / (1.0f + p * power.f);
    }
}

// Winograd's minimal filtering (Lavin & Gray, 2016) in two sizes: F(2×2, 3×3), 16 products per
// 2×2 output tile, and F(4×4, 3×3), 36 per 4×4 tile. An m×m output tile is
// Aᵀ·((G·g·Gᵀ) ⊙ (Bᵀ·d·B))·A for its (m + 2)×(m + 2) input tile d. For m = 2,
// Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1] and
// Aᵀ = [1 1 1 0; 0 1 −1 −1]: only additions and halvings, so every variant rounds alike (a halving
// is exact, and a contracted multiply-add by ½ rounds as the separate ones do). For m = 4 (the
// points 0, ±1, ±2, ∞),
// Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1],
// G = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1] and
// Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]. Its multiplies by 5, ⅙ and 1/12
// round, so its maps are kept from contracting into fused multiply-adds (NO_CONTRACT): every
// variant still rounds alike, with or without an FMA unit.
//
// A map has only a few tiles across (7 on a 14-wide output), too few for a vector; so the tiles are
// transformed with the channels innermost, a vector of channels at a time: the caller hands
// over maps as [rows, columns, channels], and the input is copied into a zero-padded plane.

#if defined(__clang__)
#define NO_CONTRACT _Pragma("clang fp contract(off)")
// The short loops inside a vectorised loop over channels, unrolled first so that it can vectorise.
#define UNROLL _Pragma("clang loop unroll(full)")
#else
#define NO_CONTRACT
#define UNROLL
#endif

// The one-dimensional maps of F(4×4, 3×3), each reading values `from` apart and writing them `to`
// apart; the two-dimensional ones apply them down the columns and along the rows.
#define ALWAYS_INLINE static inline __attribute__((always_inline))

/// Bᵀ·d, six values to six.
ALWAYS_INLINE void VARIANT(input4)(const float *d, long from, float *t, long to) {
    NO_CONTRACT
    const float d0 = d[0], d1 = d[from], d2 = d[2 * from], d3 = d[3 * from], d4 = d[4 * from], d5 = d[5 * from];
    t[0] = (d0 * 4.0f - d2 * 5.0f) + d4;
    t[to] = (d3 + d4) - (d1 + d2) * 4.0f;
    t[2 * to] = (d4 - d3) + (d1 - d2) * 4.0f;
    t[3 * to] = (d4 - d2) + (d3 - d1) * 2.0f;
    t[4 * to] = (d4 - d2) + (d1 - d3) * 2.0f;
    t[5 * to] = (d1 * 4.0f - d3 * 5.0f) + d5;
}

/// B·e, the adjoint of `input4`, six values to six: stored, or added onto `d` when `add`.
ALWAYS_INLINE void VARIANT(input_adjoint4)(const float *e, long from, float *d, long to, int add) {
    NO_CONTRACT
    const float e0 = e[0], e1 = e[from], e2 = e[2 * from], e3 = e[3 * from], e4 = e[4 * from], e5 = e[5 * from];
    const float r[6] = {
        e0 * 4.0f,
        ((e2 - e1) + e5) * 4.0f + (e4 - e3) * 2.0f,
        -(e0 * 5.0f) - (e1 + e2) * 4.0f - (e3 + e4),
        (e1 - e2) + (e3 - e4) * 2.0f - e5 * 5.0f,
        ((e0 + e1) + (e2 + e3)) + e4,
        e5,
    };
    for (long k = 0; k < 6; k++) d[k * to] = add ? d[k * to] + r[k] : r[k];
}

/// Aᵀ·m, six values to four.
ALWAYS_INLINE void VARIANT(output4)(const float *m, long from, float *y, long to) {
    NO_CONTRACT
    const float m0 = m[0], m1 = m[from], m2 = m[2 * from], m3 = m[3 * from], m4 = m[4 * from], m5 = m[5 * from];
    const float sum12 = m1 + m2, difference12 = m1 - m2, sum34 = m3 + m4, difference34 = m3 - m4;
    y[0] = (m0 + sum12) + sum34;
    y[to] = difference12 + difference34 * 2.0f;
    y[2 * to] = sum12 + sum34 * 4.0f;
    y[3 * to] = (difference12 + difference34 * 8.0f) + m5;
}

/// A·e, the adjoint of `output4`, four values to six.
ALWAYS_INLINE void VARIANT(output_adjoint4)(const float *e, long from, float *m, long to) {
    NO_CONTRACT
    const float e0 = e[0], e1 = e[from], e2 = e[2 * from], e3 = e[3 * from];
    const float even = e0 + e2, odd = e1 + e3, even4 = e0 + e2 * 4.0f, odd4 = e1 * 2.0f + e3 * 8.0f;
    m[0] = e0;
    m[to] = even + odd;
    m[2 * to] = even - odd;
    m[3 * to] = even4 + odd4;
    m[4 * to] = even4 - odd4;
    m[5 * to] = e3;
}

/// G·g, three values to six.
ALWAYS_INLINE void VARIANT(filter4)(const float *g, long from, float *u, long to) {
    NO_CONTRACT
    const float g0 = g[0], g1 = g[from], g2 = g[2 * from];
    u[0] = g0 * 0.25f;
    u[to] = ((g0 + g1) + g2) * (-1.0f / 6);
    u[2 * to] = ((g0 - g1) + g2) * (-1.0f / 6);
    u[3 * to] = (g0 * (1.0f / 24) + g1 * (1.0f / 12)) + g2 * (1.0f / 6);
    u[4 * to] = (g0 * (1.0f / 24) - g1 * (1.0f / 12)) + g2 * (1.0f / 6);
    u[5 * to] = g2;
}

/// Gᵀ·u, the adjoint of `filter4`, six values to three.
ALWAYS_INLINE void VARIANT(filter_adjoint4)(const float *u, long from, float *g, long to) {
    NO_CONTRACT
    const float u0 = u[0], u1 = u[from], u2 = u[2 * from], u3 = u[3 * from], u4 = u[4 * from], u5 = u[5 * from];
    g[0] = (u0 * 0.25f - (u1 + u2) * (1.0f / 6)) + (u3 + u4) * (1.0f / 24);
    g[to] = (u2 - u1) * (1.0f / 6) + (u3 - u4) * (1.0f / 12);
    g[2 * to] = ((u3 + u4) - (u1 + u2)) * (1.0f / 6) + u5;
}

/// U = G·g·Gᵀ for one 3×3 filter g with m = 2, tap e at g[e·from]: point (i, j) to value[(4i + j)·to].
ALWAYS_INLINE void VARIANT(filter_transform2)(const float *restrict g, long from, float *restrict value, long to) {
    float t[4][3];  // G·g, then (G·g)·Gᵀ
    for (long j = 0; j < 3; j++) {
        const float g0 = g[j * from], g1 = g[(3 + j) * from], g2 = g[(6 + j) * from];
        t[0][j] = g0;
        t[1][j] = (g0 + g1 + g2) * 0.5f;
        t[2][j] = (g0 - g1 + g2) * 0.5f;
        t[3][j] = g2;
    }
    for (long i = 0; i < 4; i++) {
        value[(4 * i) * to] = t[i][0];
        value[(4 * i + 1) * to] = (t[i][0] + t[i][1] + t[i][2]) * 0.5f;
        value[(4 * i + 2) * to] = (t[i][0] - t[i][1] + t[i][2]) * 0.5f;
        value[(4 * i + 3) * to] = t[i][2];
    }
}

/// The same with m = 4: point (i, j) to value[(6i + j)·to].
ALWAYS_INLINE void VARIANT(filter_transform4)(const float *restrict g, long from, float *restrict value, long to) {
    float t[18];  // G·g, [6, 3]
    UNROLL for (long j = 0; j < 3; j++) VARIANT(filter4)(g + j * from, 3 * from, t + j, 3);
    UNROLL for (long i = 0; i < 6; i++) VARIANT(filter4)(t + 3 * i, 1, value + 6 * i * to, to);
}

/// The values of `FILTER_RUN` filters at a time — w's filters `step` apart from `g` — written to
/// each point's plane as one run, `to` being the first point's: `plane` floats apart. The filters
/// are transformed side by side, a vector of filters at a time.
#define FILTER_RUN 16
ALWAYS_INLINE void VARIANT(filter_run)(const float *restrict g, long step, long count, long m, long points,
                                       float *restrict to, long plane) {
    float taps[9][FILTER_RUN], values[36][FILTER_RUN];
    for (long tap = 0; tap < 9; tap++)
        for (long k = 0; k < FILTER_RUN; k++) taps[tap][k] = k < count ? g[k * step + tap] : 0;
    if (m == 4) {
        VECTORIZE
        for (long k = 0; k < FILTER_RUN; k++) VARIANT(filter_transform4)(&taps[0][k], FILTER_RUN, &values[0][k], FILTER_RUN);
    } else {
        VECTORIZE
        for (long k = 0; k < FILTER_RUN; k++) VARIANT(filter_transform2)(&taps[0][k], FILTER_RUN, &values[0][k], FILTER_RUN);
    }
    for (long point = 0; point < points; point++)
        for (long k = 0; k < count; k++) to[point * plane + k] = values[point][k];
}

// Both layouts are written a run along a point's plane at a time: a point's planes lie O·C floats
// apart (16 KB for a 64 × 64 convolution), so the (m + 2)² values of one filter written together
// would all fall in one L1 set and evict each other.
TARGET static void VARIANT(winograd_filter)(const float *restrict w, long outputs, long channels, long m,
                                            float *restrict u, float *restrict u_transposed) {
    const long plane = outputs * channels, points = (m + 2) * (m + 2);
    for (long c = 0; c < channels; c++)
        for (long o = 0; o < outputs; o += FILTER_RUN) {
            const long count = outputs - o < FILTER_RUN ? outputs - o : FILTER_RUN;
            VARIANT(filter_run)(w + (o * channels + c) * 9, channels * 9, count, m, points, u + c * outputs + o, plane);
        }
    if (!u_transposed) return;
    for (long o = 0; o < outputs; o++)
        for (long c = 0; c < channels; c += FILTER_RUN) {
            const long count = channels - c < FILTER_RUN ? channels - c : FILTER_RUN;
            VARIANT(filter_run)(w + (o * channels + c) * 9, 9, count, m, points, u_transposed + o * channels + c, plane);
        }
}

/// ∂g = Gᵀ·∂U·G for one filter with m = 4, point (i, j)'s value at u[(6i + j)·from], tap e to g[e·to].
ALWAYS_INLINE void VARIANT(filter_adjoint_transform4)(const float *restrict u, long from, float *restrict g, long to) {
    float t[18];  // u·G, [6, 3]
    UNROLL for (long i = 0; i < 6; i++) VARIANT(filter_adjoint4)(u + 6 * i * from, from, t + 3 * i, 1);
    UNROLL for (long j = 0; j < 3; j++) VARIANT(filter_adjoint4)(t + j, 3, g + j * to, 3 * to);  // Gᵀ·(u·G)
}

/// The same with m = 2: point (i, j) at u[(4i + j)·from].
ALWAYS_INLINE void VARIANT(filter_adjoint_transform2)(const float *restrict u, long from, float *restrict g, long to) {
    float t[4][3];  // u·G
    for (long i = 0; i < 4; i++) {
        const float u0 = u[(4 * i) * from], u1 = u[(4 * i + 1) * from];
        const float u2 = u[(4 * i + 2) * from], u3 = u[(4 * i + 3) * from];
        t[i][0] = u0 + (u1 + u2) * 0.5f;
        t[i][1] = (u1 - u2) * 0.5f;
        t[i][2] = (u1 + u2) * 0.5f + u3;
    }
    for (long j = 0; j < 3; j++) {  // Gᵀ·(u·G)
        g[j * to] = t[0][j] + (t[1][j] + t[2][j]) * 0.5f;
        g[(3 + j) * to] = (t[1][j] - t[2][j]) * 0.5f;
        g[(6 + j) * to] = (t[1][j] + t[2][j]) * 0.5f + t[3][j];
    }
}

/// `filter_run`'s adjoint: `count` (at most `FILTER_RUN`) filters' values read as one run of each
/// point's plane from `from` (`plane` floats apart), transformed side by side, a vector of
/// filters at a time, their taps written to `g`, filters `step` apart.
ALWAYS_INLINE void VARIANT(filter_adjoint_run)(const float *restrict from, long plane, long count, long m, long points,
                                               float *restrict g, long step) {
    float values[36][FILTER_RUN], taps[9][FILTER_RUN];
    for (long point = 0; point < points; point++)
        for (long k = 0; k < FILTER_RUN; k++) values[point][k] = k < count ? from[point * plane + k] : 0;
    if (m == 4) {
        VECTORIZE
        for (long k = 0; k < FILTER_RUN; k++)
            VARIANT(filter_adjoint_transform4)(&values[0][k], FILTER_RUN, &taps[0][k], FILTER_RUN);
    } else {
        VECTORIZE
        for (long k = 0; k < FILTER_RUN; k++)
            VARIANT(filter_adjoint_transform2)(&values[0][k], FILTER_RUN, &taps[0][k], FILTER_RUN);
    }
    for (long k = 0; k < count; k++)
        for (long tap = 0; tap < 9; tap++) g[k * step + tap] = taps[tap][k];
}

TARGET static void VARIANT(winograd_filter_adjoint)(const float *restrict u, long outputs, long channels, long m,
                                                    float *restrict w) {
    const long plane = outputs * channels, points = (m + 2) * (m + 2);
    for (long c = 0; c < channels; c++)  // reading each point's plane along its rows, as winograd_filter writes it
        for (long o = 0; o < outputs; o += FILTER_RUN) {
            const long count = outputs - o < FILTER_RUN ? outputs - o : FILTER_RUN;
            VARIANT(filter_adjoint_run)(u + c * outputs + o, plane, count, m, points, w + (o * channels + c) * 9, channels * 9);
        }
}

// A sample's tiles go through the transforms in blocks, tile t = th·TW + tw in order, so that one
// block's transformed values stay in the core's cache through its products: a call handles tiles
// [first, first + count), tile t's (m + 2)² points of `channels` values each together at
// (t − first)·(m + 2)²·channels, so a tile is written or read in one run. The calls for one sample
// come in order; the first and the last also do the sample's edges (padding in, cropping out), with
// `plane` kept between the calls.

/// The tiles [first, first + count) in order, with `corner` set to where each tile's top-left corner lies
/// in a plane `width` positions wide (of `channels` each), tiles m apart: tile by tile, without a division per tile.
#define FOR_EACH_TILE(tile, corner, first, count, cols, m, width, channels)                                 \
    for (long tile = (first), tile##_row = (first) / (cols), tile##_column = (first) % (cols), corner;      \
         tile < (first) + (count) &&                                                                        \
         (corner = ((m) * tile##_row * (width) + (m) * tile##_column) * (channels), 1);                    \
         tile++, tile##_column + 1 == (cols) ? (tile##_row++, tile##_column = 0) : tile##_column++)

TARGET static void VARIANT(winograd_input)(const cnnzoo_window *w, long m, const float *restrict x, long first, long count,
                                           float *restrict v, float *restrict plane) {
    const long channels = w->channels, cols = cnnzoo_winograd_tile_cols(w, m), rows = cnnzoo_winograd_tile_rows(w, m);
    const long width = m * cols + 2, height = m * rows + 2, points = (m + 2) * (m + 2);
    if (first == 0) {  // plane: [height, width, channels], zero in the padding
        // The map always fits: m·TW ≥ OW = W + left + right − 2, so width ≥ W + left + right (and so
        // down). Only the padding is cleared: the map overwrites the rest.
        const long top = w->pad_top, left = w->pad_left * channels, map = w->width * channels, right = width * channels - left - map;
        for (long i = 0; i < top * width * channels; i++) plane[i] = 0;
        for (long h = 0; h < w->height; h++) {
            float *line = plane + (h + top) * width * channels;
            const float *from = x + h * map;
            for (long i = 0; i < left; i++) line[i] = 0;
            for (long i = 0; i < map; i++) line[left + i] = from[i];
            for (long i = 0; i < right; i++) line[left + map + i] = 0;
        }
        for (long i = (top + w->height) * width * channels; i < height * width * channels; i++) plane[i] = 0;
    }
    const long row = width * channels;
    FOR_EACH_TILE(tile, corner, first, count, cols, m, width, channels) {
        const float *d = plane + corner;
        float *out = v + (tile - first) * points * channels;
        if (m == 4) {
            VECTORIZE
            for (long c = 0; c < channels; c++) {
                float t[36];  // Bᵀ·d down the columns, then (Bᵀ·d)·B along the rows
                UNROLL for (long j = 0; j < 6; j++) VARIANT(input4)(d + j * channels + c, row, t + j, 6);
                UNROLL for (long i = 0; i < 6; i++) VARIANT(input4)(t + 6 * i, 1, out + 6 * i * channels + c, channels);
            }
            continue;
        }
        VECTORIZE
        for (long c = 0; c < channels; c++) {
            float t[4][4];  // Bᵀ·d down the columns
            for (long j = 0; j < 4; j++) {
                const float d0 = d[j * channels + c], d1 = d[row + j * channels + c];
                const float d2 = d[2 * row + j * channels + c], d3 = d[3 * row + j * channels + c];
                t[0][j] = d0 - d2;
                t[1][j] = d1 + d2;
                t[2][j] = d2 - d1;
                t[3][j] = d1 - d3;
            }
            for (long i = 0; i < 4; i++) {  // (Bᵀ·d)·B along the rows
                out[(4 * i) * channels + c] = t[i][0] - t[i][2];
                out[(4 * i + 1) * channels + c] = t[i][1] + t[i][2];
                out[(4 * i + 2) * channels + c] = t[i][2] - t[i][1];
                out[(4 * i + 3) * channels + c] = t[i][1] - t[i][3];
            }
        }
    }
}

TARGET static void VARIANT(winograd_input_adjoint)(const cnnzoo_window *w, long m, const float *restrict v, long first,
                                                   long count, float *restrict x, float *restrict plane) {
    const long channels = w->channels, cols = cnnzoo_winograd_tile_cols(w, m), rows = cnnzoo_winograd_tile_rows(w, m);
    const long width = m * cols + 2, height = m * rows + 2, row = width * channels, points = (m + 2) * (m + 2);
    if (first == 0)
        for (long i = 0; i < height * width * channels; i++) plane[i] = 0;
    FOR_EACH_TILE(tile, corner, first, count, cols, m, width, channels) {  // in order: overlapping tiles add in a fixed order
        float *d = plane + corner;
        const float *in = v + (tile - first) * points * channels;
        if (m == 4) {
            VECTORIZE
            for (long c = 0; c < channels; c++) {
                float t[36];  // ∂(Bᵀ·d) = ∂V·Bᵀ along the rows, then ∂d = B·∂(Bᵀ·d) down the columns
                UNROLL for (long i = 0; i < 6; i++) VARIANT(input_adjoint4)(in + 6 * i * channels + c, channels, t + 6 * i, 1, 0);
                UNROLL for (long j = 0; j < 6; j++) VARIANT(input_adjoint4)(t + j, 6, d + j * channels + c, row, 1);
            }
            continue;
        }
        VECTORIZE
        for (long c = 0; c < channels; c++) {
            float t[4][4];  // ∂(Bᵀ·d) = ∂V·Bᵀ
            for (long i = 0; i < 4; i++) {
                const float e0 = in[(4 * i) * channels + c], e1 = in[(4 * i + 1) * channels + c];
                const float e2 = in[(4 * i + 2) * channels + c], e3 = in[(4 * i + 3) * channels + c];
                t[i][0] = e0;
                t[i][1] = e1 - e2 + e3;
                t[i][2] = e1 + e2 - e0;
                t[i][3] = -e3;
            }
            for (long j = 0; j < 4; j++) {  // ∂d = B·∂(Bᵀ·d)
                d[j * channels + c] += t[0][j];
                d[row + j * channels + c] += t[1][j] - t[2][j] + t[3][j];
                d[2 * row + j * channels + c] += t[1][j] + t[2][j] - t[0][j];
                d[3 * row + j * channels + c] -= t[3][j];
            }
        }
    }
    if (first + count < rows * cols) return;
    for (long h = 0; h < w->height; h++) {  // the map's rows, as winograd_input placed them; the padding's gradients are dropped
        float *to = x + h * w->width * channels;
        const float *from = plane + ((h + w->pad_top) * width + w->pad_left) * channels;
        for (long i = 0; i < w->width * channels; i++) to[i] = from[i];
    }
}

TARGET static void VARIANT(winograd_output)(const cnnzoo_window *w, long m, long outputs, const float *restrict in_m,
                                            long first, long count, float *restrict y, float *restrict plane) {
    const long cols = cnnzoo_winograd_tile_cols(w, m), rows = cnnzoo_winograd_tile_rows(w, m), width = m * cols;
    const long points = (m + 2) * (m + 2);
    const int whole = w->output_height % m == 0 && w->output_width % m == 0;
    float *restrict target = whole ? y : plane;  // [m·TH, m·TW, outputs]: y itself unless an edge is cut
    FOR_EACH_TILE(tile, corner, first, count, cols, m, width, outputs) {
        const float *in = in_m + (tile - first) * points * outputs;
        float *out = target + corner;
        if (m == 4) {
            VECTORIZE
            for (long o = 0; o < outputs; o++) {
                float a[24];  // m·A along the rows, [6, 4], then Aᵀ·(m·A) down the columns
                UNROLL for (long i = 0; i < 6; i++) VARIANT(output4)(in + 6 * i * outputs + o, outputs, a + 4 * i, 1);
                UNROLL for (long j = 0; j < 4; j++) VARIANT(output4)(a + j, 4, out + j * outputs + o, width * outputs);
            }
            continue;
        }
        VECTORIZE
        for (long o = 0; o < outputs; o++) {
            float a[4][2];  // m·A
            for (long i = 0; i < 4; i++) {
                const float m0 = in[(4 * i) * outputs + o], m1 = in[(4 * i + 1) * outputs + o];
                const float m2 = in[(4 * i + 2) * outputs + o], m3 = in[(4 * i + 3) * outputs + o];
                a[i][0] = m0 + m1 + m2;
                a[i][1] = m1 - m2 - m3;
            }
            out[o] = a[0][0] + a[1][0] + a[2][0];
            out[outputs + o] = a[0][1] + a[1][1] + a[2][1];
            out[width * outputs + o] = a[1][0] - a[2][0] - a[3][0];
            out[(width + 1) * outputs + o] = a[1][1] - a[2][1] - a[3][1];
        }
    }
    if (!whole && first + count == rows * cols)
        for (long r = 0; r < w->output_height; r++) {  // cutting the edges m does not divide
            float *to = y + r * w->output_width * outputs;
            const float *from = plane + r * width * outputs;
            for (long i = 0; i < w->output_width * outputs; i++) to[i] = from[i];
        }
}

TARGET static void VARIANT(winograd_output_adjoint)(const cnnzoo_window *w, long m, long outputs, const float *restrict y,
                                                    long first, long count, float *restrict out_m, float *restrict plane) {
    const long cols = cnnzoo_winograd_tile_cols(w, m), rows = cnnzoo_winograd_tile_rows(w, m), width = m * cols;
    const long oh = w->output_height, ow = w->output_width, points = (m + 2) * (m + 2);
    const int whole = oh % m == 0 && ow % m == 0;
    // As in winograd_output (y itself when m divides it), zero past the output's edge.
    if (!whole && first == 0) {
        for (long r = 0; r < oh; r++) {  // only past the edge is cleared: y overwrites the rest
            float *to = plane + r * width * outputs;
            const float *from = y + r * ow * outputs;
            for (long i = 0; i < ow * outputs; i++) to[i] = from[i];
            for (long i = ow * outputs; i < width * outputs; i++) to[i] = 0;
        }
        for (long i = oh * width * outputs; i < m * rows * width * outputs; i++) plane[i] = 0;
    }
    const float *restrict source = whole ? y : plane;
    FOR_EACH_TILE(tile, corner, first, count, cols, m, width, outputs) {
        const float *e = source + corner;
        float *out = out_m + (tile - first) * points * outputs;
        if (m == 4) {
            VECTORIZE
            for (long o = 0; o < outputs; o++) {
                float t[24];  // A·∂y down the columns, [6, 4], then (A·∂y)·Aᵀ along the rows
                UNROLL for (long j = 0; j < 4; j++) VARIANT(output_adjoint4)(e + j * outputs + o, width * outputs, t + j, 4);
                UNROLL for (long i = 0; i < 6; i++) VARIANT(output_adjoint4)(t + 4 * i, 1, out + 6 * i * outputs + o, outputs);
            }
            continue;
        }
        VECTORIZE
        for (long o = 0; o < outputs; o++) {
            const float e00 = e[o], e01 = e[outputs + o], e10 = e[width * outputs + o], e11 = e[(width + 1) * outputs + o];
            const float t[4][2] = {{e00, e01}, {e00 + e10, e01 + e11}, {e00 - e10, e01 - e11}, {-e10, -e11}};  // A·∂y
            for (long i = 0; i < 4; i++) {  // (A·∂y)·Aᵀ
                out[(4 * i) * outputs + o] = t[i][0];
                out[(4 * i + 1) * outputs + o] = t[i][0] + t[i][1];
                out[(4 * i + 2) * outputs + o] = t[i][0] - t[i][1];
                out[(4 * i + 3) * outputs + o] = -t[i][1];
            }
        }
    }
}

// Batch normalisation's loops over one channel's plane. Each sum keeps 32 running sums — value i
// going to sum i mod 32, four vectors of eight — added up at the end in a fixed order, then the
// values past the last 32 one by one: the same bits in every variant and every layout, with four
// or more chains in flight. No multiply-add is contracted, so every variant rounds alike.

typedef double VARIANT(double8) __attribute__((ext_vector_type(8)));
typedef float VARIANT(float8) __attribute__((ext_vector_type(8), aligned(4)));
typedef float VARIANT(float16) __attribute__((ext_vector_type(16), aligned(4)));

/// Σ lanes of `vector`, from the first to the last, starting at zero, into `total`. (Macros: a
/// function taking or returning these vectors would change its ABI without the wider registers.)
#define LANES_IN_ORDER(total, vector, lanes)                         \
    do {                                                             \
        for (int lane_ = 0; lane_ < (lanes); lane_++) (total) += (vector)[lane_]; \
    } while (0)
#define WIDEN(pointer) __builtin_convertvector(*(const VARIANT(float8) *)(pointer), VARIANT(double8))

TARGET static void VARIANT(channel_statistics)(const float *restrict x, long count, double shift, double *sum,
                                               double *squares) {
    NO_CONTRACT
    VARIANT(double8) s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
    const VARIANT(double8) k = shift;
    const long whole = count / 32 * 32;
    for (long i = 0; i < whole; i += 32) {
        const VARIANT(double8) x0 = WIDEN(x + i), x1 = WIDEN(x + i + 8), x2 = WIDEN(x + i + 16), x3 = WIDEN(x + i + 24);
        s0 += x0, s1 += x1, s2 += x2, s3 += x3;
        const VARIANT(double8) d0 = x0 - k, d1 = x1 - k, d2 = x2 - k, d3 = x3 - k;
        q0 += d0 * d0, q1 += d1 * d1, q2 += d2 * d2, q3 += d3 * d3;
    }
    const VARIANT(double8) sums = (s0 + s1) + (s2 + s3), squared = (q0 + q1) + (q2 + q3);
    double total = 0, total_squares = 0;
    LANES_IN_ORDER(total, sums, 8);
    LANES_IN_ORDER(total_squares, squared, 8);
    for (long i = whole; i < count; i++) {
        const double value = x[i], d = value - shift;
        total += value;
        total_squares += d * d;
    }
    *sum = total;
    *squares = total_squares;
}

TARGET static void VARIANT(channel_normalize)(const float *x, float *y, long count, float mean, float scale, float gamma,
                                              float beta) {
    NO_CONTRACT
    // y is x or apart from it, never partly over it: each value is read before its own is written.
    VECTORIZE_DISTINCT
    for (long i = 0; i < count; i++) y[i] = gamma * ((x[i] - mean) * scale) + beta;
}

TARGET static void VARIANT(channel_gradient_sums)(const float *restrict dy, const float *restrict x, long count, float mean,
                                                  float scale, float *plain_sum, float *weighted_sum) {
    NO_CONTRACT
    VARIANT(float16) p0 = 0, p1 = 0, w0 = 0, w1 = 0;
    const VARIANT(float16) m = mean, s = scale;
    const long whole = count / 32 * 32;
    for (long i = 0; i < whole; i += 32) {
        const VARIANT(float16) g0 = *(const VARIANT(float16) *)(dy + i), g1 = *(const VARIANT(float16) *)(dy + i + 16);
        p0 += g0, p1 += g1;
        w0 += g0 * ((*(const VARIANT(float16) *)(x + i) - m) * s);
        w1 += g1 * ((*(const VARIANT(float16) *)(x + i + 16) - m) * s);
    }
    const VARIANT(float16) plain = p0 + p1, weighted = w0 + w1;
    float a = 0, b = 0;
    LANES_IN_ORDER(a, plain, 16);
    LANES_IN_ORDER(b, weighted, 16);
    for (long i = whole; i < count; i++) {
        a += dy[i];
        b += dy[i] * ((x[i] - mean) * scale);
    }
    *plain_sum = a;
    *weighted_sum = b;
}

TARGET static void VARIANT(channel_input_gradient)(const float *restrict dy, const float *restrict x, float *restrict dx,
                                                   long count, float n, float sum_dy, float sum_dy_x_hat, float mean,
                                                   float scale, float factor) {
    NO_CONTRACT
    for (long i = 0; i < count; i++) dx[i] = factor * (n * dy[i] - sum_dy - ((x[i] - mean) * scale) * sum_dy_x_hat);
}

#undef LANES_IN_ORDER
#undef WIDEN
#undef FOR_EACH_TILE
#undef ALWAYS_INLINE
#undef NO_CONTRACT
#undef UNROLL
#undef FILTER_RUN

#include "ProductBodies.h"

static const cnnzoo_kernel_table VARIANT(table) = {
    .unfold = VARIANT(unfold),
    .fold = VARIANT(fold),
    .max_pool = VARIANT(max_pool),
    .max_pool_values = VARIANT(max_pool_values),
    .sigmoid = VARIANT(sigmoid),
    .shifted_sums = VARIANT(shifted_sums),
    .shifted_adds = VARIANT(shifted_adds),
    .winograd_filter = VARIANT(winograd_filter),
    .winograd_filter_adjoint = VARIANT(winograd_filter_adjoint),
    .winograd_input = VARIANT(winograd_input),
    .winograd_input_adjoint = VARIANT(winograd_input_adjoint),
    .winograd_output = VARIANT(winograd_output),
    .winograd_output_adjoint = VARIANT(winograd_output_adjoint),
    .multiply = VARIANT(multiply),
    .channel_statistics = VARIANT(channel_statistics),
    .channel_normalize = VARIANT(channel_normalize),
    .channel_gradient_sums = VARIANT(channel_gradient_sums),
    .channel_input_gradient = VARIANT(channel_input_gradient),
};
