// Thin shims over Debian's libpng and libjpeg(-turbo): decode a PNG or JPEG held in memory into
// 8-bit samples, channel-interleaved (grey: 1 channel, colour: 3), refusing before any large
// allocation an image whose header claims more than `max_pixels` pixels. libjpeg reports errors
// by longjmp, which Swift cannot catch; the shim catches it here and returns the message.
#ifndef CNNZOO_IMAGE_CODECS_H
#define CNNZOO_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

/// What a header says, read without decoding the pixels.
typedef struct cnnzoo_image_info {
    int32_t width, height;
    /// 1 for grey (with or without alpha), 3 for colour (RGB, RGBA, palette, YCbCr, CMYK).
    int32_t channels;
} cnnzoo_image_info;

/// 0 on success. On failure writes a one-line reason into `error` (`error_size` bytes).
int cnnzoo_png_info(const uint8_t *data, size_t size, cnnzoo_image_info *info, char *error, size_t error_size);
/// Decodes into `pixels` (width × height × channels bytes, `channels` 1 or 3; alpha is dropped,
/// 16-bit samples are scaled to 8): 0 on success.
int cnnzoo_png_decode(const uint8_t *data, size_t size, int32_t channels, uint8_t *pixels, size_t capacity,
                      char *error, size_t error_size);

int cnnzoo_jpeg_info(const uint8_t *data, size_t size, cnnzoo_image_info *info, char *error, size_t error_size);
int cnnzoo_jpeg_decode(const uint8_t *data, size_t size, int32_t channels, uint8_t *pixels, size_t capacity,
                       char *error, size_t error_size);

#endif
