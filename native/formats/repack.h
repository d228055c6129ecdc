// Repacking kernels: camera layouts -> the planar Y/U/V that TurboJPEG compresses without any
// colour conversion. Plain loops over bytes that the compiler vectorises on x86 and ARM alike.
#pragma once

#include <cstddef>
#include <cstdint>

namespace turbocam {

// Destination planes and their strides (bytes per row).
struct PlanarYuv {
  uint8_t* y;
  uint8_t* u;
  uint8_t* v;
  size_t yStride;
  size_t uvStride;
};

// Byte order of a packed 4:2:2 line: YUYV (Y0 U Y1 V) or UYVY (U Y0 V Y1).
enum class Packed422 { YUYV, UYVY };

// Packed 4:2:2 (even width) -> planar 4:2:2: chroma planes are width/2 x height.
void packed422ToPlanar422(Packed422 order, const uint8_t* src, size_t srcStride, int width, int height,
                          const PlanarYuv& dst);

// Packed 4:2:2 -> planar 4:2:0: each chroma sample is the rounded mean of two vertically adjacent
// ones; an odd last line keeps its own chroma. Chroma planes are width/2 x (height+1)/2.
void packed422ToPlanar420(Packed422 order, const uint8_t* src, size_t srcStride, int width, int height,
                          const PlanarYuv& dst);

// NV12's interleaved CbCr plane -> separate U and V planes, width/2 x (height+1)/2.
void splitInterleavedChroma(const uint8_t* uv, size_t uvStride, int width, int height, const PlanarYuv& dst);

// A plane of `rows` lines of `width` bytes copied to a tight one with one extra line repeating the
// last: TurboJPEG reads 4:2:0 luma in pairs of lines, so odd heights need the pair completed.
// `dst` may be `src` itself when that is already tight (srcStride == width): only the line is added.
void copyPlaneRepeatingLastRow(const uint8_t* src, size_t srcStride, int width, int rows, uint8_t* dst);

}  // namespace turbocam
