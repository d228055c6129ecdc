// Rotation and flips as one of the eight orientations of a rectangle, and the kernel that writes a
// plane in its new orientation straight from the camera's layout (a sample every `step` bytes), so
// repacking and rotating are one pass.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace turbocam {

enum class Orientation { None, FlipH, FlipV, Rot180, Transpose, Rot90, Rot270, Transverse };

// rotate (clockwise, 0/90/180/270) and then flip ('h', 'v' or 0); throws ERR_INVALID_ARG otherwise.
Orientation orientationOf(int rotate, char flip);
// Width and height trade places (90 and 270, with or without a flip).
bool swapsAxes(Orientation o);
const char* orientationName(Orientation o);

// Writes the w x h plane whose sample (x, y) is src[y * srcStride + x * step] (`bytes` bytes per
// sample: 1, or 3 for RGB) into dst, oriented; dst rows are dstStride bytes apart.
void orientPlane(const uint8_t* src, size_t step, size_t srcStride, int w, int h, int bytes, Orientation o,
                 uint8_t* dst, size_t dstStride);

}  // namespace turbocam
