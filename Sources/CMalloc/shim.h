#ifndef CNNZOO_CMALLOC_SHIM_H
#define CNNZOO_CMALLOC_SHIM_H
#include <malloc.h>

/* glibc's malloc tunables; malloc.h is not part of Swift's Glibc module. */
static inline void cnnzoo_keep_large_blocks(int mmap_threshold, int trim_threshold, int top_pad) {
    mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    mallopt(M_TRIM_THRESHOLD, trim_threshold);
    mallopt(M_TOP_PAD, top_pad);
}
#endif
