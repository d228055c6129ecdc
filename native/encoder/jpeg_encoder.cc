#include "encoder/jpeg_encoder.h"

#include <turbojpeg.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "error.h"
#include "encoder/oriented_planes.h"
#include "formats/repack.h"

namespace turbocam {

namespace {

// JPEG's own limit on each dimension.
constexpr int kMaxDimension = 65500;

// Predicted capacities: never below this (headers and tables alone take ~600 bytes), and the
// largest recent JPEG plus a quarter plus this margin, so ordinary frame-to-frame variation fits.
constexpr size_t kMinCapacity = 4096;
constexpr size_t kMargin = 4096;

// Not TJFLAG_NOREALLOC: with it TurboJPEG 2.x takes the buffer to be tjBufSize bytes whatever
// size is passed, and would write past a right-sized one. Without it, a JPEG that outgrows dst
// is moved into a buffer TurboJPEG mallocs (doubling), and dst itself is never freed.
constexpr int kFlags = 0;

constexpr SubsamplingInfo kSubsamplings[] = {
    {Subsampling::S444, "444"},
    {Subsampling::S422, "422"},
    {Subsampling::S420, "420"},
    {Subsampling::Gray, "gray"},
};

const char* subsamplingName(Subsampling s) {
  for (const SubsamplingInfo& info : kSubsamplings) {
    if (info.subsampling == s) return info.name;
  }
  return "auto";
}

bool isKnownFormat(PixelFormat format) {
  size_t count = 0;
  allPixelFormats(&count);
  const int index = static_cast<int>(format);
  return index >= 0 && static_cast<size_t>(index) < count;
}

Subsampling resolvedSubsampling(PixelFormat format, Subsampling requested) {
  if (requested != Subsampling::Auto) return requested;
  switch (format) {
    case PixelFormat::YUYV:
    case PixelFormat::UYVY:
      return Subsampling::S422;
    case PixelFormat::GREY:
      return Subsampling::Gray;
    default:
      return Subsampling::S420;
  }
}

// Which output subsamplings a format can produce without inventing chroma it does not have.
bool subsamplingAllowed(PixelFormat format, Subsampling s) {
  switch (format) {
    case PixelFormat::YUYV:
    case PixelFormat::UYVY:
      return s == Subsampling::S422 || s == Subsampling::S420 || s == Subsampling::Gray;
    case PixelFormat::NV12:
    case PixelFormat::I420:
      return s == Subsampling::S420 || s == Subsampling::Gray;
    case PixelFormat::GREY:
      return s == Subsampling::Gray;
    default:
      return true;
  }
}

int tjSubsampling(Subsampling s) {
  switch (s) {
    case Subsampling::S444:
      return TJSAMP_444;
    case Subsampling::S422:
      return TJSAMP_422;
    case Subsampling::Gray:
      return TJSAMP_GRAY;
    default:
      return TJSAMP_420;
  }
}

// TurboJPEG reads a 4:2:0 luma plane in pairs of lines (tjPlaneHeight): an odd height needs its
// last line repeated, or TurboJPEG reads the chroma (or past the frame) as that line.
bool padsLuma(int tjSamp, int height) { return tjSamp == TJSAMP_420 && height % 2 != 0; }

std::string frameName(const RawFrame& frame) {
  return std::to_string(frame.width) + "x" + std::to_string(frame.height) + " " + formatInfo(frame.format).name;
}

}  // namespace

const SubsamplingInfo* allSubsamplings(size_t* count) {
  *count = sizeof kSubsamplings / sizeof kSubsamplings[0];
  return kSubsamplings;
}

const SubsamplingInfo* findSubsamplingByName(std::string_view name) {
  for (const SubsamplingInfo& info : kSubsamplings) {
    if (name == info.name) return &info;
  }
  return nullptr;
}

const char* JpegEncoder::subsamplingName(Subsampling s) { return turbocam::subsamplingName(s); }

Subsampling JpegEncoder::captureSubsampling(PixelFormat format, Subsampling requested) {
  const Subsampling s = requested != Subsampling::Auto ? requested
                        : format == PixelFormat::GREY  ? Subsampling::Gray
                                                       : Subsampling::S420;
  if (format != PixelFormat::MJPEG && !subsamplingAllowed(format, s)) {
    throw Error("ERR_INVALID_ARG", std::string("subsampling ") + turbocam::subsamplingName(s) +
                                       " cannot be produced from " + formatInfo(format).name +
                                       " input (it would invent chroma resolution)");
  }
  return s;
}

JpegEncoder::JpegEncoder() : handle_(tjInitCompress()) {
  if (handle_ == nullptr)
    throw Error("ERR_ENCODE", std::string("cannot create a TurboJPEG compressor: ") + tjGetErrorStr2(nullptr));
}

JpegEncoder::~JpegEncoder() {
  tjDestroy(static_cast<tjhandle>(handle_));
  std::free(scratch_);
}

void JpegEncoder::resetHandle() {
  tjDestroy(static_cast<tjhandle>(handle_));
  lastBuffer_ = nullptr;
  handle_ = tjInitCompress();
  if (handle_ == nullptr)
    throw Error("ERR_ENCODE", std::string("cannot create a TurboJPEG compressor: ") + tjGetErrorStr2(nullptr));
}

size_t JpegEncoder::predictedSize(const RawFrame& frame, const EncodeOptions& options) const {
  const size_t worst = maxJpegSize(frame, options);
  const SizeHistory& h = history_;
  const bool same = h.width == frame.width && h.height == frame.height && h.format == static_cast<int>(frame.format) &&
                    h.subsampling == static_cast<int>(resolvedSubsampling(frame.format, options.subsampling)) &&
                    h.quality == options.quality;
  size_t predicted = 0;
  if (same && h.count > 0) {
    const size_t largest =
        *std::max_element(h.lengths.begin(), h.lengths.begin() + std::min(h.count, h.lengths.size()));
    predicted = largest + largest / 4 + kMargin;
  } else {
    // Camera scenes at usual qualities compress to well under a quarter byte per pixel.
    predicted = static_cast<size_t>(frame.width) * static_cast<size_t>(frame.height) / 4;
  }
  return std::min(worst, std::max(kMinCapacity, predicted));
}

void JpegEncoder::record(const RawFrame& frame, const EncodeOptions& options, size_t length) {
  SizeHistory& h = history_;
  const int subsampling = static_cast<int>(resolvedSubsampling(frame.format, options.subsampling));
  if (h.width != frame.width || h.height != frame.height || h.format != static_cast<int>(frame.format) ||
      h.subsampling != subsampling || h.quality != options.quality) {
    h = SizeHistory{frame.width, frame.height, static_cast<int>(frame.format), subsampling, options.quality, {}, 0};
  }
  h.lengths[h.count % h.lengths.size()] = length;
  h.count++;
}

uint8_t* JpegEncoder::scratch(size_t capacity) {
  if (scratchCapacity_ < capacity) {
    std::free(scratch_);
    scratchCapacity_ = 0;
    scratch_ = static_cast<uint8_t*>(std::malloc(capacity));
    if (scratch_ == nullptr) throw std::bad_alloc();
    scratchCapacity_ = capacity;
  }
  return scratch_;
}

JpegEncoder::Output JpegEncoder::encodeToScratch(const RawFrame& frame, const EncodeOptions& options) {
  scratch(predictedSize(frame, options));
  Output out = encode(frame, options, scratch_, scratchCapacity_);
  if (out.grown) {
    std::free(scratch_);
    scratch_ = out.data;
    scratchCapacity_ = out.capacity;
  }
  return out;
}

void JpegEncoder::validate(const RawFrame& frame, const EncodeOptions& options) {
  if (!isKnownFormat(frame.format)) throw Error("ERR_UNSUPPORTED_FORMAT", "unknown pixel format");
  const PixelFormatInfo& info = formatInfo(frame.format);
  if (frame.format == PixelFormat::MJPEG) {
    throw Error("ERR_UNSUPPORTED_FORMAT", "mjpeg frames are normalised, not encoded");
  }
  if (frame.width <= 0 || frame.height <= 0 || frame.width > kMaxDimension || frame.height > kMaxDimension) {
    throw Error("ERR_INVALID_ARG", "frame size " + std::to_string(frame.width) + "x" + std::to_string(frame.height) +
                                       " is outside 1.." + std::to_string(kMaxDimension));
  }
  if (info.chromaSubsampledX && frame.width % 2 != 0) {
    throw Error("ERR_INVALID_ARG", std::string(info.name) + " subsamples chroma horizontally: width " +
                                       std::to_string(frame.width) + " must be even");
  }
  if (options.quality < 1 || options.quality > 100) {
    throw Error("ERR_INVALID_ARG", "quality " + std::to_string(options.quality) + " is outside 1..100");
  }
  const Subsampling s = resolvedSubsampling(frame.format, options.subsampling);
  if (!subsamplingAllowed(frame.format, s)) {
    throw Error("ERR_INVALID_ARG", std::string("subsampling ") + subsamplingName(s) + " cannot be produced from " +
                                       info.name + " input (it would invent chroma resolution)");
  }
  const size_t minStride = defaultStride(frame.format, frame.width);
  if (frame.stride != 0 && frame.stride < minStride) {
    throw Error("ERR_INVALID_ARG", "stride " + std::to_string(frame.stride) + " is below the " +
                                       std::to_string(minStride) + " bytes of one " + frameName(frame) + " line");
  }
  // TurboJPEG takes strides as int.
  if (frame.stride > static_cast<size_t>(INT32_MAX) / 4) {
    throw Error("ERR_INVALID_ARG", "stride " + std::to_string(frame.stride) + " is too large");
  }
  const size_t stride = frame.stride != 0 ? frame.stride : minStride;
  const size_t needed = minFrameSize(frame.format, frame.width, frame.height, stride);
  if (frame.data == nullptr || frame.size < needed) {
    throw Error("ERR_FRAME_SIZE", "frame of " + std::to_string(frame.size) + " bytes is too small for " +
                                      frameName(frame) + " (stride " + std::to_string(stride) + "): needs " +
                                      std::to_string(needed) + " bytes");
  }
}

size_t JpegEncoder::maxJpegSize(const RawFrame& frame, const EncodeOptions& options) {
  const Subsampling s = resolvedSubsampling(frame.format, options.subsampling);
  const bool swap = swapsAxes(options.orientation);
  // A turned 4:2:2 frame is 4:4:0: the same number of samples, so the same bound.
  const unsigned long size =
      tjBufSize(swap ? frame.height : frame.width, swap ? frame.width : frame.height, tjSubsampling(s));
  // TurboJPEG signals overflow of its own unsigned long arithmetic (32-bit boards) with -1.
  if (size == static_cast<unsigned long>(-1)) {
    throw Error("ERR_FRAME_SIZE", "a " + frameName(frame) + " JPEG exceeds this platform's address space");
  }
  return size;
}

int JpegEncoder::compressInterleaved(const RawFrame& frame, const Compression& c) {
  const int pixelFormat = frame.format == PixelFormat::RGB24   ? TJPF_RGB
                          : frame.format == PixelFormat::BGR24 ? TJPF_BGR
                                                               : TJPF_GRAY;
  return tjCompress2(static_cast<tjhandle>(handle_), frame.data, frame.width, static_cast<int>(c.stride), frame.height,
                     pixelFormat, c.out, c.outSize, c.tjSubsampling, c.quality, kFlags);
}

int JpegEncoder::compressPlanar420(const RawFrame& frame, const Compression& c) {
  const int w = frame.width;
  const int h = frame.height;
  const bool padLuma = padsLuma(c.tjSubsampling, h);
  const size_t lumaScratch = padLuma ? static_cast<size_t>(w) * (h + 1) : 0;
  const size_t chromaWidth = static_cast<size_t>(w) / 2;
  const size_t chromaRows = static_cast<size_t>(h + 1) / 2;
  const bool splitChroma = frame.format == PixelFormat::NV12 && c.subsampling != Subsampling::Gray;
  planes_.resize(lumaScratch + (splitChroma ? 2 * chromaWidth * chromaRows : 0));
  const uint8_t* planes[3] = {frame.data, nullptr, nullptr};
  int strides[3] = {static_cast<int>(c.stride), static_cast<int>(chromaWidth), static_cast<int>(chromaWidth)};
  if (padLuma) {
    copyPlaneRepeatingLastRow(frame.data, c.stride, w, h, planes_.data());
    planes[0] = planes_.data();
    strides[0] = w;
  }
  if (frame.format == PixelFormat::I420) {
    // Already planar: chroma compressed in place, at half the luma stride.
    const size_t chromaStride = c.stride / 2;
    planes[1] = frame.data + c.stride * h;
    planes[2] = planes[1] + chromaStride * chromaRows;
    strides[1] = strides[2] = static_cast<int>(chromaStride);
  } else if (splitChroma) {
    uint8_t* u = planes_.data() + lumaScratch;
    PlanarYuv split{nullptr, u, u + chromaWidth * chromaRows, 0, chromaWidth};
    splitInterleavedChroma(frame.data + c.stride * h, c.stride, w, h, split);
    planes[1] = split.u;
    planes[2] = split.v;
  }
  return tjCompressFromYUVPlanes(static_cast<tjhandle>(handle_), planes, w, strides, h, c.tjSubsampling, c.out,
                                 c.outSize, c.quality, kFlags);
}

int JpegEncoder::compressPacked422(const RawFrame& frame, const Compression& c) {
  const int w = frame.width;
  const int h = frame.height;
  const Packed422 order = frame.format == PixelFormat::YUYV ? Packed422::YUYV : Packed422::UYVY;
  const bool padLuma = padsLuma(c.tjSubsampling, h);
  const size_t lumaSize = static_cast<size_t>(w) * (padLuma ? h + 1 : h);
  const size_t chromaWidth = static_cast<size_t>(w) / 2;
  // 4:2:2 (and gray, which deinterleaves as 4:2:2 and ignores the chroma) keeps every line's chroma.
  const size_t chromaRows =
      c.subsampling == Subsampling::S420 ? static_cast<size_t>(h + 1) / 2 : static_cast<size_t>(h);
  planes_.resize(lumaSize + 2 * chromaWidth * chromaRows);
  PlanarYuv dstPlanes{planes_.data(), planes_.data() + lumaSize, planes_.data() + lumaSize + chromaWidth * chromaRows,
                      static_cast<size_t>(w), chromaWidth};
  if (c.subsampling == Subsampling::S422 || c.subsampling == Subsampling::Gray) {
    packed422ToPlanar422(order, frame.data, c.stride, w, h, dstPlanes);
  } else {
    packed422ToPlanar420(order, frame.data, c.stride, w, h, dstPlanes);
  }
  // The luma is already a tight plane here: the helper only repeats its last line.
  if (padLuma) copyPlaneRepeatingLastRow(dstPlanes.y, static_cast<size_t>(w), w, h, dstPlanes.y);
  const uint8_t* planes[3] = {dstPlanes.y, dstPlanes.u, dstPlanes.v};
  const int strides[3] = {w, static_cast<int>(chromaWidth), static_cast<int>(chromaWidth)};
  return tjCompressFromYUVPlanes(static_cast<tjhandle>(handle_), planes, w, strides, h, c.tjSubsampling, c.out,
                                 c.outSize, c.quality, kFlags);
}

int JpegEncoder::compressOriented(const RawFrame& frame, const EncodeOptions& options, const Compression& c) {
  OrientedPlanes p = orient(frame, options);
  if (p.pixelFormat >= 0) {
    return tjCompress2(static_cast<tjhandle>(handle_), p.planes[0], p.width, p.strides[0], p.height, p.pixelFormat,
                       c.out, c.outSize, p.samp, c.quality, kFlags);
  }
  return tjCompressFromYUVPlanes(static_cast<tjhandle>(handle_), p.planes, p.width, p.strides, p.height, p.samp, c.out,
                                 c.outSize, c.quality, kFlags);
}

OrientedPlanes JpegEncoder::orient(const RawFrame& frame, const EncodeOptions& options) {
  validate(frame, options);
  const Subsampling s = resolvedSubsampling(frame.format, options.subsampling);
  return orientPlanes(frame, s, tjSubsampling(s), options.orientation, planes_, unrotated_);
}

JpegTransformer& JpegEncoder::transformer() {
  if (!transformer_) transformer_ = std::make_unique<JpegTransformer>();
  return *transformer_;
}

JpegEncoder::Output JpegEncoder::encode(const RawFrame& frame, const EncodeOptions& options, uint8_t* dst,
                                        size_t capacity) {
  validate(frame, options);
  if (dst == lastBuffer_ && capacity != lastCapacity_) resetHandle();
  tjhandle handle = static_cast<tjhandle>(handle_);
  const Subsampling s = resolvedSubsampling(frame.format, options.subsampling);
  unsigned char* out = dst;
  unsigned long outSize = capacity;
  const Compression c{&out,
                      &outSize,
                      s,
                      tjSubsampling(s),
                      frame.stride != 0 ? frame.stride : defaultStride(frame.format, frame.width),
                      options.quality};
  int rc = 0;
  if (options.orientation != Orientation::None) {
    rc = compressOriented(frame, options, c);
  } else {
    switch (frame.format) {
      case PixelFormat::RGB24:
      case PixelFormat::BGR24:
      case PixelFormat::GREY:
        rc = compressInterleaved(frame, c);
        break;
      case PixelFormat::I420:
      case PixelFormat::NV12:
        rc = compressPlanar420(frame, c);
        break;
      case PixelFormat::YUYV:
      case PixelFormat::UYVY:
        rc = compressPacked422(frame, c);
        break;
      case PixelFormat::MJPEG:
        break;
    }
  }
  if (rc != 0) {
    const std::string message = tjGetErrorStr2(handle);
    if (out != dst) tjFree(out);
    resetHandle();
    throw Error("ERR_ENCODE", "cannot encode " + frameName(frame) + ": " + message);
  }
  record(frame, options, outSize);
  if (out == dst) {
    lastBuffer_ = dst;
    lastCapacity_ = capacity;
    return Output{dst, outSize, capacity, false};
  }
  // Grown. The handle's destination still counts the new buffer as its own and would free it on
  // its next growth: a fresh handle forgets it. The buffer is trimmed to the next prediction.
  resetHandle();
  size_t keep = std::max(static_cast<size_t>(outSize), predictedSize(frame, options));
  auto* trimmed = static_cast<uint8_t*>(std::realloc(out, keep));
  if (trimmed == nullptr) {
    trimmed = out;
    keep = outSize;
  }
  return Output{trimmed, outSize, keep, true};
}

}  // namespace turbocam
