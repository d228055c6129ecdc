// Frames per second over the last complete one-second window. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>

namespace turbocam {

class FpsMeter {
 public:
  void tick(double nowMs) {
    std::lock_guard<std::mutex> lock(mutex_);
    roll(nowMs);
    count_++;
  }

  double fps(double nowMs) {
    std::lock_guard<std::mutex> lock(mutex_);
    roll(nowMs);
    return rate_;
  }

 private:
  void roll(double nowMs) {
    if (windowStart_ < 0) windowStart_ = nowMs;
    double elapsed = nowMs - windowStart_;
    if (elapsed < 1000) return;
    // A window with no frames at all (or a long gap) reads as 0, not as the stale rate.
    rate_ = elapsed < 2000 ? count_ * 1000.0 / elapsed : 0;
    count_ = 0;
    windowStart_ = nowMs;
  }

  std::mutex mutex_;
  double windowStart_ = -1;
  uint64_t count_ = 0;
  double rate_ = 0;
};

}  // namespace turbocam
