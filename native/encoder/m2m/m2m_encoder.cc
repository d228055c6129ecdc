#include "encoder/m2m/m2m_encoder.h"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iterator>

#include "encoder/m2m/m2m_probe.h"
#include "error.h"

namespace turbocam {

namespace {

// A v4l2_buffer of an MMAP queue, with its one plane wired in when the queue is multi-planar.
struct M2mBuffer {
  v4l2_buffer buf{};
  v4l2_plane plane{};

  M2mBuffer(uint32_t type, bool multiplanar) {
    buf.type = type;
    buf.memory = V4L2_MEMORY_MMAP;
    if (multiplanar) {
      buf.m.planes = &plane;
      buf.length = 1;
    }
  }
  M2mBuffer(const M2mBuffer&) = delete;  // buf.m.planes points into this object
  M2mBuffer& operator=(const M2mBuffer&) = delete;
};

// How a control's value follows from the options.
enum class ControlValue { Quality, QualityAsQp, One };

struct M2mControl {
  uint32_t id;
  const char* name;
  ControlValue value;
};

constexpr M2mControl kJpegControls[] = {
    {V4L2_CID_JPEG_COMPRESSION_QUALITY, "jpeg-quality", ControlValue::Quality},
};
// vicodec: every frame an I-frame, so each output decodes on its own like a JPEG.
constexpr M2mControl kFwhtControls[] = {
    {V4L2_CID_MPEG_VIDEO_GOP_SIZE, "gop-size", ControlValue::One},
    {V4L2_CID_FWHT_I_FRAME_QP, "fwht-i-frame-qp", ControlValue::QualityAsQp},
};

constexpr unsigned kOutputBuffers = 2;
constexpr unsigned kCaptureBuffers = 2;

}  // namespace

struct M2mCodedFormat {
  const char* name;
  uint32_t fourcc;
  const M2mControl* controls;
  size_t controlCount;
};

namespace {
constexpr M2mCodedFormat kCodedFormats[] = {
    {"jpeg", V4L2_PIX_FMT_JPEG, kJpegControls, std::size(kJpegControls)},
    {"fwht", V4L2_PIX_FMT_FWHT, kFwhtControls, std::size(kFwhtControls)},
};
}  // namespace

const M2mCodedFormat* findM2mCodedFormat(std::string_view name) {
  for (const auto& f : kCodedFormats)
    if (name == f.name) return &f;
  return nullptr;
}

uint32_t m2mCodedFourcc(const M2mCodedFormat& format) { return format.fourcc; }

M2mEncoder::M2mEncoder(std::string path, M2mOptions options) : path_(std::move(path)), options_(options) {
  if (!options_.coded) throw Error("ERR_INVALID_ARG", "an M2M encoder needs a coded format", path_);
}

M2mEncoder::~M2mEncoder() { close(); }

void M2mEncoder::fail(const std::string& what) { throw errnoError(errno, what, path_); }

void M2mEncoder::encode(const RawFrame& frame, const Sink& sink) {
  JpegEncoder::validate(frame, EncodeOptions{});
  size_t stride = frame.stride ? frame.stride : defaultStride(frame.format, frame.width);
  for (;;) {
    try {
      if (fd_ >= 0 && (frame.width != width_ || frame.height != height_ || frame.format != format_ || stride != stride_))
        tearDown();
      if (fd_ < 0) setUp(frame);
      encodeOnce(frame, sink);
      failuresInRow_ = 0;
      stats_.frames++;
      return;
    } catch (const Error& error) {
      tearDown();
      if (error.code() == "ERR_UNSUPPORTED_FORMAT" || error.code() == "ERR_NOT_M2M_DEVICE" || error.code() == "ENOENT" ||
          ++failuresInRow_ > options_.maxRebuilds)
        throw;
      stats_.rebuilds++;
    }
  }
}

void M2mEncoder::prepare(const RawFrame& shape) {
  if (fd_ >= 0) return;
  try {
    setUp(shape);
  } catch (...) {
    tearDown();
    throw;
  }
}

void M2mEncoder::setUp(const RawFrame& frame) {
  fd_ = openM2mNode(path_);
  M2mProbe probe;
  if (!queryM2m(fd_, &probe)) throw Error("ERR_NOT_M2M_DEVICE", path_ + " is not a V4L2 memory-to-memory device", path_);
  multiplanar_ = probe.multiplanar;
  outType_ = multiplanar_ ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE : V4L2_BUF_TYPE_VIDEO_OUTPUT;
  capType_ = multiplanar_ ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE : V4L2_BUF_TYPE_VIDEO_CAPTURE;
  width_ = frame.width;
  height_ = frame.height;
  format_ = frame.format;
  stride_ = frame.stride ? frame.stride : defaultStride(frame.format, frame.width);
  const uint32_t rawFourcc = formatInfo(frame.format).fourcc;

  // A stateful encoder takes the coded format first (it decides what OUTPUT offers), then the raw
  // one; each is read back, because drivers substitute what they lack without an error.
  auto setFormat = [&](uint32_t type, uint32_t fourcc, size_t bytesperline, const char* what) {
    v4l2_format fmt{};
    fmt.type = type;
    if (multiplanar_) {
      fmt.fmt.pix_mp.width = static_cast<uint32_t>(width_);
      fmt.fmt.pix_mp.height = static_cast<uint32_t>(height_);
      fmt.fmt.pix_mp.pixelformat = fourcc;
      fmt.fmt.pix_mp.num_planes = 1;
      fmt.fmt.pix_mp.plane_fmt[0].bytesperline = static_cast<uint32_t>(bytesperline);
    } else {
      fmt.fmt.pix.width = static_cast<uint32_t>(width_);
      fmt.fmt.pix.height = static_cast<uint32_t>(height_);
      fmt.fmt.pix.pixelformat = fourcc;
      fmt.fmt.pix.bytesperline = static_cast<uint32_t>(bytesperline);
    }
    if (m2mIoctl(fd_, VIDIOC_S_FMT, &fmt) != 0) fail(std::string("cannot set the ") + what + " format of");
    uint32_t got = multiplanar_ ? fmt.fmt.pix_mp.pixelformat : fmt.fmt.pix.pixelformat;
    if (got != fourcc) {
      throw Error("ERR_UNSUPPORTED_FORMAT",
                  path_ + " gave " + fourccToString(got) + " when asked for " + what + " " + fourccToString(fourcc), path_);
    }
    if (multiplanar_ && fmt.fmt.pix_mp.num_planes != 1) {
      throw Error("ERR_UNSUPPORTED_FORMAT", path_ + " wants " + fourccToString(got) + " in " +
                                                std::to_string(fmt.fmt.pix_mp.num_planes) + " planes; one is supported", path_);
    }
    return fmt;
  };
  setFormat(capType_, options_.coded->fourcc, 0, "coded");
  v4l2_format out = setFormat(outType_, rawFourcc, stride_, "raw");
  uint32_t gotWidth = multiplanar_ ? out.fmt.pix_mp.width : out.fmt.pix.width;
  uint32_t gotHeight = multiplanar_ ? out.fmt.pix_mp.height : out.fmt.pix.height;
  auto sizeError = [&](const std::string& extra) {
    return Error("ERR_UNSUPPORTED_FORMAT",
                 path_ + " gave " + std::to_string(gotWidth) + "x" + std::to_string(gotHeight) + " when asked for " +
                     std::to_string(width_) + "x" + std::to_string(height_) + extra,
                 path_);
  };
  if (gotWidth < static_cast<uint32_t>(width_) || gotHeight < static_cast<uint32_t>(height_)) throw sizeError("");
  if (gotWidth != static_cast<uint32_t>(width_) || gotHeight != static_cast<uint32_t>(height_)) {
    // Encoders align the buffer (vicodec to 8 lines, the Pi's to 16: 1080 becomes 1088) and code
    // the visible part given by the OUTPUT crop.
    v4l2_selection sel{};
    sel.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
    sel.target = V4L2_SEL_TGT_CROP;
    sel.r = {0, 0, static_cast<uint32_t>(width_), static_cast<uint32_t>(height_)};
    int r = m2mIoctl(fd_, VIDIOC_S_SELECTION, &sel);
    if (r != 0 && multiplanar_) {
      sel.type = V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
      sel.r = {0, 0, static_cast<uint32_t>(width_), static_cast<uint32_t>(height_)};
      r = m2mIoctl(fd_, VIDIOC_S_SELECTION, &sel);
    }
    if (r != 0 || sel.r.width != static_cast<uint32_t>(width_) || sel.r.height != static_cast<uint32_t>(height_)) {
      throw sizeError(" and cannot crop to it");
    }
  }
  driverHeight_ = static_cast<int>(gotHeight);
  driverStride_ = multiplanar_ ? out.fmt.pix_mp.plane_fmt[0].bytesperline : out.fmt.pix.bytesperline;
  driverImage_ = multiplanar_ ? out.fmt.pix_mp.plane_fmt[0].sizeimage : out.fmt.pix.sizeimage;

  setControls();
  if (options_.fps > 0) {
    v4l2_streamparm parm{};
    parm.type = outType_;
    parm.parm.output.timeperframe = {1, static_cast<uint32_t>(options_.fps)};
    if (m2mIoctl(fd_, VIDIOC_S_PARM, &parm) == 0) stats_.frameRateSet = true;
    else if (errno != ENOTTY && errno != EINVAL) fail("cannot set the frame rate of");
  }

  outBuffers_ = allocate(outType_, kOutputBuffers);
  outFree_.assign(outBuffers_.size(), true);
  capBuffers_ = allocate(capType_, kCaptureBuffers);
  for (uint32_t i = 0; i < capBuffers_.size(); i++) queue(capType_, i, 0, 0);
  for (uint32_t type : {outType_, capType_}) {
    int t = static_cast<int>(type);
    if (m2mIoctl(fd_, VIDIOC_STREAMON, &t) != 0) fail("cannot start streaming on");
  }
}

void M2mEncoder::setControls() {
  stats_.controlsSet.clear();
  stats_.controlsUnsupported.clear();
  for (size_t i = 0; i < options_.coded->controlCount; i++) {
    const M2mControl& c = options_.coded->controls[i];
    v4l2_control control{};
    control.id = c.id;
    // FWHT's QP runs 1 (best) to 31: quality 100 maps to 1, 1 to 31.
    control.value = c.value == ControlValue::Quality       ? options_.quality
                    : c.value == ControlValue::QualityAsQp ? 1 + (100 - options_.quality) * 30 / 99
                                                           : 1;
    if (m2mIoctl(fd_, VIDIOC_S_CTRL, &control) == 0) {
      stats_.controlsSet.emplace_back(c.name);
    } else if (errno == EINVAL) {
      stats_.controlsUnsupported.emplace_back(c.name);
    } else {
      fail(std::string("cannot set ") + c.name + " on");
    }
  }
}

std::vector<M2mEncoder::Buffer> M2mEncoder::allocate(uint32_t type, unsigned count) {
  v4l2_requestbuffers req{};
  req.count = count;
  req.type = type;
  req.memory = V4L2_MEMORY_MMAP;
  if (m2mIoctl(fd_, VIDIOC_REQBUFS, &req) != 0) fail("cannot allocate buffers on");
  if (req.count == 0) throw Error("ENOMEM", path_ + " allocated no buffers", path_);
  std::vector<Buffer> buffers(req.count);
  for (uint32_t i = 0; i < req.count; i++) {
    M2mBuffer query(type, multiplanar_);
    query.buf.index = i;
    if (m2mIoctl(fd_, VIDIOC_QUERYBUF, &query.buf) != 0) fail("cannot query a buffer of");
    size_t length = multiplanar_ ? query.plane.length : query.buf.length;
    off_t offset = multiplanar_ ? query.plane.m.mem_offset : query.buf.m.offset;
    void* data = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, offset);
    if (data == MAP_FAILED) fail("cannot map a buffer of");
    buffers[i] = {data, length};
  }
  return buffers;
}

