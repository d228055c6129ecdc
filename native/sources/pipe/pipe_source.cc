#include "sources/pipe/pipe_source.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>

#include "error.h"
#include "sources/monotonic_clock.h"

namespace turbocam {

namespace {

constexpr int kPipeBytes = 1 << 20;

}  // namespace

PipeSource::PipeSource(int fd, const std::string& name, PixelFormat format, int width, int height, double fps,
                       int timeoutMs)
    : fd_(fd), timeoutMs_(timeoutMs) {
  format_.kind = "pipe";
  format_.name = name;
  format_.format = format;
  format_.width = width;
  format_.height = height;
  format_.fps = fps;
  if (format != PixelFormat::MJPEG) {
    if (width <= 0 || height <= 0) {
      ::close(fd_);
      throw Error("ERR_INVALID_ARG", name + ": raw frames need `width` and `height`", name);
    }
    format_.stride = defaultStride(format, width);
    frameSize_ = minFrameSize(format, width, height, format_.stride);
  }
}

PipeSource::~PipeSource() { ::close(fd_); }

void PipeSource::start(int bufferCount) {
  // A pipe holds 64 KiB by default: a 1080p YUYV frame then took 64 wake-ups of the reader and
  // the writer each. Grown to the most an unprivileged process may ask (fs.pipe-max-size, 1 MiB
  // by default), a frame takes a few. Not a pipe (a file), or a lower limit: left as it is.
  if (fcntl(fd_, F_SETPIPE_SZ, kPipeBytes) < 0) {
    // Nothing to do: reads work at any pipe size.
  }
  buffers_.allocate(bufferCount, frameSize_);
  if (frameSize_ > 0) scratch_.resize(frameSize_);
  nextDueMs_ = monotonicMs();
}

bool PipeSource::readSome(uint8_t* dst, size_t size, size_t* got, int stopFd) {
  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {stopFd, POLLIN, 0}};
    // Only time spent waiting on the writer counts: a pipe that turbocam reads slowly on purpose
    // (JS behind, see keepsEveryFrame) is not a stalled one. EINTR restarts the full wait.
    int ready = poll(fds, 2, timeoutMs_);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw errnoError(errno, "poll", format_.name);
    }
    if (ready == 0) {
      throw Error("ETIMEDOUT", format_.name + ": no input for " + std::to_string(timeoutMs_) + " ms", format_.name,
                  ETIMEDOUT);
    }
    if (fds[1].revents) return false;
    ssize_t n = ::read(fd_, dst, size);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      throw errnoError(errno, "read", format_.name);
    }
    *got = static_cast<size_t>(n);
    return true;
  }
}

bool PipeSource::pace(int stopFd) {
  if (format_.fps <= 0) return true;
  double now = monotonicMs();
  if (now < nextDueMs_) {
    pollfd pfd{stopFd, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(std::ceil(nextDueMs_ - now))) > 0) return false;
  }
  double period = 1000.0 / format_.fps;
  nextDueMs_ = monotonicMs() - nextDueMs_ > period ? monotonicMs() + period : nextDueMs_ + period;
  return true;
}

bool PipeSource::next(SourceFrame* frame, int stopFd) {
  if (!pace(stopFd)) return false;
  return format_.format == PixelFormat::MJPEG ? nextMjpeg(frame, stopFd) : nextRaw(frame, stopFd);
}

bool PipeSource::nextRaw(SourceFrame* frame, int stopFd) {
  for (;;) {
    // With every buffer lent out (fewer buffers than workers can hold), read the frame anyway and
    // drop it (counted), so the writer does not wait on a buffer only JS can free.
    int index = buffers_.acquire();
    uint8_t* dst = index >= 0 ? buffers_.data(index) : scratch_.data();
    size_t filled = 0;
    while (filled < frameSize_) {
      size_t got = 0;
      bool ok = false;
      try {
        ok = readSome(dst + filled, frameSize_ - filled, &got, stopFd);
      } catch (...) {
        if (index >= 0) buffers_.release(index);
        throw;
      }
      if (!ok || got == 0) {
        if (index >= 0) buffers_.release(index);
        if (!ok) return false;
        if (filled > 0) errors_++;  // a partial last frame
        throw Error("ERR_END_OF_STREAM", format_.name + ": end of input", format_.name);
      }
      filled += got;
    }
    if (index < 0) {
      superseded_++;
      continue;
    }
    frame->index = index;
    frame->data = buffers_.data(index);
    frame->size = frameSize_;
    frame->timestampMs = monotonicMs();
    return true;
  }
}

bool PipeSource::lendJpeg(SourceFrame* frame) {
  int index = buffers_.acquire();
  if (index < 0) {
    superseded_++;
    return false;
  }
  buffers_.resize(index, jpeg_.size());
  std::copy(jpeg_.begin(), jpeg_.end(), buffers_.data(index));
  frame->index = index;
  frame->data = buffers_.data(index);
  frame->size = jpeg_.size();
  frame->timestampMs = monotonicMs();
  return true;
}

bool PipeSource::nextMjpeg(SourceFrame* frame, int stopFd) {
  uint8_t chunk[65536];
  for (;;) {
    while (splitter_.nextFrame(&jpeg_)) {
      if (lendJpeg(frame)) return true;
    }
    size_t got = 0;
    if (!readSome(chunk, sizeof chunk, &got, stopFd)) return false;
    if (got == 0) {
      // A last frame without EOI is complete only now that nothing follows it.
      if (splitter_.flush(&jpeg_) && lendJpeg(frame)) return true;
      throw Error("ERR_END_OF_STREAM", format_.name + ": end of input", format_.name);
    }
    splitter_.push(chunk, got);
  }
}

SourceCounters PipeSource::counters() const {
  SourceCounters c;
  c.superseded = superseded_;
  c.errors = errors_ + splitter_.oversizedFrames();
  return c;
}

}  // namespace turbocam
