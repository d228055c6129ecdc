#include "napi/external_buffer.h"

#include <algorithm>

#include "error.h"
#include "napi/addon_data.h"

namespace turbocam {

namespace {

struct LeaseHold {
  std::shared_ptr<BufferPool> pool;
  BufferPool::Lease lease;
  int64_t accounted;
  bool returned = false;  // given back by releaseBuffer(), before its finalizer ran
  bool tracked = false;   // in AddonData::leases
};

// What V8 is told a Buffer holds. A pooled lease is memory the bounded pool owns whether or not
// JS holds it, so only the JPEG's bytes count; reporting its whole capacity (up to a few MB per
// frame) made V8 run a full mark-compact every few dozen frames. A copy lease exists because JS
// still holds every pooled buffer, mostly in Buffers already dead: it is reported at
// kCopyPressure times its bytes, so V8 collects after a few MB of dead frames rather than at its
// 64 MB external-memory threshold, and the collection returns the pool's buffers with them.
constexpr int64_t kCopyPressure = 16;
// A raw pool of workers + 3 frames runs dry after a few unreleased frames. Told to V8 at this
// pressure, and at no less than kRawMinAccounted, two or three of them pass V8's 64 MB
// external-memory mark and bring a GC, which returns the dead ones before the pool is dry: a
// caller that leaves release() to the GC still gets every frame at 30 fps (720p and 480p alike).
constexpr int64_t kRawPressure = 16;
constexpr int64_t kRawMinAccounted = int64_t{24} << 20;

int64_t accountedBytes(const BufferPool::Lease& lease, size_t length) {
  return lease.pooled ? static_cast<int64_t>(length) : kCopyPressure * static_cast<int64_t>(lease.capacity);
}

void giveBack(Napi::Env env, LeaseHold* hold) {
  if (hold->returned) return;
  hold->returned = true;
  Napi::MemoryManagement::AdjustExternalMemory(env, -hold->accounted);
  hold->pool->release(hold->lease);
}

void returnLease(Napi::Env env, uint8_t*, LeaseHold* hold) {
  if (hold->tracked) addonData(env).leases.erase(hold->lease.data);
  giveBack(env, hold);
  delete hold;
}

Napi::Buffer<uint8_t> holdToBuffer(Napi::Env env, LeaseHold* hold, size_t length) {
  const BufferPool::Lease lease = hold->lease;
  Napi::MemoryManagement::AdjustExternalMemory(env, hold->accounted);
  // NewOrCopy copies and runs the finalizer at once where external buffers are forbidden
  // (Electron's V8 sandbox), which also undoes the accounting above.
  Napi::Buffer<uint8_t> buffer;
  try {
    buffer = Napi::Buffer<uint8_t>::NewOrCopy(env, lease.data, length, returnLease, hold);
  } catch (...) {
    returnLease(env, lease.data, hold);
    throw;
  }
  // A pooled lease can come back through releaseBuffer() before the GC finds its Buffer dead. A
  // copy (Electron) has already given its lease back, and deleted the hold.
  if (lease.pooled && buffer.Data() == lease.data) {
    hold->tracked = true;
    addonData(env).leases[lease.data] = hold;
  }
  return buffer;
}

}  // namespace

Napi::Buffer<uint8_t> leaseToBuffer(Napi::Env env, const std::shared_ptr<BufferPool>& pool,
                                    const BufferPool::Lease& lease, size_t length) {
  return holdToBuffer(env, new LeaseHold{pool, lease, accountedBytes(lease, length)}, length);
}

Napi::Buffer<uint8_t> rawLeaseToBuffer(Napi::Env env, const std::shared_ptr<BufferPool>& pool,
                                       const BufferPool::Lease& lease, size_t length) {
  const int64_t accounted = std::max(kRawPressure * static_cast<int64_t>(length), kRawMinAccounted);
  return holdToBuffer(env, new LeaseHold{pool, lease, accounted}, length);
}

Napi::Value ReleaseBuffer(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsArrayBuffer()) throw Error("ERR_INVALID_ARG", "releaseBuffer(arrayBuffer)");
  Napi::ArrayBuffer buffer = info[0].As<Napi::ArrayBuffer>();
  if (buffer.IsDetached()) return info.Env().Undefined();
  const void* data = buffer.Data();
  buffer.Detach();
  // Given back now, not when Node gets round to the finalizer: the pool has it for the next frame.
  auto& leases = addonData(info.Env()).leases;
  auto found = leases.find(data);
  if (found != leases.end()) {
    auto* hold = static_cast<LeaseHold*>(found->second);
    leases.erase(found);
    hold->tracked = false;
    giveBack(info.Env(), hold);
  }
  return info.Env().Undefined();
}

Napi::Object poolStatsToJs(Napi::Env env, const BufferPoolStats& s) {
  Napi::Object pool = Napi::Object::New(env);
  pool.Set("capacity", static_cast<double>(s.capacity));
  pool.Set("allocated", static_cast<double>(s.allocated));
  pool.Set("leased", static_cast<double>(s.leased));
  pool.Set("idle", static_cast<double>(s.idle));
  pool.Set("leases", static_cast<double>(s.leases));
  pool.Set("copies", static_cast<double>(s.copies));
  pool.Set("grown", static_cast<double>(s.grown));
  pool.Set("bytes", static_cast<double>(s.bytes));
  return pool;
}

}  // namespace turbocam
