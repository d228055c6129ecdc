#include "sources/testsrc/test_pattern_source.h"

#include <poll.h>

#include <cmath>

#include "error.h"
#include "sources/monotonic_clock.h"
#include "sources/testsrc/test_pattern.h"

namespace turbocam {

TestPatternSource::TestPatternSource(PixelFormat format, int width, int height, double fps)
    : frameSize_(testPatternSize(format, width, height)) {
  if (!(fps > 0) || fps > 1000) throw Error("ERR_INVALID_ARG", "testsrc: fps must be in (0, 1000]");
  format_.kind = "testsrc";
  format_.name = "testsrc";
  format_.format = format;
  format_.width = width;
  format_.height = height;
  format_.stride = defaultStride(format, width);
  format_.fps = fps;
}

void TestPatternSource::start(int bufferCount) {
  buffers_.allocate(bufferCount, frameSize_);
  nextDueMs_ = monotonicMs();
}

bool TestPatternSource::next(SourceFrame* frame, int stopFd) {
  const double period = 1000.0 / format_.fps;
  for (;;) {
    double now = monotonicMs();
    if (now < nextDueMs_) {
      pollfd pfd{stopFd, POLLIN, 0};
      int wait = static_cast<int>(std::ceil(nextDueMs_ - now));
      if (poll(&pfd, 1, wait) > 0) return false;
      continue;
    }
    // After a stall, keep the cadence instead of bursting to catch up.
    nextDueMs_ = now - nextDueMs_ > period ? now + period : nextDueMs_ + period;
    int index = buffers_.acquire();
    if (index < 0) {
      skipped_++;
      frameIndex_++;
      continue;
    }
    // Paused, the pipeline discards the frame unseen: keep the cadence and the animation's clock,
    // skip the rendering.
    if (!paused_) renderTestPattern(format_.format, format_.width, format_.height, frameIndex_, buffers_.data(index));
    frameIndex_++;
    frame->index = index;
    frame->data = buffers_.data(index);
    frame->size = frameSize_;
    frame->timestampMs = now;
    return true;
  }
}

SourceCounters TestPatternSource::counters() const {
  SourceCounters c;
  c.superseded = skipped_;
  return c;
}

}  // namespace turbocam
