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

// A pool's counters as JS sees them (encoderStats().pool, a capture's stats().pool).
Napi::Object poolStatsToJs(Napi::Env env, const BufferPoolStats& stats);

}  // namespace turbocam
