// `testsrc`: the test pattern rendered at a steady fps into the source's own buffers and fed
// through the same worker pipeline as a camera.
#pragma once

#include <atomic>

#include "sources/capture_source.h"
#include "sources/owned_buffers.h"

namespace turbocam {

class TestPatternSource : public CaptureSource {
 public:
  // Throws ERR_INVALID_ARG / ERR_UNSUPPORTED_FORMAT for what the pattern cannot render.
  TestPatternSource(PixelFormat format, int width, int height, double fps);

  const CaptureFormat& format() const override { return format_; }
  void start(int bufferCount) override;
  bool next(SourceFrame* frame, int stopFd) override;
  void release(int index) override { buffers_.release(index); }
  void stop() override { buffers_.clear(); }
  SourceCounters counters() const override;
  void setPaused(bool paused) override { paused_ = paused; }
  bool drawsFrames() const override { return true; }

 private:
  CaptureFormat format_;
  size_t frameSize_;
  OwnedBuffers buffers_;
  uint64_t frameIndex_ = 0;
  double nextDueMs_ = 0;
  std::atomic<uint64_t> skipped_{0};
  std::atomic<bool> paused_{false};
};

}  // namespace turbocam
