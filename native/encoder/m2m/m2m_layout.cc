#include "encoder/m2m/m2m_layout.h"

#include <linux/videodev2.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "encoder/m2m/m2m_probe.h"
#include "error.h"

namespace turbocam {

M2mLayout negotiateM2m(int fd, bool multiplanar, const std::string& path, uint32_t codedFourcc, const RawFrame& frame) {
  const uint32_t rawFourcc = formatInfo(frame.format).fourcc;
  const size_t stride = frame.stride ? frame.stride : defaultStride(frame.format, frame.width);
  const uint32_t outType = multiplanar ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE : V4L2_BUF_TYPE_VIDEO_OUTPUT;
  const uint32_t capType = multiplanar ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE : V4L2_BUF_TYPE_VIDEO_CAPTURE;
  // A stateful encoder takes the coded format first (it decides what OUTPUT offers), then the raw
  // one; each is read back, because drivers substitute what they lack without an error.
  auto setFormat = [&](uint32_t type, uint32_t fourcc, size_t bytesperline, const char* what) {
    v4l2_format fmt{};
    fmt.type = type;
    if (multiplanar) {
      fmt.fmt.pix_mp.width = static_cast<uint32_t>(frame.width);
      fmt.fmt.pix_mp.height = static_cast<uint32_t>(frame.height);
      fmt.fmt.pix_mp.pixelformat = fourcc;
      fmt.fmt.pix_mp.num_planes = 1;
      fmt.fmt.pix_mp.plane_fmt[0].bytesperline = static_cast<uint32_t>(bytesperline);
    } else {
      fmt.fmt.pix.width = static_cast<uint32_t>(frame.width);
      fmt.fmt.pix.height = static_cast<uint32_t>(frame.height);
      fmt.fmt.pix.pixelformat = fourcc;
      fmt.fmt.pix.bytesperline = static_cast<uint32_t>(bytesperline);
    }
    if (m2mIoctl(fd, VIDIOC_S_FMT, &fmt) != 0)
      throw errnoError(errno, std::string("cannot set the ") + what + " format of", path);
    uint32_t got = multiplanar ? fmt.fmt.pix_mp.pixelformat : fmt.fmt.pix.pixelformat;
    if (got != fourcc) {
      throw Error("ERR_UNSUPPORTED_FORMAT",
                  path + " gave " + fourccToString(got) + " when asked for " + what + " " + fourccToString(fourcc),
                  path);
    }
    if (multiplanar && fmt.fmt.pix_mp.num_planes != 1) {
      throw Error("ERR_UNSUPPORTED_FORMAT",
                  path + " wants " + fourccToString(got) + " in " + std::to_string(fmt.fmt.pix_mp.num_planes) +
                      " planes; one is supported",
                  path);
    }
    return fmt;
  };
  setFormat(capType, codedFourcc, 0, "coded");
  v4l2_format out = setFormat(outType, rawFourcc, stride, "raw");
  uint32_t gotWidth = multiplanar ? out.fmt.pix_mp.width : out.fmt.pix.width;
  uint32_t gotHeight = multiplanar ? out.fmt.pix_mp.height : out.fmt.pix.height;
  auto sizeError = [&](const std::string& extra) {
    return Error("ERR_UNSUPPORTED_FORMAT",
                 path + " gave " + std::to_string(gotWidth) + "x" + std::to_string(gotHeight) + " when asked for " +
                     std::to_string(frame.width) + "x" + std::to_string(frame.height) + extra,
                 path);
  };
  if (gotWidth < static_cast<uint32_t>(frame.width) || gotHeight < static_cast<uint32_t>(frame.height))
    throw sizeError("");
  if (gotWidth != static_cast<uint32_t>(frame.width) || gotHeight != static_cast<uint32_t>(frame.height)) {
    // Encoders align the buffer (vicodec to 8 lines, the Pi's to 16: 1080 becomes 1088) and code
    // the visible part given by the OUTPUT crop.
    v4l2_selection sel{};
    sel.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
    sel.target = V4L2_SEL_TGT_CROP;
    sel.r = {0, 0, static_cast<uint32_t>(frame.width), static_cast<uint32_t>(frame.height)};
    int r = m2mIoctl(fd, VIDIOC_S_SELECTION, &sel);
    if (r != 0 && multiplanar) {
      sel.type = V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
      sel.r = {0, 0, static_cast<uint32_t>(frame.width), static_cast<uint32_t>(frame.height)};
      r = m2mIoctl(fd, VIDIOC_S_SELECTION, &sel);
    }
    if (r != 0 || sel.r.width != static_cast<uint32_t>(frame.width) ||
        sel.r.height != static_cast<uint32_t>(frame.height)) {
      throw sizeError(" and cannot crop to it");
    }
  }

  M2mLayout layout;
  layout.height = static_cast<int>(gotHeight);
  layout.stride = multiplanar ? out.fmt.pix_mp.plane_fmt[0].bytesperline : out.fmt.pix.bytesperline;
  layout.image = multiplanar ? out.fmt.pix_mp.plane_fmt[0].sizeimage : out.fmt.pix.sizeimage;
  return layout;
}

size_t copyIntoM2m(uint8_t* dst, size_t length, const RawFrame& frame, size_t stride, const M2mLayout& layout,
                   const std::string& path) {
  const size_t need = minFrameSize(frame.format, frame.width, layout.height, layout.stride);
  if (need > length) throw Error("ERR_FRAME_SIZE", path + " has OUTPUT buffers too small for the frame", path);
  if (layout.stride == stride && layout.height == frame.height) {
    std::memcpy(dst, frame.data, need);
  } else {
    // Line by line, plane by plane: the layout minFrameSize describes, at the driver's stride and
    // (aligned) height.
    const size_t rowBytes = std::min(stride, layout.stride);
    auto copyPlane = [](const uint8_t* src, size_t srcStride, uint8_t* out, size_t outStride, int rows, size_t bytes) {
      for (int y = 0; y < rows; y++) std::memcpy(out + y * outStride, src + y * srcStride, bytes);
    };
    const uint8_t* src = frame.data;
    copyPlane(src, stride, dst, layout.stride, frame.height, rowBytes);
    src += stride * static_cast<size_t>(frame.height);
    dst += layout.stride * static_cast<size_t>(layout.height);
    const int chromaRows = (frame.height + 1) / 2;
    const size_t driverChromaRows = static_cast<size_t>(layout.height + 1) / 2;
    if (frame.format == PixelFormat::NV12) {
      copyPlane(src, stride, dst, layout.stride, chromaRows, rowBytes);
    } else if (frame.format == PixelFormat::I420) {
      for (int p = 0; p < 2; p++) {
        copyPlane(src, stride / 2, dst, layout.stride / 2, chromaRows, rowBytes / 2);
        src += stride / 2 * static_cast<size_t>(chromaRows);
        dst += layout.stride / 2 * driverChromaRows;
      }
    }
  }
  return std::max(need, std::min(layout.image, length));
}

}  // namespace turbocam
