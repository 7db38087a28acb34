#include "cnnzoo_image_codecs.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

static void set_error(char *error, size_t size, const char *message) {
    if (size > 0) snprintf(error, size, "%s", message);
}

// PNG through libpng's simplified API (1.6): no setjmp needed, every colour type and depth.

static int png_begin(png_image *image, const uint8_t *data, size_t size, char *error, size_t error_size) {
    memset(image, 0, sizeof *image);
    image->version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(image, data, size)) {
        set_error(error, error_size, image->message[0] ? image->message : "not a PNG image");
        png_image_free(image);
        return -1;
    }
    return 0;
}

int cnnzoo_png_info(const uint8_t *data, size_t size, cnnzoo_image_info *info, char *error, size_t error_size) {
    png_image image;
    if (png_begin(&image, data, size, error, error_size) != 0) return -1;
    info->width = (int32_t)image.width;
    info->height = (int32_t)image.height;
    info->channels = (image.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
    png_image_free(&image);
    return 0;
}

/// Pillow's luma (ITU-R 601-2, in 16.16 fixed point), so a colour image read as grey matches it.
static uint8_t luma(unsigned r, unsigned g, unsigned b) {
    return (uint8_t)((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
}

int cnnzoo_png_decode(const uint8_t *data, size_t size, int32_t channels, uint8_t *pixels, size_t capacity,
                      char *error, size_t error_size) {
    png_image image;
    if (png_begin(&image, data, size, error, error_size) != 0) return -1;
    // The samples as stored, alpha kept (and then dropped, as Pillow's convert does; no
    // compositing). 16-bit files are read as 16-bit linear values — no gamma conversion — and
    // scaled to 8 bits with rounding (v / 257).
    const int colour = (image.format & PNG_FORMAT_FLAG_COLOR) != 0;
    const int wide = (image.format & PNG_FORMAT_FLAG_LINEAR) != 0;
    image.format = (colour ? PNG_FORMAT_RGBA : PNG_FORMAT_GA) | (wide ? PNG_FORMAT_FLAG_LINEAR : 0);
    const size_t pixels_count = (size_t)image.width * image.height;
    if (pixels_count * (size_t)channels > capacity) {
        set_error(error, error_size, "the decoded image does not fit the buffer");
        png_image_free(&image);
        return -1;
    }
    const size_t stride = colour ? 4 : 2;
    void *decoded = malloc(PNG_IMAGE_SIZE(image));
    if (!decoded) {
        set_error(error, error_size, "out of memory");
        png_image_free(&image);
        return -1;
    }
    if (!png_image_finish_read(&image, NULL, decoded, 0, NULL)) {
        set_error(error, error_size, image.message[0] ? image.message : "the PNG data is damaged");
        free(decoded);
        png_image_free(&image);
        return -1;
    }
    for (size_t p = 0; p < pixels_count; p++) {
        unsigned v[3];
        for (int k = 0; k < (colour ? 3 : 1); k++) {
            v[k] = wide ? ((unsigned)((const uint16_t *)decoded)[p * stride + k] * 255u + 32767u) / 65535u
                        : ((const uint8_t *)decoded)[p * stride + k];
        }
        if (!colour) v[1] = v[2] = v[0];
        if (channels == 3) {
            pixels[p * 3] = (uint8_t)v[0];
            pixels[p * 3 + 1] = (uint8_t)v[1];
            pixels[p * 3 + 2] = (uint8_t)v[2];
        } else {
            pixels[p] = colour ? luma(v[0], v[1], v[2]) : (uint8_t)v[0];
        }
    }
    free(decoded);
    png_image_free(&image);
    return 0;
}

// JPEG through libjpeg: its errors longjmp back here.

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf escape;
    char message[JMSG_LENGTH_MAX];
} jpeg_failure;

static void jpeg_fail(j_common_ptr info) {
    jpeg_failure *failure = (jpeg_failure *)info->err;
    (*info->err->format_message)(info, failure->message);
    longjmp(failure->escape, 1);
}

static void jpeg_quiet(j_common_ptr info, int level) {
    // Warnings (a premature end of data, corrupt entropy data) are counted, not printed: the
    // shim refuses an image that raised any, rather than return libjpeg's grey fill.
    if (level < 0) info->err->num_warnings++;
}

static int jpeg_run(const uint8_t *data, size_t size, int32_t channels, uint8_t *pixels, size_t capacity,
                    cnnzoo_image_info *info, char *error, size_t error_size) {
    struct jpeg_decompress_struct decoder;
    jpeg_failure failure;
    memset(&decoder, 0, sizeof decoder);
    decoder.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = jpeg_fail;
    failure.manager.emit_message = jpeg_quiet;
    failure.message[0] = 0;
    if (setjmp(failure.escape)) {
        set_error(error, error_size, failure.message[0] ? failure.message : "the JPEG data is damaged");
        jpeg_destroy_decompress(&decoder);
        return -1;
    }
    jpeg_create_decompress(&decoder);
    jpeg_mem_src(&decoder, data, (unsigned long)size);
    if (jpeg_read_header(&decoder, TRUE) != JPEG_HEADER_OK) {
        set_error(error, error_size, "not a JPEG image");
        jpeg_destroy_decompress(&decoder);
        return -1;
    }
    if (info) {
        info->width = (int32_t)decoder.image_width;
        info->height = (int32_t)decoder.image_height;
        info->channels = decoder.num_components == 1 ? 1 : 3;
        jpeg_destroy_decompress(&decoder);
        return 0;
    }
    decoder.out_color_space = channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_start_decompress(&decoder);
    size_t row = (size_t)decoder.output_width * (size_t)decoder.output_components;
    if (row * decoder.output_height > capacity) {
        set_error(error, error_size, "the decoded image does not fit the buffer");
        jpeg_destroy_decompress(&decoder);
        return -1;
    }
    while (decoder.output_scanline < decoder.output_height) {
        JSAMPROW line = pixels + row * decoder.output_scanline;
        if (jpeg_read_scanlines(&decoder, &line, 1) != 1) break;
    }
    // libjpeg pads a truncated file with grey and only warns: a missing end of image is an error here.
    int truncated = decoder.output_scanline < decoder.output_height || failure.manager.num_warnings > 0;
    if (!truncated) jpeg_finish_decompress(&decoder);
    jpeg_destroy_decompress(&decoder);
    if (truncated) {
        set_error(error, error_size, "the JPEG data is truncated or damaged");
        return -1;
    }
    return 0;
}

int cnnzoo_jpeg_info(const uint8_t *data, size_t size, cnnzoo_image_info *info, char *error, size_t error_size) {
    return jpeg_run(data, size, 0, NULL, 0, info, error, error_size);
}

int cnnzoo_jpeg_decode(const uint8_t *data, size_t size, int32_t channels, uint8_t *pixels, size_t capacity,
                       char *error, size_t error_size) {
    return jpeg_run(data, size, channels, pixels, capacity, NULL, error, error_size);
}
