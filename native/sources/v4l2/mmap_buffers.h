// The device's capture buffers: REQBUFS with MMAP, mapped once, queued and dequeued by index.
// Workers read frames straight from these mappings; exported as DMABUFs, a hardware encoder reads
// the same memory without a copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sources/v4l2/v4l2_device.h"

namespace turbocam {

struct DequeuedBuffer {
  int index = -1;
  size_t offset = 0;  // where the data starts in the mapping (multi-planar data_offset)
  size_t bytesused = 0;
  bool error = false;  // V4L2_BUF_FLAG_ERROR: the driver says the data is damaged
  double timestampMs = 0;
};

class MmapBuffers {
 public:
  explicit MmapBuffers(const V4l2Device& device) : device_(device) {}
  ~MmapBuffers() { release(); }

  // Requests `count` buffers (the driver may grant more or fewer) and maps them; with
  // exportDmabuf, also exports each as a DMABUF (VIDIOC_EXPBUF; -1 where the driver cannot).
  void allocate(int count, bool exportDmabuf = false);
  void streamOn();
  void streamOff();
  // Unmaps and frees the driver's buffers.
  void release();

  // Returns -1 (errno set) on failure; thread-safe (the kernel serialises the queue).
  int queue(int index);
  // false with errno EAGAIN when nothing is ready; throws on other failures.
  bool dequeue(DequeuedBuffer* out);

  const uint8_t* data(int index) const { return static_cast<const uint8_t*>(maps_[static_cast<size_t>(index)].start); }
  size_t length(int index) const { return maps_[static_cast<size_t>(index)].length; }
  int dmabuf(int index) const { return dmabufs_.empty() ? -1 : dmabufs_[static_cast<size_t>(index)]; }
  int count() const { return static_cast<int>(maps_.size()); }

 private:
  struct Mapping {
    void* start;
    size_t length;
  };
  const V4l2Device& device_;
  std::vector<Mapping> maps_;
  std::vector<int> dmabufs_;
  bool streaming_ = false;
  bool requested_ = false;
};

}  // namespace turbocam
