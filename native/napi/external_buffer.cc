#include "napi/external_buffer.h"

namespace turbocam {

namespace {

struct LeaseHold {
  std::shared_ptr<BufferPool> pool;
  BufferPool::Lease lease;
};

// Accounts the lease's whole capacity, not just the JPEG's length: that is what the Buffer keeps
// from the pool (or from the heap, for an overflow lease) until it is collected.
void returnLease(Napi::Env env, uint8_t*, LeaseHold* hold) {
  Napi::MemoryManagement::AdjustExternalMemory(env, -static_cast<int64_t>(hold->lease.capacity));
  hold->pool->release(hold->lease);
  delete hold;
}

}  // namespace

Napi::Buffer<uint8_t> leaseToBuffer(Napi::Env env, const std::shared_ptr<BufferPool>& pool,
                                    const BufferPool::Lease& lease, size_t length) {
  auto* hold = new LeaseHold{pool, lease};
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(lease.capacity));
  // NewOrCopy copies and runs the finalizer at once where external buffers are forbidden
  // (Electron's V8 sandbox), which also undoes the accounting above.
  try {
    return Napi::Buffer<uint8_t>::NewOrCopy(env, lease.data, length, returnLease, hold);
  } catch (...) {
    returnLease(env, lease.data, hold);
    throw;
  }
}

}  // namespace turbocam
