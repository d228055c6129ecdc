// What an M2M encoder makes of a raw frame before any buffer exists: the formats negotiated on an
// open node (the coded one first, then the raw one, each read back; a buffer aligned above the
// frame cropped to it), and the copy of a frame into an OUTPUT buffer laid out that way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "encoder/jpeg_encoder.h"

namespace turbocam {

// OUTPUT's layout, as the driver set it.
struct M2mLayout {
  size_t stride = 0;  // bytesperline
  size_t image = 0;   // sizeimage
  int height = 0;     // the frame's, or aligned above it (then cropped)
};

// Sets both formats for frames shaped like this one. Throws ERR_UNSUPPORTED_FORMAT naming what the
// driver substituted (a format, a size, several planes), the errno's code when an ioctl fails.
M2mLayout negotiateM2m(int fd, bool multiplanar, const std::string& path, uint32_t codedFourcc, const RawFrame& frame);

// Copies the frame (lines of `stride` bytes) into dst (length bytes) laid out as layout says;
// returns the bytes used. ERR_FRAME_SIZE when the buffer is too small.
size_t copyIntoM2m(uint8_t* dst, size_t length, const RawFrame& frame, size_t stride, const M2mLayout& layout,
                   const std::string& path);

}  // namespace turbocam