void M2mEncoder::queue(uint32_t type, uint32_t index, uint64_t timestampUs, size_t bytesused) {
  M2mBuffer request(type, multiplanar_);
  request.buf.index = index;
  request.buf.timestamp.tv_sec = static_cast<time_t>(timestampUs / 1000000);
  request.buf.timestamp.tv_usec = static_cast<suseconds_t>(timestampUs % 1000000);
  if (multiplanar_) {
    request.plane.bytesused = static_cast<uint32_t>(bytesused);
  } else {
    request.buf.bytesused = static_cast<uint32_t>(bytesused);
  }
  if (m2mIoctl(fd_, VIDIOC_QBUF, &request.buf) != 0) fail("cannot queue a buffer on");
}

bool M2mEncoder::dequeue(uint32_t type, uint32_t* index, uint64_t* timestampUs, size_t* bytesused, uint32_t* flags) {
  M2mBuffer done(type, multiplanar_);
  const v4l2_buffer& buf = done.buf;
  if (m2mIoctl(fd_, VIDIOC_DQBUF, &done.buf) != 0) {
    if (errno == EAGAIN) return false;
    fail("cannot dequeue a buffer from");
  }
  *index = buf.index;
  *timestampUs = static_cast<uint64_t>(buf.timestamp.tv_sec) * 1000000 + static_cast<uint64_t>(buf.timestamp.tv_usec);
  *bytesused = multiplanar_ ? done.plane.bytesused : buf.bytesused;
  *flags = buf.flags;
  return true;
}

