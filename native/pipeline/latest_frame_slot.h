// The hand-off from worker threads to the JS thread, latest frame wins: it holds at most one
// frame. Putting a frame while another waits replaces (and releases) the older one, so a busy JS
// thread costs dropped frames, never memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "pool/buffer_pool.h"

namespace turbocam {

struct EncodedFrame {
  BufferPool::Lease lease;
  size_t length = 0;
  uint64_t sequence = 0;
  double timestampMs = 0;
};

class LatestFrameSlot {
 public:
  explicit LatestFrameSlot(std::shared_ptr<BufferPool> pool) : pool_(std::move(pool)) {}
  ~LatestFrameSlot() { clear(); }

  // Returns true when the slot was empty, i.e. the consumer needs a wake-up; false when the
  // frame replaced one that was still waiting (that one is released and counted).
  bool put(EncodedFrame frame) {
    std::lock_guard<std::mutex> lock(mutex_);
    bool wasEmpty = !frame_.has_value();
    if (!wasEmpty) {
      pool_->release(frame_->lease);
      replaced_++;
    }
    frame_ = std::move(frame);
    return wasEmpty;
  }

  std::optional<EncodedFrame> take() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::optional<EncodedFrame> out = std::move(frame_);
    frame_.reset();
    return out;
  }

  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (frame_) pool_->release(frame_->lease);
    frame_.reset();
  }

  bool occupied() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return frame_.has_value();
  }

  uint64_t replaced() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return replaced_;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<BufferPool> pool_;
  std::optional<EncodedFrame> frame_;
  uint64_t replaced_ = 0;
};

}  // namespace turbocam
