// A V4L2 device as a CaptureSource: polls with the device timeout, drains to the newest buffer
// on each wake-up (older ones go straight back to the driver), honours bytesused and the error
// flag, and always re-queues what it dequeued. A buffer the driver refuses to take back is
// retried before the next wait rather than lost.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "sources/v4l2/mmap_buffers.h"
#include "sources/v4l2/v4l2_device.h"
#include "sources/capture_source.h"

namespace turbocam {

class V4l2Capture : public CaptureSource {
 public:
  V4l2Capture(std::unique_ptr<V4l2Device> device, CaptureFormat format, int timeoutMs, bool watchSourceChange);
  ~V4l2Capture() override;

  const CaptureFormat& format() const override { return format_; }
  void shareBuffers() override { shareBuffers_ = true; }
  void start(int bufferCount) override;
  bool next(SourceFrame* frame, int stopFd) override;
  void release(int index) override;
  void stop() override;
  SourceCounters counters() const override;
  V4l2Device* device() override { return device_.get(); }

 private:
  void retryRequeues();
  void checkEvents();

  std::unique_ptr<V4l2Device> device_;
  CaptureFormat format_;
  int timeoutMs_;
  bool watchSourceChange_;
  bool shareBuffers_ = false;
  MmapBuffers buffers_;
  std::mutex requeueMutex_;
  std::vector<int> requeue_;
  std::atomic<uint64_t> superseded_{0};
  std::atomic<uint64_t> errors_{0};
};

}  // namespace turbocam