void M2mEncoder::fill(const Buffer& buffer, const RawFrame& frame, size_t* used) {
  const size_t need = minFrameSize(frame.format, frame.width, driverHeight_, driverStride_);
  if (need > buffer.length) throw Error("ERR_FRAME_SIZE", path_ + " has OUTPUT buffers too small for the frame", path_);
  auto* dst = static_cast<uint8_t*>(buffer.data);
  if (driverStride_ == stride_ && driverHeight_ == frame.height) {
    std::memcpy(dst, frame.data, need);
  } else {
    // Line by line, plane by plane: the layout minFrameSize describes, at the driver's stride and
    // (aligned) height.
    const size_t rowBytes = std::min(stride_, driverStride_);
    auto copyPlane = [](const uint8_t* src, size_t srcStride, uint8_t* out, size_t outStride, int rows, size_t bytes) {
      for (int y = 0; y < rows; y++) std::memcpy(out + y * outStride, src + y * srcStride, bytes);
    };
    const uint8_t* src = frame.data;
    copyPlane(src, stride_, dst, driverStride_, frame.height, rowBytes);
    src += stride_ * static_cast<size_t>(frame.height);
    dst += driverStride_ * static_cast<size_t>(driverHeight_);
    const int chromaRows = (frame.height + 1) / 2;
    const size_t driverChromaRows = static_cast<size_t>(driverHeight_ + 1) / 2;
    if (frame.format == PixelFormat::NV12) {
      copyPlane(src, stride_, dst, driverStride_, chromaRows, rowBytes);
    } else if (frame.format == PixelFormat::I420) {
      for (int p = 0; p < 2; p++) {
        copyPlane(src, stride_ / 2, dst, driverStride_ / 2, chromaRows, rowBytes / 2);
        src += stride_ / 2 * static_cast<size_t>(chromaRows);
        dst += driverStride_ / 2 * driverChromaRows;
      }
    }
  }
  *used = std::max(need, std::min(driverImage_, buffer.length));
}

