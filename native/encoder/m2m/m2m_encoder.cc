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

#include "encoder/m2m/m2m_layout.h"
#include "encoder/m2m/m2m_probe.h"
#include "error.h"

namespace turbocam {

M2mEncoder::M2mEncoder(std::string path, M2mOptions options) : path_(std::move(path)), options_(options) {
  if (!options_.coded || !m2mCodedFormatFits(*options_.coded, options_.video))
    throw Error("ERR_INVALID_ARG", "an M2M encoder needs a coded format for its kind", path_);
}

M2mEncoder::~M2mEncoder() { close(); }

void M2mEncoder::fail(const std::string& what) { throw errnoError(errno, what, path_); }

void M2mEncoder::setUpFor(const RawFrame& frame) {
  size_t stride = frame.stride ? frame.stride : defaultStride(frame.format, frame.width);
  if (fd_ >= 0 && (frame.width != width_ || frame.height != height_ || frame.format != format_ || stride != stride_ ||
                   (frame.dmabuf >= 0) != sharedFrames_))
    tearDown();
  if (fd_ < 0) setUp(frame);
}

void M2mEncoder::encode(const RawFrame& frame, const Sink& sink) {
  JpegEncoder::validate(frame, EncodeOptions{});
  for (;;) {
    try {
      setUpFor(frame);
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
      if (!worthRebuilding(error) || ++failuresInRow_ > options_.maxRebuilds) throw;
      stats_.rebuilds++;
    }
  }
}

bool M2mEncoder::worthRebuilding(const Error& error) {
  return error.code() != "ERR_UNSUPPORTED_FORMAT" && error.code() != "ERR_NOT_M2M_DEVICE" && error.code() != "ENOENT";
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

  layout_ = negotiateM2m(fd_, multiplanar_, path_, options_.coded->fourcc, frame);
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
  zeroCopy_ = sharedFrames_ && !dmabufRefused_ && layout_.stride == stride_ && layout_.height == frame.height &&
              dmabufSize_ >= layout_.image;
  outBuffers_ = allocate(outType_, options_.buffers, zeroCopy_);
  outFree_.assign(outBuffers_.size(), true);
  capBuffers_ = allocate(capType_, options_.buffers);
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
  M2mControlInputs inputs;
  inputs.quality = options_.quality;
  inputs.bitrateKbps = options_.bitrateKbps;
  inputs.keyframeInterval = options_.keyframeInterval;
  inputs.width = width_;
  inputs.height = height_;
  inputs.fps = options_.fps > 0 ? options_.fps : 30;
  for (size_t i = 0; i < table.count; i++) {
    const M2mControl& c = table.controls[i];
    if (setControl(c.id, m2mControlValue(c, inputs)))
      stats_.controlsSet.emplace_back(c.name);
    else
      stats_.controlsUnsupported.emplace_back(c.name);
  }
}

bool M2mEncoder::setControl(uint32_t id, int value) {
  v4l2_control control{};
  control.id = id;
  control.value = value;
  if (m2mIoctl(fd_, VIDIOC_S_CTRL, &control) == 0) return true;
  // EINVAL: no such control (or, for a menu, not that item); ERANGE: out of this driver's range.
  if (errno == EINVAL || errno == ERANGE) return false;
  fail("cannot set control " + std::to_string(id) + " on");
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

void M2mEncoder::reclaimOutputs() {
  uint32_t index = 0, flags = 0;
  uint64_t ts = 0;
  size_t bytes = 0;
  while (dequeue(outType_, &index, &ts, &bytes, &flags)) outFree_[index] = true;
}

short M2mEncoder::pollFor(short events, int ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    pollfd p{fd_, events, 0};
    int r = poll(&p, 1, static_cast<int>(std::max<decltype(left)>(left, 0)));
    if (r < 0 && errno != EINTR) fail("cannot poll");
    if (r > 0) {
      if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) {
        errno = (p.revents & POLLHUP) ? ENODEV : EIO;
        fail("encoder failed:");
      }
      return p.revents;
    }
    if (r == 0 || left <= 0) return 0;
  }
}

