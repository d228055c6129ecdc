#include "formats/pixel_format.h"

#include <linux/videodev2.h>

#include <cstdint>
#include <string>

#include "error.h"

namespace turbocam {

namespace {

const PixelFormatInfo kFormats[] = {
    {PixelFormat::YUYV, "yuyv", V4L2_PIX_FMT_YUYV, 2, true, false},
    {PixelFormat::UYVY, "uyvy", V4L2_PIX_FMT_UYVY, 2, true, false},
    {PixelFormat::NV12, "nv12", V4L2_PIX_FMT_NV12, 1, true, true},
    {PixelFormat::I420, "i420", V4L2_PIX_FMT_YUV420, 1, true, true},
    {PixelFormat::RGB24, "rgb24", V4L2_PIX_FMT_RGB24, 3, false, false},
    {PixelFormat::BGR24, "bgr24", V4L2_PIX_FMT_BGR24, 3, false, false},
    {PixelFormat::GREY, "grey", V4L2_PIX_FMT_GREY, 1, false, false},
    {PixelFormat::MJPEG, "mjpeg", V4L2_PIX_FMT_MJPEG, 0, false, false},
};

}  // namespace

const PixelFormatInfo* allPixelFormats(size_t* count) {
  *count = sizeof(kFormats) / sizeof(kFormats[0]);
  return kFormats;
}

const PixelFormatInfo& formatInfo(PixelFormat format) { return kFormats[static_cast<int>(format)]; }

const PixelFormatInfo* findFormatByName(std::string_view name) {
  for (const auto& info : kFormats) {
    if (name == info.name) return &info;
  }
  return nullptr;
}

const PixelFormatInfo* findFormatByFourcc(uint32_t fourcc) {
  for (const auto& info : kFormats) {
    if (info.fourcc == fourcc) return &info;
  }
  // Cameras label motion JPEG either way; both carry the same bytes.
  if (fourcc == V4L2_PIX_FMT_JPEG) return &formatInfo(PixelFormat::MJPEG);
  return nullptr;
}

std::string fourccToString(uint32_t fourcc) {
  std::string s;
  for (int i = 0; i < 4; i++) {
    char c = static_cast<char>((fourcc >> (8 * i)) & 0xff);
    if (c != ' ' && c != '\0') s += c;
  }
  return s;
}

size_t defaultStride(PixelFormat format, int width) {
  return static_cast<size_t>(width) * static_cast<size_t>(formatInfo(format).bytesPerPixel);
}

size_t minFrameSize(PixelFormat format, int width, int height, size_t stride) {
  // 64-bit arithmetic: on 32-bit boards a large frame must not wrap to a small, "valid" size.
  const uint64_t h = static_cast<uint64_t>(height);
  const uint64_t s = stride;
  uint64_t size = 0;
  switch (format) {
    case PixelFormat::NV12:
      size = s * h + s * ((h + 1) / 2);
      break;
    case PixelFormat::I420:
      size = s * h + 2 * (s / 2) * ((h + 1) / 2);
      break;
    case PixelFormat::MJPEG:
      return 0;
    default:
      size = s * h;
      break;
  }
  if (size > SIZE_MAX) {
    throw Error("ERR_FRAME_SIZE", "a " + std::to_string(width) + "x" + std::to_string(height) + " " +
                                      formatInfo(format).name + " frame exceeds this platform's address space");
  }
  return static_cast<size_t>(size);
}

}  // namespace turbocam
