// libjpeg-turbo wrapper. One JpegEncoder per thread (a tjhandle is not thread-safe); it keeps its
// scratch planes between frames so a steady stream allocates nothing, and the sizes of its recent
// JPEGs so callers can lease output buffers of a realistic size instead of tjBufSize's worst case.
#pragma once

#include <cstddef>
#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "encoder/jpeg_transform.h"
#include "formats/orient.h"
#include "formats/pixel_format.h"

namespace turbocam {

enum class Subsampling { Auto, S444, S422, S420, Gray };

struct SubsamplingInfo {
  Subsampling subsampling;
  const char* name;  // "444", "422", "420", "gray": the names of the JS API
};

// Every subsampling but Auto, in a stable order.
const SubsamplingInfo* allSubsamplings(size_t* count);
// nullptr when the name is unknown.
const SubsamplingInfo* findSubsamplingByName(std::string_view name);

struct RawFrame {
  const uint8_t* data = nullptr;
  size_t size = 0;
  int width = 0;
  int height = 0;
  PixelFormat format = PixelFormat::YUYV;
  size_t stride = 0;  // bytes per line of the first plane; 0 = defaultStride(format, width)
  int dmabuf = -1;    // the same bytes as a DMABUF from its offset 0, for a hardware encoder; -1: none
};

struct EncodeOptions {
  int quality = 80;                             // 1..100
  Subsampling subsampling = Subsampling::Auto;  // Auto: 4:2:2 for packed 4:2:2, 4:2:0 otherwise, gray for grey
  bool allowTruncated = false;                  // camera MJPEG: serve frames cut short inside the scan
  // Rotation/flip, applied while repacking into planes. Rotated 90 or 270, 4:2:2 becomes 4:4:0.
  Orientation orientation = Orientation::None;
};

// What an oriented frame is compressed from: YUV planes (pixelFormat -1) or one pixel plane.
struct OrientedPlanes {
  const uint8_t* planes[3] = {nullptr, nullptr, nullptr};
  int strides[3] = {0, 0, 0};
  int planeWidth[3] = {0, 0, 0};
  int planeHeight[3] = {0, 0, 0};
  int width = 0;
  int height = 0;
  int samp = 0;          // TJSAMP_*
  int pixelFormat = -1;  // TJPF_* for rgb24/bgr24/grey, else -1
};

class JpegEncoder {
 public:
  JpegEncoder();
  ~JpegEncoder();
  JpegEncoder(const JpegEncoder&) = delete;
  JpegEncoder& operator=(const JpegEncoder&) = delete;

  // Throws turbocam::Error (ERR_FRAME_SIZE, ERR_UNSUPPORTED_FORMAT, ERR_INVALID_ARG, ERR_ENCODE)
  // for frames or options it cannot encode, before touching dst.
  static void validate(const RawFrame& frame, const EncodeOptions& options);

  // What a capture of `format` encodes at when `requested` is asked (Auto: 4:2:0, the anchors'
  // output and the cheapest, or gray for grey input); throws ERR_INVALID_ARG for a subsampling the
  // format cannot give. A capture checks this once at open rather than failing every frame.
  static Subsampling captureSubsampling(PixelFormat format, Subsampling requested);
  static const char* subsamplingName(Subsampling s);

  // Upper bound of the JPEG size for this frame and options: the capacity dst must have.
  static size_t maxJpegSize(const RawFrame& frame, const EncodeOptions& options);

  // Output capacity to lease for this frame: the largest of the last few JPEGs of the same
  // geometry and settings plus headroom; a guess from the pixel count before the first one.
  // Never above maxJpegSize.
  size_t predictedSize(const RawFrame& frame, const EncodeOptions& options) const;

  struct Output {
    uint8_t* data;  // dst, or a larger malloc'd buffer the caller now owns when grown
    size_t length;
    size_t capacity;  // of data
    bool grown;       // the JPEG outgrew dst: TurboJPEG moved it to data (dst is left as it was)
  };
  // Compresses frame into dst, a malloc'd buffer of capacity bytes. A JPEG that does not fit is
  // moved by TurboJPEG into a larger malloc'd buffer (Output::grown), never written past dst.
  // mjpeg frames are not accepted here: they go through the MJPEG normaliser.
  Output encode(const RawFrame& frame, const EncodeOptions& options, uint8_t* dst, size_t capacity);

  // encode() into this encoder's own scratch buffer, valid until its next use; for frames whose
  // caller has no lease (pool exhausted) and copies the JPEG out.
  Output encodeToScratch(const RawFrame& frame, const EncodeOptions& options);
  // The scratch buffer, at least capacity bytes, for other writers (the MJPEG normaliser).
  uint8_t* scratch(size_t capacity);

  // The planes an oriented frame is compressed from, in this encoder's scratch until its next
  // use; encode() compresses exactly these (tests compare them with a reference rotation).
  // In encoder/oriented_planes.cc.
  OrientedPlanes orient(const RawFrame& frame, const EncodeOptions& options);

  // This thread's lossless JPEG transformer (camera MJPEG rotated without a re-encode).
  JpegTransformer& transformer();

 private:
  // Where and how one encode() compresses: TurboJPEG's output buffer and size (in/out), the
  // resolved subsampling as ours and as TurboJPEG's, the first plane's stride, the quality.
  struct Compression {
    unsigned char** out;
    unsigned long* outSize;
    Subsampling subsampling;
    int tjSubsampling;
    size_t stride;
    int quality;
  };
  // encode() by format family; each returns TurboJPEG's status.
  int compressInterleaved(const RawFrame& frame, const Compression& c);  // rgb24, bgr24, grey
  int compressPlanar420(const RawFrame& frame, const Compression& c);    // i420, nv12
  int compressPacked422(const RawFrame& frame, const Compression& c);    // yuyv, uyvy
  int compressOriented(const RawFrame& frame, const EncodeOptions& options, const Compression& c);  // any, turned

  void resetHandle();
  void record(const RawFrame& frame, const EncodeOptions& options, size_t length);

  void* handle_;                                  // tjhandle
  std::vector<uint8_t> planes_;                   // deinterleaved Y/U/V scratch for packed and semi-planar input
  std::vector<uint8_t> unrotated_;                // packed 4:2:2 averaged to 4:2:0 before it is oriented
  std::unique_ptr<JpegTransformer> transformer_;  // made on first use
  // TurboJPEG remembers the last output buffer and, handed the same address again, trusts the
  // size it remembered over the one passed: kept here so a reused address with another capacity
  // gets a fresh handle.
  uint8_t* lastBuffer_ = nullptr;
  size_t lastCapacity_ = 0;
  uint8_t* scratch_ = nullptr;  // malloc'd
  size_t scratchCapacity_ = 0;

  struct SizeHistory {
    int width = 0, height = 0, format = -1, subsampling = -1, quality = 0;
    std::array<size_t, 8> lengths{};
    size_t count = 0;
  };
  SizeHistory history_;
};

}  // namespace turbocam
