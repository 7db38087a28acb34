#ifndef CNNZOO_CZLIB_SHIM_H
#define CNNZOO_CZLIB_SHIM_H
#include <zlib.h>

/// `inflateInit2` is a macro; Swift cannot call it directly.
/// windowBits 15 + 32 asks zlib to detect gzip or zlib headers itself.
static inline int cnnzoo_inflate_init_auto(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}
#endif
