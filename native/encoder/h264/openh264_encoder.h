// A VideoEncoder over OpenH264 (Cisco's BSD-2 H.264 encoder), loaded at run time with dlopen so
// the addon and its prebuilds load on machines without it: nothing links libopenh264, and
// availability says what to install. Constrained Baseline, bitrate rate control, one thread.
// TURBOCAM_OPENH264_LIBRARY names another library file (tests name a missing one).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "encoder/video_encoder.h"

namespace turbocam {

struct VideoEncoderAvailability {
  bool available = false;
  std::string encoder;  // "openh264 2.3.1" when available
  std::string reason;   // why not, with the remedy, when not
};

// Loads the library on first use (once per path); thread-safe.
VideoEncoderAvailability openh264Availability();

class OpenH264Encoder : public VideoEncoder {
 public:
  // Throws ERR_H264_UNAVAILABLE (no library, with the remedy), ERR_UNSUPPORTED_FORMAT (mjpeg,
  // odd sizes) or ERR_H264_ENCODE (OpenH264 refused the settings).
  explicit OpenH264Encoder(const VideoEncoderSettings& settings);
  ~OpenH264Encoder() override;
  OpenH264Encoder(const OpenH264Encoder&) = delete;
  OpenH264Encoder& operator=(const OpenH264Encoder&) = delete;

  void encode(const RawFrame& frame, uint64_t timestampUs, bool forceKeyframe, const Sink& sink) override;
  std::string name() const override { return name_; }

 private:
  // The frame's I420 planes, oriented, in planes_ (or the frame itself for unturned i420).
  void toI420(const RawFrame& frame, const uint8_t* planes[3], int strides[3]);

  VideoEncoderSettings settings_;
  int width_ = 0, height_ = 0;  // as coded, after orientation
  size_t frameBytes_ = 0;
  std::string name_;
  const struct OpenH264Api* api_ = nullptr;  // the loaded library's entry points, never unloaded
  void* encoder_ = nullptr;                  // ISVCEncoder*
  void* tj_ = nullptr;                       // tjhandle, for rgb24/bgr24 to YUV; made on first use
  std::vector<uint8_t> planes_, unrotated_, i420_;
  std::vector<uint8_t> unit_;
};

}  // namespace turbocam