void M2mEncoder::encodeOnce(const RawFrame& frame, const Sink& sink) {
  uint32_t index = 0;
  uint64_t ts = 0;
  size_t bytes = 0;
  uint32_t flags = 0;
  // Reclaim OUTPUT buffers the driver has finished with.
  while (dequeue(outType_, &index, &ts, &bytes, &flags)) outFree_[index] = true;
  uint32_t slot = 0;
  while (slot < outFree_.size() && !outFree_[slot]) slot++;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.timeoutMs);
  auto waitFor = [&](short events) {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) throw Error("ETIMEDOUT", path_ + " produced no frame within " + std::to_string(options_.timeoutMs) + " ms", path_, ETIMEDOUT);
      pollfd p{fd_, events, 0};
      int r = poll(&p, 1, static_cast<int>(left));
      if (r < 0 && errno != EINTR) fail("cannot poll");
      if (r > 0) {
        if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) {
          errno = (p.revents & POLLHUP) ? ENODEV : EIO;
          fail("encoder failed:");
        }
        return p.revents;
      }
    }
  };
  while (slot == outFree_.size()) {
    waitFor(POLLOUT);
    while (dequeue(outType_, &index, &ts, &bytes, &flags)) outFree_[index] = true;
    slot = 0;
    while (slot < outFree_.size() && !outFree_[slot]) slot++;
  }
  size_t used = 0;
  fill(outBuffers_[slot], frame, &used);
  const uint64_t timestamp = nextTimestampUs_++;
  queue(outType_, slot, timestamp, used);
  outFree_[slot] = false;

  // The coded frame carries its raw frame's timestamp: anything else is stale (an encoder may
  // first hand back an old buffer) and goes straight back.
  for (;;) {
    waitFor(POLLIN);
    while (dequeue(capType_, &index, &ts, &bytes, &flags)) {
      if (ts != timestamp || (flags & V4L2_BUF_FLAG_ERROR)) {
        if (ts != timestamp) stats_.staleOutputs++;
        bool error = ts == timestamp;
        queue(capType_, index, 0, 0);
        if (error) throw Error("ERR_ENCODE", path_ + " flagged the coded frame as failed", path_);
        continue;
      }
      try {
        sink(static_cast<const uint8_t*>(capBuffers_[index].data), std::min(bytes, capBuffers_[index].length));
      } catch (...) {
        queue(capType_, index, 0, 0);
        throw;
      }
      queue(capType_, index, 0, 0);
      return;
    }
  }
}

