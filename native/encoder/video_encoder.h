// The seam for encoders whose frames depend on each other (H.264): unlike the JPEG encoders, one
// instance codes one stream, fed its frames in capture order from one thread, so it is never
// shared between workers and never latest-frame-wins after it. OpenH264 (encoder/h264/) and a
// V4L2 M2M video node (encoder/m2m/) sit behind it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "encoder/jpeg_encoder.h"
#include "formats/orient.h"
#include "formats/pixel_format.h"

namespace turbocam {

struct VideoEncoderSettings {
  int width = 0;  // of the frames fed in, before orientation
  int height = 0;
  PixelFormat format = PixelFormat::YUYV;
  size_t stride = 0;  // bytes per line of the first plane; 0 = defaultStride(format, width)
  Orientation orientation = Orientation::None;
  int fps = 30;               // the source's rate, for rate control
  int bitrateKbps = 2000;     // target bitrate
  int keyframeInterval = 60;  // frames from one IDR to the next; a forced one restarts the count
};

// One access unit as Annex B (start codes), still in the encoder's memory: copy what is kept. A
// keyframe is an IDR preceded by its SPS and PPS, so a viewer can start at any keyframe.
struct CodedVideoFrame {
  const uint8_t* data = nullptr;
  size_t length = 0;
  bool keyframe = false;
  uint64_t timestampUs = 0;  // of the frame it codes, as given to encode()
};

class VideoEncoder {
 public:
  using Sink = std::function<void(const CodedVideoFrame&)>;
  virtual ~VideoEncoder() = default;
  // Codes one frame shaped as the settings say; sink receives its access unit, or is not called
  // when rate control skipped the frame. An encoder that holds a frame or two (a V4L2 M2M one)
  // hands its units to later calls, in order, each with its own frame's timestamp. forceKeyframe:
  // make this one an IDR (a viewer joined, or a browser asked for one). Throws turbocam::Error on
  // a failure: ERR_H264_ENCODE from software, the device's errno code (ENODEV, EBUSY, ETIMEDOUT)
  // from an M2M node.
  virtual void encode(const RawFrame& frame, uint64_t timestampUs, bool forceKeyframe, const Sink& sink) = 0;
  // For /state: "openh264 2.3.1", "m2m /dev/video11".
  virtual std::string name() const = 0;
};

}  // namespace turbocam
