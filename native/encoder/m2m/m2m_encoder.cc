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

#include "encoder/m2m/m2m_probe.h"
#include "error.h"

namespace turbocam {

namespace {
constexpr unsigned kOutputBuffers = 2;
constexpr unsigned kCaptureBuffers = 2;
}  // namespace

M2mEncoder::M2mEncoder(std::string path, M2mOptions options) : path_(std::move(path)), options_(options) {
  if (!options_.coded || !m2mCodedFormatFits(*options_.coded, options_.video))
    throw Error("ERR_INVALID_ARG", "an M2M encoder needs a coded format for its kind", path_);
}

M2mEncoder::~M2mEncoder() { close(); }

void M2mEncoder::fail(const std::string& what) { throw errnoError(errno, what, path_); }

void M2mEncoder::encode(const RawFrame& frame, const Sink& sink) {
  JpegEncoder::validate(frame, EncodeOptions{});
  size_t stride = frame.stride ? frame.stride : defaultStride(frame.format, frame.width);
  for (;;) {
    try {
      if (fd_ >= 0 && (frame.width != width_ || frame.height != height_ || frame.format != format_ ||
                       stride != stride_ || (frame.dmabuf >= 0) != sharedFrames_))
        tearDown();
      if (fd_ < 0) setUp(frame);
      encodeOnce(frame, sink);
      failuresInRow_ = 0;
      stats_.frames++;
      (zeroCopy_ ? stats_.zeroCopy : stats_.copies)++;
      return;
    } catch (const Error& error) {
      tearDown();
      if (error.code() == "ERR_DMABUF" && !dmabufRefused_) {
        dmabufRefused_ = true;  // retried at once, copying
        continue;
      }
      if (error.code() == "ERR_UNSUPPORTED_FORMAT" || error.code() == "ERR_NOT_M2M_DEVICE" ||
          error.code() == "ENOENT" || ++failuresInRow_ > options_.maxRebuilds)
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
  if (!queryM2m(fd_, &probe))
    throw Error("ERR_NOT_M2M_DEVICE", path_ + " is not a V4L2 memory-to-memory device", path_);
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
                  path_ + " gave " + fourccToString(got) + " when asked for " + what + " " + fourccToString(fourcc),
                  path_);
    }
    if (multiplanar_ && fmt.fmt.pix_mp.num_planes != 1) {
      throw Error("ERR_UNSUPPORTED_FORMAT",
                  path_ + " wants " + fourccToString(got) + " in " + std::to_string(fmt.fmt.pix_mp.num_planes) +
                      " planes; one is supported",
                  path_);
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
    if (m2mIoctl(fd_, VIDIOC_S_PARM, &parm) == 0)
      stats_.frameRateSet = true;
    else if (errno != ENOTTY && errno != EINVAL)
      fail("cannot set the frame rate of");
  }

  // Zero-copy when the source's buffer is laid out exactly as OUTPUT wants it (same stride, no
  // lines of alignment to add) and is as large as the driver's image; anything else is copied.
  sharedFrames_ = frame.dmabuf >= 0;
  dmabufSize_ = 0;
  if (sharedFrames_) {
    off_t end = lseek(frame.dmabuf, 0, SEEK_END);
    if (end > 0) dmabufSize_ = static_cast<size_t>(end);
  }
  zeroCopy_ = sharedFrames_ && !dmabufRefused_ && driverStride_ == stride_ && driverHeight_ == frame.height &&
              dmabufSize_ >= driverImage_;
  outBuffers_ = allocate(outType_, kOutputBuffers, zeroCopy_);
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
  const M2mControlTable& table = options_.video ? options_.coded->video : options_.coded->image;
  for (size_t i = 0; i < table.count; i++) {
    const M2mControl& c = table.controls[i];
    v4l2_control control{};
    control.id = c.id;
    control.value = m2mControlValue(c, options_.quality);
    if (m2mIoctl(fd_, VIDIOC_S_CTRL, &control) == 0) {
      stats_.controlsSet.emplace_back(c.name);
    } else if (errno == EINVAL) {
      stats_.controlsUnsupported.emplace_back(c.name);
    } else {
      fail(std::string("cannot set ") + c.name + " on");
    }
  }
}

std::vector<M2mEncoder::Buffer> M2mEncoder::allocate(uint32_t type, unsigned count, bool dmabuf) {
  v4l2_requestbuffers req{};
  req.count = count;
  req.type = type;
  req.memory = dmabuf ? V4L2_MEMORY_DMABUF : V4L2_MEMORY_MMAP;
  if (m2mIoctl(fd_, VIDIOC_REQBUFS, &req) != 0) {
    if (dmabuf && errno == EINVAL) throw Error("ERR_DMABUF", path_ + " imports no DMABUF on OUTPUT", path_);
    fail("cannot allocate buffers on");
  }
  if (req.count == 0) throw Error("ENOMEM", path_ + " allocated no buffers", path_);
  std::vector<Buffer> buffers(req.count);
  if (dmabuf) return buffers;  // slots only: each frame brings its own memory
  for (uint32_t i = 0; i < req.count; i++) {
    v4l2_buffer buf{};
    v4l2_plane plane{};
    buf.type = type;
    buf.memory = V4L2_MEMORY_MMAP;
    buf.index = i;
    if (multiplanar_) {
      buf.m.planes = &plane;
      buf.length = 1;
    }
    if (m2mIoctl(fd_, VIDIOC_QUERYBUF, &buf) != 0) fail("cannot query a buffer of");
    size_t length = multiplanar_ ? plane.length : buf.length;
    off_t offset = multiplanar_ ? plane.m.mem_offset : buf.m.offset;
    void* data = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, offset);
    if (data == MAP_FAILED) fail("cannot map a buffer of");
    buffers[i] = {data, length};
  }
  return buffers;
}

