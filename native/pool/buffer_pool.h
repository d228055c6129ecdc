// A bounded pool of output buffers. Encoders write JPEGs into leased buffers; the buffer then
// travels to JS as the external memory of a Buffer whose finalizer gives it back. Thread-safe:
// workers lease, the JS thread's finalizers return.
//
// Buffers are sized by what is asked (a predicted JPEG size, not the worst case), so the pool's
// bytes follow real JPEG sizes. They come from malloc because TurboJPEG may replace a leased
// buffer with a larger malloc'd one when a JPEG outgrows it (see adopt()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace turbocam {

struct BufferPoolStats {
  size_t capacity;   // most buffers the pool keeps
  size_t allocated;  // pooled buffers in existence (leased + idle)
  size_t leased;     // buffers out (pooled, and exact copies made when the pool was exhausted)
  size_t idle;       // pooled buffers waiting for reuse
  uint64_t leases;   // pooled leases ever made
  uint64_t copies;   // frames served by a copy of exactly the JPEG's bytes: the pool was exhausted
  uint64_t grown;    // JPEGs that outgrew their predicted buffer (TurboJPEG grew it)
  size_t bytes;      // bytes held by pooled buffers
};

class BufferPool : public std::enable_shared_from_this<BufferPool> {
 public:
  struct Lease {
    uint8_t* data = nullptr;
    size_t capacity = 0;
    bool pooled = false;
  };

  explicit BufferPool(size_t maxBuffers);
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // A pooled buffer of at least minCapacity bytes, or, when all maxBuffers are leased, an empty
  // lease (data == nullptr, counted as a copy): the caller then encodes into its own scratch and
  // hands out a copy of exactly the JPEG's bytes. Never blocks, never allocates beyond the bound.
  Lease acquire(size_t minCapacity);
  // The same without the copy: for raw frames, which are dropped (and counted by the caller)
  // when the pool is dry. Counts nothing as a copy.
  Lease tryAcquire(size_t minCapacity);
  // The lease's memory is replaced by data (malloc'd, capacity bytes), which the pool now owns;
  // the old memory is freed. Counted as grown.
  void adopt(Lease* lease, uint8_t* data, size_t capacity);
  // A non-pooled lease holding a copy of src: for frames made while the pool was exhausted.
  Lease copyOf(const uint8_t* src, size_t length);
  void countGrown();
  void release(const Lease& lease);
  BufferPoolStats stats() const;

 private:
  struct Slot {
    uint8_t* data;
    size_t capacity;
    bool leased;
  };
  static void resize(Slot* slot, size_t capacity);
  Lease take(size_t minCapacity);  // mutex_ held; empty when all maxBuffers are leased

  mutable std::mutex mutex_;
  size_t maxBuffers_;
  std::vector<Slot> slots_;
  size_t leasedCount_ = 0;
  uint64_t leases_ = 0;
  uint64_t copies_ = 0;
  uint64_t grown_ = 0;
};

}  // namespace turbocam