void M2mEncoder::drain() {
  v4l2_encoder_cmd cmd{};
  cmd.cmd = V4L2_ENC_CMD_STOP;
  if (m2mIoctl(fd_, VIDIOC_ENCODER_CMD, &cmd) != 0) return;  // no drain support: STREAMOFF drops the rest
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.timeoutMs);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 50) < 0 && errno != EINTR) return;
    uint32_t index = 0, flags = 0;
    uint64_t ts = 0;
    size_t bytes = 0;
    try {
      while (dequeue(capType_, &index, &ts, &bytes, &flags)) {
        if (flags & V4L2_BUF_FLAG_LAST) return;
      }
    } catch (const Error&) {
      return;  // EPIPE: the last buffer was already dequeued; anything else: nothing left to drain
    }
  }
}

void M2mEncoder::close() { tearDown(); }

void M2mEncoder::tearDown() {
  if (fd_ < 0) return;
  if (!capBuffers_.empty()) drain();
  for (uint32_t type : {outType_, capType_}) {
    int t = static_cast<int>(type);
    m2mIoctl(fd_, VIDIOC_STREAMOFF, &t);
  }
  for (auto* buffers : {&outBuffers_, &capBuffers_}) {
    for (auto& b : *buffers) munmap(b.data, b.length);
    buffers->clear();
  }
  outFree_.clear();
  ::close(fd_);
  fd_ = -1;
}

}  // namespace turbocam
