// The built-in test source: realistic moving frames (colour bars, a gradient, a moving box and a
// frame counter) rendered straight into any raw pixel format, so tests, the bench and the
// camera-less CLI exercise the same encode path as a real camera.
#pragma once

#include <cstddef>
#include <cstdint>

#include "formats/pixel_format.h"

namespace turbocam {

// Bytes of one frame at the default (tight) stride. Throws ERR_UNSUPPORTED_FORMAT for mjpeg and
// ERR_INVALID_ARG for sizes the format cannot hold (odd widths of subsampled formats, <= 0).
size_t testPatternSize(PixelFormat format, int width, int height);

// Renders frame number `frameIndex` into dst (testPatternSize bytes, tight stride).
void renderTestPattern(PixelFormat format, int width, int height, uint64_t frameIndex, uint8_t* dst);

}  // namespace turbocam
