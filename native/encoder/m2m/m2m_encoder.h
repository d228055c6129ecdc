// A V4L2 memory-to-memory (stateful) encoder: raw frames in on the OUTPUT queue, coded frames out
// on CAPTURE. Codec-neutral: the coded format is a parameter (JPEG on a Pi's bcm2835-codec,
// FWHT on the kernel's vicodec), with the controls to set for it from its table
// (m2m_coded_formats.h). Works with both the single- and the multi-planar API. One M2mEncoder per worker thread; not
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "encoder/jpeg_encoder.h"
#include "encoder/m2m/m2m_coded_formats.h"
#include "formats/pixel_format.h"

namespace turbocam {

struct M2mOptions {
  const M2mCodedFormat* coded = nullptr;  // required
  bool video = false;                     // a video encoder's control table (bitrate, GOP)
  int quality = 80;                       // 1..100, through the format's control table
  int fps = 0;                            // S_PARM on OUTPUT when > 0 and the driver has it
  int timeoutMs = 2000;                   // one frame's deadline
  int maxRebuilds = 3;                    // consecutive failed frames before encode() gives up
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

  // Drains (V4L2_ENC_CMD_STOP until LAST or EPIPE) and releases the context; encode() sets it up
  // again. The destructor calls it.
  void close();

  const M2mStats& stats() const { return stats_; }

 private:
  struct Buffer {
    void* data = nullptr;
    size_t length = 0;
  };
  void setUp(const RawFrame& frame);
  void tearDown();
  void encodeOnce(const RawFrame& frame, const Sink& sink);
  void fill(const Buffer& buffer, const RawFrame& frame, size_t* used);
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
  size_t stride_ = 0;        // the source's
  size_t driverStride_ = 0;  // OUTPUT's bytesperline
  size_t driverImage_ = 0;   // OUTPUT's sizeimage
  int driverHeight_ = 0;     // OUTPUT's height: the frame's, or aligned above it (then cropped)
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