void M2mEncoder::queue(uint32_t type, uint32_t index, uint64_t timestampUs, size_t bytesused, int dmabuf) {
  v4l2_buffer buf{};
  v4l2_plane plane{};
  buf.type = type;
  buf.memory = dmabuf >= 0 ? V4L2_MEMORY_DMABUF : V4L2_MEMORY_MMAP;
  buf.index = index;
  buf.timestamp.tv_sec = static_cast<time_t>(timestampUs / 1000000);
  buf.timestamp.tv_usec = static_cast<suseconds_t>(timestampUs % 1000000);
  if (multiplanar_) {
    plane.bytesused = static_cast<uint32_t>(bytesused);
    if (dmabuf >= 0) {
      plane.m.fd = dmabuf;
      plane.length = static_cast<uint32_t>(dmabufSize_);
    }
    buf.m.planes = &plane;
    buf.length = 1;
  } else {
    buf.bytesused = static_cast<uint32_t>(bytesused);
    if (dmabuf >= 0) {
      buf.m.fd = dmabuf;
      buf.length = static_cast<uint32_t>(dmabufSize_);
    }
  }
  if (m2mIoctl(fd_, VIDIOC_QBUF, &buf) != 0) {
    if (dmabuf >= 0 && errno == EINVAL) throw Error("ERR_DMABUF", path_ + " refused the camera's DMABUF", path_);
    fail("cannot queue a buffer on");
  }
}

bool M2mEncoder::dequeue(uint32_t type, uint32_t* index, uint64_t* timestampUs, size_t* bytesused, uint32_t* flags) {
  v4l2_buffer buf{};
  v4l2_plane plane{};
  buf.type = type;
  buf.memory = type == outType_ && zeroCopy_ ? V4L2_MEMORY_DMABUF : V4L2_MEMORY_MMAP;
  if (multiplanar_) {
    buf.m.planes = &plane;
    buf.length = 1;
  }
  if (m2mIoctl(fd_, VIDIOC_DQBUF, &buf) != 0) {
    if (errno == EAGAIN) return false;
    fail("cannot dequeue a buffer from");
  }
  *index = buf.index;
  *timestampUs = static_cast<uint64_t>(buf.timestamp.tv_sec) * 1000000 + static_cast<uint64_t>(buf.timestamp.tv_usec);
  *bytesused = multiplanar_ ? plane.bytesused : buf.bytesused;
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
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0)
        throw Error("ETIMEDOUT", path_ + " produced no frame within " + std::to_string(options_.timeoutMs) + " ms",
                    path_, ETIMEDOUT);
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
  const uint64_t timestamp = nextTimestampUs_++;
  if (zeroCopy_) {
    queue(outType_, slot, timestamp, std::max(driverImage_, frame.size), frame.dmabuf);
  } else {
    size_t used = 0;
    fill(outBuffers_[slot], frame, &used);
    queue(outType_, slot, timestamp, used);
  }
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
      // The source's buffer goes back to the camera once encode() returns: its OUTPUT slot must
      // be the driver's no longer.
      while (zeroCopy_ && !outFree_[slot]) {
        while (dequeue(outType_, &index, &ts, &bytes, &flags)) outFree_[index] = true;
        if (!outFree_[slot]) waitFor(POLLOUT);
      }
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
  zeroCopy_ = false;
  ::close(fd_);
  fd_ = -1;
}

}  // namespace turbocam
