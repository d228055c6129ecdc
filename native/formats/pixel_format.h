// The pixel-format table: every raw format turbocam accepts, by its lower-case V4L2-style name and
// its V4L2 fourcc, with the geometry rules (strides, plane sizes) that capture and encoding share.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace turbocam {

enum class PixelFormat { YUYV, UYVY, NV12, I420, RGB24, BGR24, GREY, MJPEG };

struct PixelFormatInfo {
  PixelFormat format;
  const char* name;        // "yuyv", "nv12", ...: the names of the JS API
  uint32_t fourcc;         // V4L2_PIX_FMT_*
  int bytesPerPixel;       // of the first plane, for the default stride; 0 for mjpeg
  bool chromaSubsampledX;  // width must be even
  bool chromaSubsampledY;  // height must be even
};

// Every format, in a stable order (the order of PixelFormat).
const PixelFormatInfo* allPixelFormats(size_t* count);
const PixelFormatInfo& formatInfo(PixelFormat format);
// nullptr when the name or fourcc is unknown.
const PixelFormatInfo* findFormatByName(std::string_view name);
const PixelFormatInfo* findFormatByFourcc(uint32_t fourcc);
// "YUYV" for 0x56595559: for messages that list what a device offers.
std::string fourccToString(uint32_t fourcc);

// Bytes per line of the first plane when the caller gives no stride.
size_t defaultStride(PixelFormat format, int width);
// Smallest buffer that holds a width x height frame with the given first-plane stride
// (chroma planes of i420 use stride/2, nv12's interleaved plane uses stride). 0 for mjpeg.
// Throws ERR_FRAME_SIZE when the size does not fit in size_t (32-bit platforms).
size_t minFrameSize(PixelFormat format, int width, int height, size_t stride);

}  // namespace turbocam
