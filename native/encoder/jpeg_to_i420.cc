#include "encoder/jpeg_to_i420.h"

#include <turbojpeg.h>

#include <algorithm>
#include <cstring>

namespace turbocam {

namespace {

// The mean of the source chroma samples each 4:2:0 sample covers: 2x1 rows for 4:2:2, 2x2 for
// 4:4:4, 1x2 for 4:4:0, 1x2 (from a quarter-width plane, each sample used twice) for 4:1:1.
void boxToHalf(const uint8_t* src, int srcW, int srcH, uint8_t* dst, int dstW, int dstH) {
  for (int y = 0; y < dstH; y++) {
    const int y0 = y * srcH / dstH;
    const int y1 = std::max(y0 + 1, (y + 1) * srcH / dstH);
    for (int x = 0; x < dstW; x++) {
      const int x0 = x * srcW / dstW;
      const int x1 = std::max(x0 + 1, (x + 1) * srcW / dstW);
      int sum = 0;
      for (int sy = y0; sy < y1; sy++) {
        for (int sx = x0; sx < x1; sx++) sum += src[static_cast<size_t>(sy) * srcW + sx];
      }
      const int n = (y1 - y0) * (x1 - x0);
      dst[static_cast<size_t>(y) * dstW + x] = static_cast<uint8_t>((sum + n / 2) / n);
    }
  }
}

}  // namespace

JpegToI420::JpegToI420() : handle_(tjInitDecompress()) {}

JpegToI420::~JpegToI420() {
  if (handle_ != nullptr) tjDestroy(handle_);
}

bool JpegToI420::decode(const uint8_t* jpeg, size_t length, std::vector<uint8_t>& out, int* width, int* height) {
  if (handle_ == nullptr) return false;
  int w = 0, h = 0, samp = 0, colourspace = 0;
  if (tjDecompressHeader3(handle_, jpeg, static_cast<unsigned long>(length), &w, &h, &samp, &colourspace) != 0)
    return false;
  if (w <= 0 || h <= 0 || w % 2 != 0 || h % 2 != 0 || colourspace == TJCS_CMYK || colourspace == TJCS_YCCK)
    return false;
  const size_t luma = static_cast<size_t>(w) * h;
  out.resize(luma * 3 / 2);
  uint8_t* y = out.data();
  uint8_t* u = y + luma;
  uint8_t* v = u + luma / 4;
  const bool direct = samp == TJSAMP_420 || samp == TJSAMP_GRAY;
  unsigned char* planes[3] = {y, u, v};
  int strides[3] = {w, w / 2, w / 2};
  int cw = 0, ch = 0;
  if (!direct) {
    // Decoded at its own subsampling first, then averaged down.
    cw = tjPlaneWidth(1, w, samp);
    ch = tjPlaneHeight(1, h, samp);
    native_.resize(2 * static_cast<size_t>(cw) * ch);
    planes[1] = native_.data();
    planes[2] = native_.data() + static_cast<size_t>(cw) * ch;
    strides[1] = strides[2] = cw;
  }
  if (tjDecompressToYUVPlanes(handle_, jpeg, static_cast<unsigned long>(length), planes, w, strides, h, 0) != 0 &&
      tjGetErrorCode(handle_) != TJERR_WARNING)
    return false;
  if (samp == TJSAMP_GRAY) {
    std::memset(u, 128, luma / 2);
  } else if (!direct) {
    boxToHalf(planes[1], cw, ch, u, w / 2, h / 2);
    boxToHalf(planes[2], cw, ch, v, w / 2, h / 2);
  }
  *width = w;
  *height = h;
  return true;
}

}  // namespace turbocam
