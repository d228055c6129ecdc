// A V4L2 memory-to-memory (stateful) encoder: raw frames in on the OUTPUT queue, coded frames out
// on CAPTURE. Codec-neutral: the coded format is a parameter (JPEG on a Pi's bcm2835-codec,
// FWHT on the kernel's vicodec), with the controls to set for it from its table
// (m2m_coded_formats.h). Works with both the single- and the multi-planar API. One M2mEncoder per
// worker thread, or per stream (submit/collect, for m2m_video_stream.h); not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "encoder/jpeg_encoder.h"
#include "encoder/m2m/m2m_coded_formats.h"
#include "encoder/m2m/m2m_layout.h"
#include "error.h"
#include "formats/pixel_format.h"

namespace turbocam {

struct M2mOptions {
  const M2mCodedFormat* coded = nullptr;  // required
  bool video = false;                     // a video encoder's control table (bitrate, GOP)
  int quality = 80;                       // 1..100, through the format's control table
  int bitrateKbps = 0;                    // video: 0 takes it from the quality
  int keyframeInterval = 1;               // video: the GOP (1: every frame stands alone)
  int fps = 0;                            // S_PARM on OUTPUT when > 0 and the driver has it
  int timeoutMs = 2000;                   // one frame's deadline
  int maxRebuilds = 3;                    // consecutive failed frames before encode() gives up
  unsigned buffers = 2;                   // on each queue: frames the driver may hold at once
};

struct M2mStats {
  uint64_t frames = 0;
  uint64_t staleOutputs = 0;  // CAPTURE buffers whose timestamp matched no frame in flight
  uint64_t rebuilds = 0;      // contexts torn down and set up again after a failure
  uint64_t copies = 0;        // raw frames copied into an MMAP OUTPUT buffer
  uint64_t zeroCopy = 0;      // raw frames queued as the source's own DMABUF, not copied
  std::vector<std::string> controlsSet;
  std::vector<std::string> controlsUnsupported;  // EINVAL from the driver: said, not fatal
  bool frameRateSet = false;                     // S_PARM took (ENOTTY: the driver has none)
};

class M2mEncoder {
 public:
  M2mEncoder(std::string path, M2mOptions options);
  ~M2mEncoder();
  M2mEncoder(const M2mEncoder&) = delete;
  M2mEncoder& operator=(const M2mEncoder&) = delete;

  // Receives one coded frame, still in the driver's CAPTURE buffer: copy what is kept.
  using Sink = std::function<void(const uint8_t* data, size_t length)>;

  // Encodes one frame and hands its coded bytes to sink. The context is set up on first use and
  // again when the geometry changes; after a device failure it is rebuilt and the frame retried,
  // up to maxRebuilds times in a row, then the failure is thrown. Substituted formats and sizes
  // throw ERR_UNSUPPORTED_FORMAT (naming what the driver gave) and are not retried; a
  // buffer aligned above the frame's size is cropped to it (VIDIOC_S_SELECTION). A frame with a
  // DMABUF laid out as the driver wants it is queued as that DMABUF (no copy; the frame's memory
  // is the driver's until encode() returns), any other is copied into an MMAP buffer.
  void encode(const RawFrame& frame, const Sink& sink);

  // Sets the context up for frames shaped like this one (any data), so a node that substitutes a
  // format or size fails here, at open, rather than at the first frame.
  void prepare(const RawFrame& shape);

  // One coded buffer as dequeued, still the driver's until the sink returns: its bytes, the
  // timestamp its raw frame was queued with, and its V4L2_BUF_FLAG_* flags.
  struct Coded {
    const uint8_t* data;
    size_t length;
    uint64_t timestampUs;
    uint32_t flags;
  };
  using CodedSink = std::function<void(const Coded&)>;

  // For a stream, whose encoder may hold a frame or two: queues the frame under this timestamp
  // (non-zero, rising) and returns without waiting for its coded buffer; those that come back
  // meanwhile go to sink. Sets the context up on first use and when the geometry changes. The
  // frame is copied (its memory is the caller's again on return). A failure throws and leaves the
  // context to close(): what to rebuild is the stream's choice.
  void submit(const RawFrame& frame, uint64_t timestampUs, const CodedSink& sink);
  // Hands each coded buffer that is ready to sink, waiting up to waitMs for the first; how many.
  size_t collect(int waitMs, const CodedSink& sink);
  // On a set-up context: false when the driver lacks the control (EINVAL).
  bool setControl(uint32_t id, int value);
  bool running() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

  // Drains (V4L2_ENC_CMD_STOP until LAST or EPIPE) and releases the context; encode() sets it up
  // again. The destructor calls it.
  void close();

  const M2mStats& stats() const { return stats_; }
  // A failure a fresh context may cure (busy, a stall, a flagged frame), unlike a substituted
  // format or a node that is gone.
  static bool worthRebuilding(const Error& error);

 private:
  struct Buffer {
    void* data = nullptr;
    size_t length = 0;
  };
  using Deadline = std::chrono::steady_clock::time_point;
  void setUpFor(const RawFrame& frame);
  void setUp(const RawFrame& frame);
  void tearDown();
  void encodeOnce(const RawFrame& frame, const Sink& sink);
  uint32_t queueFrame(const RawFrame& frame, uint64_t timestampUs, Deadline deadline, const CodedSink& sink);
  size_t collectReady(const CodedSink& sink);
  void reclaimOutputs();
  short pollFor(short events, int ms);
  void waitFor(short events, Deadline deadline);
  bool dequeue(uint32_t type, uint32_t* index, uint64_t* timestampUs, size_t* bytesused, uint32_t* flags);
  void queue(uint32_t type, uint32_t index, uint64_t timestampUs, size_t bytesused, int dmabuf = -1);
  std::vector<Buffer> allocate(uint32_t type, unsigned count, bool dmabuf = false);
  void setControls();
  void drain();
  [[noreturn]] void fail(const std::string& what);

  std::string path_;
  M2mOptions options_;
  M2mStats stats_;
  int fd_ = -1;
  bool multiplanar_ = false;
  uint32_t outType_ = 0, capType_ = 0;
  int width_ = 0, height_ = 0;
  PixelFormat format_ = PixelFormat::YUYV;
  size_t stride_ = 0;  // the source's
  M2mLayout layout_;   // OUTPUT's
  std::vector<Buffer> outBuffers_, capBuffers_;
  std::vector<bool> outFree_;
  bool sharedFrames_ = false;   // frames of this context come with a DMABUF
  bool zeroCopy_ = false;       // OUTPUT imports those DMABUFs
  bool dmabufRefused_ = false;  // the driver refused one: copy from now on
  size_t dmabufSize_ = 0;
  uint64_t nextTimestampUs_ = 1;
  int failuresInRow_ = 0;
};

}  // namespace turbocam
