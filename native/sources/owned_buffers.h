// Frame buffers owned by a non-device source (test pattern, pipe): a fixed set, lent out to the
// pipeline and handed back by workers. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace turbocam {

class OwnedBuffers {
 public:
  void allocate(int count, size_t size) {
    std::lock_guard<std::mutex> lock(mutex_);
    buffers_.assign(static_cast<size_t>(count), std::vector<uint8_t>(size));
    free_.clear();
    for (int i = count - 1; i >= 0; i--) free_.push_back(i);
  }

  // -1 when every buffer is lent out.
  int acquire() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.empty()) return -1;
    int index = free_.back();
    free_.pop_back();
    return index;
  }

  void release(int index) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(index);
  }

  uint8_t* data(int index) { return buffers_[static_cast<size_t>(index)].data(); }
  size_t size(int index) const { return buffers_[static_cast<size_t>(index)].size(); }

  void resize(int index, size_t size) { buffers_[static_cast<size_t>(index)].resize(size); }

  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    buffers_.clear();
    free_.clear();
  }

 private:
  std::mutex mutex_;
  std::vector<std::vector<uint8_t>> buffers_;
  std::vector<int> free_;
};

}  // namespace turbocam
