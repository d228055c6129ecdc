// Frames from stdin, a FIFO or a file: raw frames of a declared format and size back to back
// (`rpicam-vid --codec yuv420 -o -`) or concatenated MJPEG split on SOI/EOI
// (`ffmpeg -f mjpeg -`). Paced at fps when one is given, else as fast as the writer writes.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "sources/capture_source.h"
#include "sources/pipe/mjpeg_splitter.h"
#include "sources/owned_buffers.h"

namespace turbocam {

class PipeSource : public CaptureSource {
 public:
  // Takes ownership of fd. For raw formats width and height are required (ERR_INVALID_ARG).
  // ETIMEDOUT when the writer gives no bytes for timeoutMs while turbocam waits for them.
  PipeSource(int fd, const std::string& name, PixelFormat format, int width, int height, double fps, int timeoutMs);
  ~PipeSource() override;

  const CaptureFormat& format() const override { return format_; }
  void start(int bufferCount) override;
  // Throws ERR_END_OF_STREAM when the writer closed its end.
  bool next(SourceFrame* frame, int stopFd) override;
  void release(int index) override { buffers_.release(index); }
  void stop() override { buffers_.clear(); }
  SourceCounters counters() const override;
  bool keepsEveryFrame() const override { return true; }

 private:
  // Waits for input; returns false on stop. Reads at most `size` bytes into dst; 0 at EOF.
  bool readSome(uint8_t* dst, size_t size, size_t* got, int stopFd);
  bool nextRaw(SourceFrame* frame, int stopFd);
  bool nextMjpeg(SourceFrame* frame, int stopFd);
  // Copies jpeg_ into a free buffer; false (counted as superseded) when every one is lent out.
  bool lendJpeg(SourceFrame* frame);
  bool pace(int stopFd);

  int fd_;
  int timeoutMs_;
  CaptureFormat format_;
  size_t frameSize_ = 0;
  OwnedBuffers buffers_;
  std::vector<uint8_t> scratch_;
  MjpegSplitter splitter_;
  std::vector<uint8_t> jpeg_;
  double nextDueMs_ = 0;
  std::atomic<uint64_t> superseded_{0};
  std::atomic<uint64_t> errors_{0};
};

}  // namespace turbocam
