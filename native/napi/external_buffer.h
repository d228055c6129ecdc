// A pool lease handed to JS without a copy: the Buffer's memory is the lease itself, accounted
// to V8 as external memory, and its finalizer returns the lease to the pool. Where the runtime
// forbids external buffers (Electron), the bytes are copied once and the lease returned at once.
#pragma once

#include <napi.h>

#include <memory>

#include "pool/buffer_pool.h"

namespace turbocam {

Napi::Buffer<uint8_t> leaseToBuffer(Napi::Env env, const std::shared_ptr<BufferPool>& pool,
                                    const BufferPool::Lease& lease, size_t length);

// A raw frame's lease, the same way, but told to V8 at kRawPressure times its bytes: a caller
// that never calls release() gets its leases back only through the GC, which must then come
// before the raw pool's few buffers are all held by dead Buffers.
Napi::Buffer<uint8_t> rawLeaseToBuffer(Napi::Env env, const std::shared_ptr<BufferPool>& pool,
                                       const BufferPool::Lease& lease, size_t length);

// `releaseBuffer(arrayBuffer)`: detaches a leased Buffer's ArrayBuffer, so every view of it reads
// as empty at once and the finalizer gives the lease back without waiting for the GC.
Napi::Value ReleaseBuffer(const Napi::CallbackInfo& info);

// A pool's counters as JS sees them (encoderStats().pool, a capture's stats().pool).
Napi::Object poolStatsToJs(Napi::Env env, const BufferPoolStats& stats);

}  // namespace turbocam
