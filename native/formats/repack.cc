#include "formats/repack.h"

#include <cstring>

namespace turbocam {

namespace {

// Offsets of Y0, U, Y1, V inside one 4-byte macropixel.
struct Layout {
  int y0, u, y1, v;
};

constexpr Layout layoutOf(Packed422 order) {
  return order == Packed422::YUYV ? Layout{0, 1, 2, 3} : Layout{1, 0, 3, 2};
}

// Template on the layout so the offsets are constants and the loop vectorises.
template <int Y0, int U, int Y1, int V>
void lumaAndChroma(const uint8_t* __restrict src, int pairs, uint8_t* __restrict y, uint8_t* __restrict u,
                   uint8_t* __restrict v) {
  for (int i = 0; i < pairs; i++) {
    const uint8_t* p = src + 4 * i;
    y[2 * i] = p[Y0];
    y[2 * i + 1] = p[Y1];
    u[i] = p[U];
    v[i] = p[V];
  }
}

template <int Y0, int Y1>
void lumaOnly(const uint8_t* __restrict src, int pairs, uint8_t* __restrict y) {
  for (int i = 0; i < pairs; i++) {
    y[2 * i] = src[4 * i + Y0];
    y[2 * i + 1] = src[4 * i + Y1];
  }
}

// Chroma of two lines averaged (rounded) into one.
template <int U, int V>
void averagedChroma(const uint8_t* __restrict a, const uint8_t* __restrict b, int pairs, uint8_t* __restrict u,
                    uint8_t* __restrict v) {
  for (int i = 0; i < pairs; i++) {
    u[i] = static_cast<uint8_t>((a[4 * i + U] + b[4 * i + U] + 1) >> 1);
    v[i] = static_cast<uint8_t>((a[4 * i + V] + b[4 * i + V] + 1) >> 1);
  }
}

// Templates on the byte order, so every kernel is compiled with its layout's offsets as constants.
template <Packed422 Order>
void toPlanar422(const uint8_t* src, size_t srcStride, int width, int height, const PlanarYuv& dst) {
  constexpr Layout l = layoutOf(Order);
  const int pairs = width / 2;
  for (int row = 0; row < height; row++) {
    lumaAndChroma<l.y0, l.u, l.y1, l.v>(src + row * srcStride, pairs, dst.y + row * dst.yStride,
                                        dst.u + row * dst.uvStride, dst.v + row * dst.uvStride);
  }
}

template <Packed422 Order>
void toPlanar420(const uint8_t* src, size_t srcStride, int width, int height, const PlanarYuv& dst) {
  constexpr Layout l = layoutOf(Order);
  const int pairs = width / 2;
  int row = 0;
  for (; row + 1 < height; row += 2) {
    const uint8_t* a = src + row * srcStride;
    const uint8_t* b = a + srcStride;
    lumaOnly<l.y0, l.y1>(a, pairs, dst.y + row * dst.yStride);
    lumaOnly<l.y0, l.y1>(b, pairs, dst.y + (row + 1) * dst.yStride);
    const size_t c = static_cast<size_t>(row / 2) * dst.uvStride;
    averagedChroma<l.u, l.v>(a, b, pairs, dst.u + c, dst.v + c);
  }
  if (row < height) {
    const size_t c = static_cast<size_t>(row / 2) * dst.uvStride;
    lumaAndChroma<l.y0, l.u, l.y1, l.v>(src + row * srcStride, pairs, dst.y + row * dst.yStride, dst.u + c, dst.v + c);
  }
}

}  // namespace

void packed422ToPlanar422(Packed422 order, const uint8_t* src, size_t srcStride, int width, int height,
                          const PlanarYuv& dst) {
  if (order == Packed422::YUYV)
    toPlanar422<Packed422::YUYV>(src, srcStride, width, height, dst);
  else
    toPlanar422<Packed422::UYVY>(src, srcStride, width, height, dst);
}

void packed422ToPlanar420(Packed422 order, const uint8_t* src, size_t srcStride, int width, int height,
                          const PlanarYuv& dst) {
  if (order == Packed422::YUYV)
    toPlanar420<Packed422::YUYV>(src, srcStride, width, height, dst);
  else
    toPlanar420<Packed422::UYVY>(src, srcStride, width, height, dst);
}

void splitInterleavedChroma(const uint8_t* uv, size_t uvStride, int width, int height, const PlanarYuv& dst) {
  const int pairs = width / 2;
  const int rows = (height + 1) / 2;
  for (int row = 0; row < rows; row++) {
    const uint8_t* __restrict s = uv + row * uvStride;
    uint8_t* __restrict u = dst.u + row * dst.uvStride;
    uint8_t* __restrict v = dst.v + row * dst.uvStride;
    for (int i = 0; i < pairs; i++) {
      u[i] = s[2 * i];
      v[i] = s[2 * i + 1];
    }
  }
}

void copyPlaneRepeatingLastRow(const uint8_t* src, size_t srcStride, int width, int rows, uint8_t* dst) {
  const size_t w = static_cast<size_t>(width);
  if (src != dst) {
    for (int row = 0; row < rows; row++) std::memcpy(dst + row * w, src + row * srcStride, w);
  }
  if (rows > 0) std::memcpy(dst + rows * w, src + (rows - 1) * srcStride, w);
}

}  // namespace turbocam
