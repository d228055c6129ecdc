// JPEGs into pool leases: a raw frame is compressed, an mjpeg frame normalised, into a lease of
// the size the encoder predicts. When the pool is exhausted the JPEG goes to the encoder's own
// scratch buffer instead and the caller copies exactly its bytes out: never a worst-case
// allocation per frame.
#pragma once

#include <cstddef>
#include <cstdint>

#include "encoder/jpeg_encoder.h"
#include "encoder/mjpeg_normaliser.h"
#include "pool/buffer_pool.h"

namespace turbocam {

struct LeasedJpeg {
  BufferPool::Lease lease;           // holds the JPEG, unless the pool was exhausted
  const uint8_t* scratch = nullptr;  // else the JPEG, in encoder's scratch until its next use
  size_t length = 0;
};

LeasedJpeg encodeToLease(JpegEncoder& encoder, BufferPool& pool, const RawFrame& frame, const EncodeOptions& options);

// Throws ERR_CORRUPT_FRAME like normaliseMjpeg, and says what it repaired the same way. An
// orientation other than None turns the normalised JPEG losslessly (JpegTransformer), trimming
// edge blocks that cannot move.
LeasedJpeg normaliseToLease(JpegEncoder& encoder, BufferPool& pool, const uint8_t* src, size_t size,
                            bool allowTruncated = false, MjpegRepair* repair = nullptr,
                            Orientation orientation = Orientation::None);

// The lease of a LeasedJpeg, made from a copy of its scratch bytes when it has none: for callers
// that hand the JPEG on later, from another thread.
BufferPool::Lease leaseOf(BufferPool& pool, const LeasedJpeg& jpeg);

}  // namespace turbocam
