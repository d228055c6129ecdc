// libjpeg-turbo wrapper. One JpegEncoder per thread (a tjhandle is not thread-safe); it keeps its
// scratch planes between frames so a steady stream allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "formats/pixel_format.h"

namespace turbocam {

enum class Subsampling { Auto, S444, S422, S420, Gray };

struct RawFrame {
  const uint8_t* data = nullptr;
  size_t size = 0;
  int width = 0;
  int height = 0;
  PixelFormat format = PixelFormat::YUYV;
  size_t stride = 0;  // bytes per line of the first plane; 0 = defaultStride(format, width)
};

struct EncodeOptions {
  int quality = 80;                           // 1..100
  Subsampling subsampling = Subsampling::Auto;  // Auto: 4:2:2 for packed 4:2:2, 4:2:0 otherwise, gray for grey
};

class JpegEncoder {
 public:
  JpegEncoder();
  ~JpegEncoder();
  JpegEncoder(const JpegEncoder&) = delete;
  JpegEncoder& operator=(const JpegEncoder&) = delete;

  // Throws turbocam::Error (ERR_FRAME_SIZE, ERR_UNSUPPORTED_FORMAT, ERR_INVALID_ARG, ERR_ENCODE)
  // for frames or options it cannot encode, before touching dst.
  static void validate(const RawFrame& frame, const EncodeOptions& options);

  // Upper bound of the JPEG size for this frame and options: the capacity dst must have.
  static size_t maxJpegSize(const RawFrame& frame, const EncodeOptions& options);

  // Compresses frame into dst (capacity >= maxJpegSize) without reallocating it; returns the
  // JPEG's length. mjpeg frames are not accepted here: they go through the MJPEG normaliser.
  size_t encode(const RawFrame& frame, const EncodeOptions& options, uint8_t* dst, size_t capacity);

 private:
  void* handle_;  // tjhandle
  std::vector<uint8_t> planes_;  // deinterleaved Y/U/V scratch for packed and semi-planar input
};

}  // namespace turbocam
