#include "pool/buffer_pool.h"

namespace turbocam {

BufferPool::BufferPool(size_t maxBuffers) : maxBuffers_(maxBuffers) { slots_.reserve(maxBuffers); }

BufferPool::~BufferPool() = default;

BufferPool::Lease BufferPool::acquire(size_t minCapacity) {
  std::unique_lock<std::mutex> lock(mutex_);
  leases_++;
  leasedCount_++;
  // Best fit among idle buffers that are big enough; else grow the smallest idle one.
  Slot* fit = nullptr;
  Slot* smallest = nullptr;
  for (Slot& slot : slots_) {
    if (slot.leased) continue;
    if (slot.capacity >= minCapacity && (fit == nullptr || slot.capacity < fit->capacity)) fit = &slot;
    if (smallest == nullptr || slot.capacity < smallest->capacity) smallest = &slot;
  }
  if (fit == nullptr && smallest != nullptr) {
    smallest->data.reset(new uint8_t[minCapacity]);
    smallest->capacity = minCapacity;
    fit = smallest;
  }
  if (fit == nullptr && slots_.size() < maxBuffers_) {
    slots_.push_back(Slot{std::unique_ptr<uint8_t[]>(new uint8_t[minCapacity]), minCapacity, false});
    fit = &slots_.back();
  }
  if (fit != nullptr) {
    fit->leased = true;
    return Lease{fit->data.get(), fit->capacity, true};
  }
  // Exhausted: never block the encoder, hand out a one-off buffer and count it.
  overflows_++;
  lock.unlock();
  return Lease{new uint8_t[minCapacity], minCapacity, false};
}

void BufferPool::release(const Lease& lease) {
  if (lease.data == nullptr) return;
  if (!lease.pooled) {
    delete[] lease.data;
    std::lock_guard<std::mutex> lock(mutex_);
    leasedCount_--;
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  leasedCount_--;
  for (Slot& slot : slots_) {
    if (slot.data.get() == lease.data) {
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
  s.overflows = overflows_;
  for (const Slot& slot : slots_) {
    if (!slot.leased) s.idle++;
    s.bytes += slot.capacity;
  }
  return s;
}

}  // namespace turbocam
