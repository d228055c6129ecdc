// Whether most recent camera MJPEG frames come cut short inside the scan: over the last 30, more
// than half. It fires once, so the user hears about --allow-truncated-frames one time, not per
// frame. Thread-safe: workers note frames concurrently.
#pragma once

#include <bitset>
#include <cstddef>
#include <mutex>

namespace turbocam {

class TruncationWatch {
 public:
  static constexpr size_t kWindow = 30;

  // Records one frame; true the first time more than half of the last kWindow were truncated.
  bool note(bool truncated) {
    std::lock_guard<std::mutex> lock(mutex_);
    window_[next_] = truncated;
    next_ = (next_ + 1) % kWindow;
    if (seen_ < kWindow) seen_++;
    if (fired_ || seen_ < kWindow || window_.count() * 2 <= kWindow) return false;
    fired_ = true;
    return true;
  }

 private:
  std::mutex mutex_;
  std::bitset<kWindow> window_;
  size_t next_ = 0;
  size_t seen_ = 0;
  bool fired_ = false;
};

}  // namespace turbocam
