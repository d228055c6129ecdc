#include "pool/buffer_pool.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace turbocam {

namespace {

// An idle buffer more than this many times the size asked for is shrunk on its next lease, so a
// burst of large JPEGs (a noisy scene) does not pin large buffers once the scene calms down.
constexpr size_t kShrinkFactor = 4;

uint8_t* allocate(size_t capacity) {
  auto* data = static_cast<uint8_t*>(std::malloc(capacity));
  if (data == nullptr) throw std::bad_alloc();
  return data;
}

}  // namespace

BufferPool::BufferPool(size_t maxBuffers) : maxBuffers_(maxBuffers) { slots_.reserve(maxBuffers); }

BufferPool::~BufferPool() {
  // Leased buffers keep the pool alive through their holders' shared_ptr, so every slot is idle.
  for (Slot& slot : slots_) std::free(slot.data);
}

void BufferPool::resize(Slot* slot, size_t capacity) {
  // Contents are dead: free first so the allocator can reuse the space, no copy as realloc would.
  std::free(slot->data);
  slot->data = nullptr;
  slot->capacity = 0;
  slot->data = allocate(capacity);
  slot->capacity = capacity;
}

BufferPool::Lease BufferPool::acquire(size_t minCapacity) {
  std::lock_guard<std::mutex> lock(mutex_);
  Lease lease = take(minCapacity);
  if (lease.data == nullptr) copies_++;
  return lease;
}

BufferPool::Lease BufferPool::tryAcquire(size_t minCapacity) {
  std::lock_guard<std::mutex> lock(mutex_);
  return take(minCapacity);
}

BufferPool::Lease BufferPool::take(size_t minCapacity) {
  // Best fit among idle buffers that are big enough; else the largest idle one, grown.
  Slot* fit = nullptr;
  Slot* largest = nullptr;
  for (Slot& slot : slots_) {
    if (slot.leased) continue;
    if (slot.capacity >= minCapacity && (fit == nullptr || slot.capacity < fit->capacity)) fit = &slot;
    if (largest == nullptr || slot.capacity > largest->capacity) largest = &slot;
  }
  if (fit != nullptr && fit->capacity / kShrinkFactor > minCapacity) resize(fit, minCapacity);
  if (fit == nullptr && largest != nullptr) {
    resize(largest, minCapacity);
    fit = largest;
  }
  if (fit == nullptr && slots_.size() < maxBuffers_) {
    slots_.push_back(Slot{allocate(minCapacity), minCapacity, false});
    fit = &slots_.back();
  }
  if (fit == nullptr) return Lease{};
  fit->leased = true;
  leases_++;
  leasedCount_++;
  return Lease{fit->data, fit->capacity, true};
}

void BufferPool::adopt(Lease* lease, uint8_t* data, size_t capacity) {
  std::lock_guard<std::mutex> lock(mutex_);
  grown_++;
  for (Slot& slot : slots_) {
    if (slot.data == lease->data) {
      std::free(slot.data);
      slot.data = data;
      slot.capacity = capacity;
      break;
    }
  }
  lease->data = data;
  lease->capacity = capacity;
}

BufferPool::Lease BufferPool::copyOf(const uint8_t* src, size_t length) {
  Lease lease{allocate(length == 0 ? 1 : length), length, false};
  std::memcpy(lease.data, src, length);
  std::lock_guard<std::mutex> lock(mutex_);
  leasedCount_++;
  return lease;
}

void BufferPool::countGrown() {
  std::lock_guard<std::mutex> lock(mutex_);
  grown_++;
}

void BufferPool::release(const Lease& lease) {
  if (lease.data == nullptr) return;
  if (!lease.pooled) {
    std::free(lease.data);
    std::lock_guard<std::mutex> lock(mutex_);
    leasedCount_--;
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  leasedCount_--;
  for (Slot& slot : slots_) {
    if (slot.data == lease.data) {
      slot.leased = false;
      return;
    }
  }
}

BufferPoolStats BufferPool::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  BufferPoolStats s{};
  s.capacity = maxBuffers_;
  s.allocated = slots_.size();
  s.leased = leasedCount_;
  s.leases = leases_;
  s.copies = copies_;
  s.grown = grown_;
  for (const Slot& slot : slots_) {
    if (!slot.leased) s.idle++;
    s.bytes += slot.capacity;
  }
  return s;
}

}  // namespace turbocam
