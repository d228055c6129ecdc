#include "sources/v4l2/v4l2_capture.h"

#include <linux/videodev2.h>
#include <poll.h>

#include <cerrno>

#include "error.h"
#include "sources/monotonic_clock.h"

namespace turbocam {

V4l2Capture::V4l2Capture(std::unique_ptr<V4l2Device> device, CaptureFormat format, int timeoutMs,
                         bool watchSourceChange)
    : device_(std::move(device)),
      format_(std::move(format)),
      timeoutMs_(timeoutMs),
      watchSourceChange_(watchSourceChange),
      buffers_(*device_) {}

V4l2Capture::~V4l2Capture() { buffers_.release(); }

void V4l2Capture::start(int bufferCount) {
  if (watchSourceChange_) {
    v4l2_event_subscription sub{};
    sub.type = V4L2_EVENT_SOURCE_CHANGE;
    // Source-change events are per input: subscribe to the one being captured.
    int input = 0;
    if (device_->tryIoctl(VIDIOC_G_INPUT, &input) == 0) sub.id = static_cast<uint32_t>(input);
    device_->tryIoctl(VIDIOC_SUBSCRIBE_EVENT, &sub);  // boards without the event still capture
  }
  buffers_.allocate(bufferCount, shareBuffers_);
  buffers_.streamOn();
}

void V4l2Capture::stop() { buffers_.release(); }

void V4l2Capture::release(int index) {
  if (buffers_.queue(index) == 0) return;
  if (errno == ENODEV) return;  // unplugged: the capture thread reports it
  errors_++;
  std::lock_guard<std::mutex> lock(requeueMutex_);
  requeue_.push_back(index);
}

void V4l2Capture::retryRequeues() {
  std::lock_guard<std::mutex> lock(requeueMutex_);
  for (auto it = requeue_.begin(); it != requeue_.end();) {
    if (buffers_.queue(*it) == 0)
      it = requeue_.erase(it);
    else
      ++it;
  }
}

void V4l2Capture::checkEvents() {
  v4l2_event event{};
  while (device_->tryIoctl(VIDIOC_DQEVENT, &event) == 0) {
    if (event.type == V4L2_EVENT_SOURCE_CHANGE && (event.u.src_change.changes & V4L2_EVENT_SRC_CH_RESOLUTION)) {
      throw Error("ERR_SOURCE_CHANGED", device_->path() + ": the input signal changed; renegotiating", device_->path());
    }
  }
}

bool V4l2Capture::next(SourceFrame* frame, int stopFd) {
  double waitedSince = monotonicMs();
  for (;;) {
    retryRequeues();
    pollfd fds[2] = {{device_->fd(), POLLIN | POLLPRI, 0}, {stopFd, POLLIN, 0}};
    double left = timeoutMs_ - (monotonicMs() - waitedSince);
    if (left <= 0) {
      throw Error("ETIMEDOUT", device_->path() + ": no frame for " + std::to_string(timeoutMs_) + " ms",
                  device_->path(), ETIMEDOUT);
    }
    int ready = poll(fds, 2, static_cast<int>(left) + 1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw errnoError(errno, "poll", device_->path());
    }
    if (fds[1].revents) return false;
    if (ready == 0) continue;  // the deadline check above reports the timeout
    if (fds[0].revents & POLLPRI) checkEvents();

    // Drain to the newest frame: anything older only adds latency.
    DequeuedBuffer newest;
    DequeuedBuffer buf;
    bool any = false;
    while (buffers_.dequeue(&buf)) {
      if (buf.error || buf.bytesused == 0) {
        errors_++;
        release(buf.index);
        continue;
      }
      if (any) {
        superseded_++;
        release(newest.index);
      }
      newest = buf;
      any = true;
    }
    if (!any) {
      if (fds[0].revents & (POLLERR | POLLHUP)) {
        // vb2 reports POLLERR when the queue failed or holds no buffers; a failed queue stays failed.
        if (fds[0].revents & POLLHUP)
          throw Error("ENODEV", device_->path() + ": the device is gone", device_->path(), ENODEV);
        std::lock_guard<std::mutex> lock(requeueMutex_);
        if (requeue_.empty()) {
          throw Error("EIO", device_->path() + ": the driver reported a streaming error", device_->path(), EIO);
        }
      }
      continue;
    }
    frame->index = newest.index;
    frame->data = buffers_.data(newest.index) + newest.offset;
    frame->size = newest.bytesused;
    frame->timestampMs = newest.timestampMs > 0 ? newest.timestampMs : monotonicMs();
    frame->dmabuf = newest.offset == 0 ? buffers_.dmabuf(newest.index) : -1;
    return true;
  }
}

SourceCounters V4l2Capture::counters() const {
  SourceCounters c;
  c.superseded = superseded_;
  c.errors = errors_;
  return c;
}

}  // namespace turbocam
