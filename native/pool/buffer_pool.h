// A bounded pool of output buffers. Encoders write JPEGs into leased buffers; the buffer then
// travels to JS as the external memory of a Buffer whose finalizer gives it back. Thread-safe:
// workers lease, the JS thread's finalizers return.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace turbocam {

struct BufferPoolStats {
  size_t capacity;       // most buffers the pool keeps
  size_t allocated;      // pooled buffers in existence (leased + idle)
  size_t leased;         // buffers out (pooled or not)
  size_t idle;           // pooled buffers waiting for reuse
  uint64_t leases;       // leases ever made
  uint64_t overflows;    // leases served by a one-off allocation because the pool was exhausted
  size_t bytes;          // bytes held by pooled buffers
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

  // A buffer of at least minCapacity bytes. Never blocks: when all maxBuffers are leased it
  // allocates a one-off buffer (counted as an overflow) that release() frees instead of keeping.
  Lease acquire(size_t minCapacity);
  void release(const Lease& lease);
  BufferPoolStats stats() const;

 private:
  struct Slot {
    std::unique_ptr<uint8_t[]> data;
    size_t capacity;
    bool leased;
  };
  mutable std::mutex mutex_;
  size_t maxBuffers_;
  std::vector<Slot> slots_;
  size_t leasedCount_ = 0;
  uint64_t leases_ = 0;
  uint64_t overflows_ = 0;
};

}  // namespace turbocam
