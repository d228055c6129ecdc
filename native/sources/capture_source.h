// What the capture thread pulls frames from: a V4L2 device, the test pattern or a pipe. A source
// lends out its own buffers (the mmap'd ones for V4L2) and gets each one back through release(),
// which workers call from their threads once the frame is encoded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "formats/pixel_format.h"

namespace turbocam {

class V4l2Device;

// What the source negotiated: the driver's choice, not the request.
struct CaptureFormat {
  std::string kind;  // "v4l2", "testsrc", "pipe"
  std::string name;  // device path, "testsrc", "stdin", FIFO path
  PixelFormat format = PixelFormat::YUYV;
  int width = 0;
  int height = 0;
  size_t stride = 0;  // bytes per line of the first plane (0 for mjpeg)
  double fps = 0;     // 0 when the source sets its own pace
};

struct SourceFrame {
  int index = -1;  // the source's buffer, handed back to release()
  const uint8_t* data = nullptr;
  size_t size = 0;
  double timestampMs = 0;  // CLOCK_MONOTONIC
  int dmabuf = -1;         // the buffer as a DMABUF whose first byte is data[0]; -1 when none
};

// Counters only the source can see (frames it dropped before the pipeline saw them).
struct SourceCounters {
  uint64_t superseded = 0;  // dequeued, then skipped for a newer one (drain to newest)
  uint64_t errors = 0;      // buffers flagged by the driver or short reads
};

class CaptureSource {
 public:
  virtual ~CaptureSource() = default;
  virtual const CaptureFormat& format() const = 0;
  // Before start(): a hardware encoder will read the frames, so export the buffers as DMABUFs
  // where the source can (SourceFrame.dmabuf). Sources with no such buffers ignore it.
  virtual void shareBuffers() {}
  // Allocates buffers and starts streaming.
  virtual void start(int bufferCount) = 0;
  // Waits for the next frame. Returns false when stopFd (an eventfd) became readable or the
  // input ended; throws turbocam::Error (ENODEV, ETIMEDOUT, ...) when the source failed.
  virtual bool next(SourceFrame* frame, int stopFd) = 0;
  // Gives a buffer back. Thread-safe.
  virtual void release(int index) = 0;
  // Stops streaming and frees the buffers; the device stays open until destruction.
  virtual void stop() = 0;
  virtual SourceCounters counters() const = 0;
  // While paused the pipeline discards every frame at once; a source that makes its frames
  // (the test pattern) can skip that work. Called from the JS thread.
  virtual void setPaused(bool paused) { (void)paused; }
  // True for a source that draws its frames (the test pattern) rather than dequeuing them: the
  // pipeline then asks for a frame only once a worker can take it, instead of spending a core
  // drawing frames it would drop.
  virtual bool drawsFrames() const { return false; }
  // True for a source whose every frame counts (a pipe or file: the writer gave each in full).
  // A frame that finishes encoding after a newer one is then delivered first, not dropped as
  // late; a live camera instead drops it, since a frame held back only adds latency.
  virtual bool keepsEveryFrame() const { return false; }
  // The V4L2 device behind the source, for controls; nullptr for other sources.
  virtual V4l2Device* device() { return nullptr; }
};

}  // namespace turbocam
