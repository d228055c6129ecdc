// From what the user asked for (`/dev/video0`, `testsrc`, `stdin`, a FIFO) to a started-ready
// CaptureSource whose format is negotiated. Blocking (opens devices): runs off the JS thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sources/capture_source.h"

namespace turbocam {

struct CaptureRequest {
  std::string source;
  int width = 0;  // 0: the source's default
  int height = 0;
  double fps = 0;  // 0: the source's default
  std::string format = "auto";
  std::vector<std::pair<std::string, int64_t>> controls;  // applied at open, in order
  int deviceTimeoutMs = 5000;
  int input = -1;        // V4L2 input to select (VIDIOC_S_INPUT); -1 keeps the current one
  bool rawOnly = false;  // format auto: a camera's raw format even where it offers MJPEG (raw output)
};

std::unique_ptr<CaptureSource> openSource(const CaptureRequest& request);

}  // namespace turbocam
