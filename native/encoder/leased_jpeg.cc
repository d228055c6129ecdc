#include "encoder/leased_jpeg.h"

#include <cstring>

#include "encoder/mjpeg_normaliser.h"

namespace turbocam {

LeasedJpeg encodeToLease(JpegEncoder& encoder, BufferPool& pool, const RawFrame& frame, const EncodeOptions& options) {
  LeasedJpeg jpeg;
  BufferPool::Lease lease = pool.acquire(encoder.predictedSize(frame, options));
  if (lease.data == nullptr) {
    const JpegEncoder::Output out = encoder.encodeToScratch(frame, options);
    if (out.grown) pool.countGrown();
    jpeg.scratch = out.data;
    jpeg.length = out.length;
    return jpeg;
  }
  JpegEncoder::Output out{};
  try {
    out = encoder.encode(frame, options, lease.data, lease.capacity);
  } catch (...) {
    pool.release(lease);
    throw;
  }
  if (out.grown) pool.adopt(&lease, out.data, out.capacity);
  jpeg.lease = lease;
  jpeg.length = out.length;
  return jpeg;
}

LeasedJpeg normaliseToLease(JpegEncoder& encoder, BufferPool& pool, const uint8_t* src, size_t size,
                            bool allowTruncated, MjpegRepair* repair, Orientation orientation) {
  LeasedJpeg jpeg;
  if (orientation != Orientation::None) {
    const size_t capacity = normalisedMjpegMaxSize(size);
    uint8_t* normalised = encoder.scratch(capacity);
    const size_t length = normaliseMjpeg(src, size, normalised, capacity, allowTruncated, repair);
    const JpegTransformer::Output turned = encoder.transformer().transform(normalised, length, orientation);
    BufferPool::Lease lease = pool.acquire(turned.length);
    uint8_t* dst = lease.data != nullptr ? lease.data : encoder.scratch(turned.length);
    std::memcpy(dst, turned.data, turned.length);
    if (lease.data != nullptr)
      jpeg.lease = lease;
    else
      jpeg.scratch = dst;
    jpeg.length = turned.length;
    return jpeg;
  }
  const size_t capacity = normalisedMjpegMaxSize(size);
  BufferPool::Lease lease = pool.acquire(capacity);
  if (lease.data == nullptr) {
    uint8_t* scratch = encoder.scratch(capacity);
    jpeg.length = normaliseMjpeg(src, size, scratch, capacity, allowTruncated, repair);
    jpeg.scratch = scratch;
    return jpeg;
  }
  try {
    jpeg.length = normaliseMjpeg(src, size, lease.data, lease.capacity, allowTruncated, repair);
  } catch (...) {
    pool.release(lease);
    throw;
  }
  jpeg.lease = lease;
  return jpeg;
}

BufferPool::Lease leaseOf(BufferPool& pool, const LeasedJpeg& jpeg) {
  return jpeg.lease.data != nullptr ? jpeg.lease : pool.copyOf(jpeg.scratch, jpeg.length);
}

}  // namespace turbocam
