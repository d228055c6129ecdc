// Lossless rotation and flips of a JPEG with TurboJPEG's tjTransform: DCT blocks are moved, never
// decoded or re-quantised. Edge blocks that do not fill a whole MCU cannot move losslessly and are
// trimmed (TJXOPT_TRIM), so the output can be up to one MCU less wide or tall.
#pragma once

#include <cstddef>
#include <cstdint>

#include "formats/orient.h"

namespace turbocam {

class JpegTransformer {
 public:
  JpegTransformer();
  ~JpegTransformer();
  JpegTransformer(const JpegTransformer&) = delete;
  JpegTransformer& operator=(const JpegTransformer&) = delete;

  struct Output {
    uint8_t* data;  // TurboJPEG's buffer, valid until the next transform()
    size_t length;
    int width;
    int height;
  };
  // Throws ERR_CORRUPT_FRAME when TurboJPEG cannot read the JPEG.
  Output transform(const uint8_t* jpeg, size_t size, Orientation orientation);

 private:
  void* handle_;  // tjhandle
  unsigned char* out_ = nullptr;
  unsigned long outSize_ = 0;
};

}  // namespace turbocam
