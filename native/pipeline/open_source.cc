#include "pipeline/open_source.h"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "error.h"
#include "sources/pipe/pipe_source.h"
#include "sources/testsrc/test_pattern_source.h"
#include "sources/v4l2/controls.h"
#include "sources/v4l2/dv_timings.h"
#include "sources/v4l2/format_negotiation.h"
#include "sources/v4l2/v4l2_capture.h"
#include "sources/v4l2/v4l2_device.h"

namespace turbocam {

namespace {

PixelFormat formatOr(const std::string& name, PixelFormat fallback, const std::string& path) {
  if (name == "auto") return fallback;
  const PixelFormatInfo* info = findFormatByName(name);
  if (!info) throw Error("ERR_UNSUPPORTED_FORMAT", "unknown pixel format '" + name + "'", path);
  return info->format;
}

std::unique_ptr<CaptureSource> openTestPattern(const CaptureRequest& request) {
  PixelFormat format = formatOr(request.format, PixelFormat::YUYV, "testsrc");
  if (format == PixelFormat::MJPEG) {
    throw Error("ERR_UNSUPPORTED_FORMAT", "testsrc renders raw formats only, not mjpeg", "testsrc");
  }
  return std::make_unique<TestPatternSource>(format, request.width > 0 ? request.width : 640,
                                             request.height > 0 ? request.height : 480,
                                             request.fps > 0 ? request.fps : 30);
}

std::unique_ptr<CaptureSource> openPipe(int fd, const std::string& name, const CaptureRequest& request) {
  PixelFormat format = formatOr(request.format, PixelFormat::MJPEG, name);
  return std::make_unique<PipeSource>(fd, name, format, request.width, request.height, request.fps,
                                      request.deviceTimeoutMs);
}

std::unique_ptr<CaptureSource> openDevice(const CaptureRequest& request) {
  std::unique_ptr<V4l2Device> device = V4l2Device::open(request.source);
  if (request.input >= 0) {
    int input = request.input;
    device->ioctl(VIDIOC_S_INPUT, &input, "VIDIOC_S_INPUT");
  }
  FormatRequest wanted;
  wanted.format = request.format;
  wanted.width = request.width;
  wanted.height = request.height;
  wanted.fps = request.fps;
  wanted.rawOnly = request.rawOnly;
  bool dv = hasDvTimings(*device);
  if (dv) {
    DvTimings timings = applyDetectedDvTimings(*device);
    // The signal decides the size; asking for another would only make the driver scale or fail.
    wanted.width = timings.width;
    wanted.height = timings.height;
    wanted.fps = 0;
  }
  CaptureFormat format = negotiateFormat(*device, wanted);
  for (const auto& [name, value] : request.controls) setControl(*device, name, value);
  return std::make_unique<V4l2Capture>(std::move(device), std::move(format), request.deviceTimeoutMs, dv);
}

}  // namespace

std::unique_ptr<CaptureSource> openSource(const CaptureRequest& request) {
  if (request.source == "testsrc") return openTestPattern(request);
  if (request.source == "stdin" || request.source == "-") {
    int fd = dup(STDIN_FILENO);
    if (fd < 0) throw errnoError(errno, "cannot read", "stdin");
    return openPipe(fd, "stdin", request);
  }
  struct stat st {};
  if (::stat(request.source.c_str(), &st) != 0) throw errnoError(errno, "cannot open", request.source);
  // Files and FIFOs carry frames only when the caller says what they are; otherwise the path was
  // most likely meant to be a camera, and V4l2Device::open says why it is not one.
  if ((S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode)) && request.format != "auto") {
    int fd = ::open(request.source.c_str(), O_RDONLY | O_CLOEXEC | (S_ISFIFO(st.st_mode) ? O_NONBLOCK : 0));
    if (fd < 0) throw errnoError(errno, "cannot open", request.source);
    if (S_ISFIFO(st.st_mode)) {
      // Non-blocking only so the open does not wait for a writer; reads wait in poll.
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    }
    return openPipe(fd, request.source, request);
  }
  return openDevice(request);
}

}  // namespace turbocam