void M2mEncoder::waitFor(short events, Deadline deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
  if (left <= 0 || pollFor(events, static_cast<int>(left)) == 0)
    throw Error("ETIMEDOUT", path_ + " produced no frame within " + std::to_string(options_.timeoutMs) + " ms", path_,
                ETIMEDOUT);
}

size_t M2mEncoder::collectReady(const CodedSink& sink) {
  uint32_t index = 0, flags = 0;
  uint64_t ts = 0;
  size_t bytes = 0, count = 0;
  while (dequeue(capType_, &index, &ts, &bytes, &flags)) {
    count++;
    try {
      sink({static_cast<const uint8_t*>(capBuffers_[index].data), std::min(bytes, capBuffers_[index].length), ts,
            flags});
    } catch (...) {
      queue(capType_, index, 0, 0);
      throw;
    }
    queue(capType_, index, 0, 0);
  }
  return count;
}

size_t M2mEncoder::collect(int waitMs, const CodedSink& sink) {
  if (fd_ < 0) return 0;
  size_t count = collectReady(sink);
  if (count == 0 && waitMs > 0 && pollFor(POLLIN, waitMs) != 0) count = collectReady(sink);
  return count;
}

// Waits for a free OUTPUT slot (handing coded buffers that come back meanwhile to sink, so a
// driver whose CAPTURE queue is full can go on) and queues the frame there.
uint32_t M2mEncoder::queueFrame(const RawFrame& frame, uint64_t timestampUs, Deadline deadline, const CodedSink& sink) {
  reclaimOutputs();
  auto freeSlot = [&] {
    uint32_t slot = 0;
    while (slot < outFree_.size() && !outFree_[slot]) slot++;
    return slot;
  };
  uint32_t slot = freeSlot();
  while (slot == outFree_.size()) {
    waitFor(POLLOUT | POLLIN, deadline);
    collectReady(sink);
    reclaimOutputs();
    slot = freeSlot();
  }
  if (zeroCopy_) {
    queue(outType_, slot, timestampUs, std::max(layout_.image, frame.size), frame.dmabuf);
  } else {
    const Buffer& buffer = outBuffers_[slot];
    const size_t used = copyIntoM2m(static_cast<uint8_t*>(buffer.data), buffer.length, frame, stride_, layout_, path_);
    queue(outType_, slot, timestampUs, used);
  }
  outFree_[slot] = false;
  return slot;
}

void M2mEncoder::submit(const RawFrame& frame, uint64_t timestampUs, const CodedSink& sink) {
  JpegEncoder::validate(frame, EncodeOptions{});
  RawFrame copied = frame;
  copied.dmabuf = -1;  // the driver may keep the frame past this call: never the camera's buffer
  setUpFor(copied);
  queueFrame(copied, timestampUs, std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.timeoutMs),
             sink);
  stats_.frames++;
  stats_.copies++;
}

void M2mEncoder::encodeOnce(const RawFrame& frame, const Sink& sink) {
  const uint64_t timestamp = nextTimestampUs_++;
  bool done = false;
  // The coded frame carries its raw frame's timestamp: anything else is stale (an encoder may
  // first hand back an old buffer) and goes straight back.
  const CodedSink take = [&](const Coded& coded) {
    if (coded.timestampUs != timestamp) {
      stats_.staleOutputs++;
      return;
    }
    if (coded.flags & V4L2_BUF_FLAG_ERROR)
      throw Error("ERR_ENCODE", path_ + " flagged the coded frame as failed", path_);
    sink(coded.data, coded.length);
    done = true;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.timeoutMs);
  const uint32_t slot = queueFrame(frame, timestamp, deadline, take);
  while (!done) {
    waitFor(POLLIN, deadline);
    collectReady(take);
  }
  // The source's buffer goes back to the camera once encode() returns: its OUTPUT slot must be the
  // driver's no longer.
  while (zeroCopy_ && !outFree_[slot]) {
    reclaimOutputs();
    if (!outFree_[slot]) waitFor(POLLOUT, deadline);
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
