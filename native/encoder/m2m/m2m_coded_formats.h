// The coded formats the M2M encoder knows, each with the controls to set for it from a table: one
// table for an image encoder (a quality), one for a video encoder (a bitrate and a GOP), and how
// to read a coded buffer (keyframe, parameter sets). Adding a codec is adding a row (see
// kCodedFormats).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace turbocam {

// How a control's value follows from the options.
enum class ControlValue {
  Quality,           // 1..100
  QualityAsQp,       // FWHT's QP, 31 (worst) .. 1
  Bitrate,           // bit/s: the bitrate asked for, else 200 kbit/s a quality point
  KeyframeInterval,  // frames from one keyframe to the next (1: every frame)
  H264Level,         // the lowest level that fits the size, the rate and the bitrate
  Constant,          // the row's value
};

struct M2mControl {
  uint32_t id;
  const char* name;
  ControlValue value;
  int constant = 0;  // ControlValue::Constant's value
};

// What a table's values are computed from.
struct M2mControlInputs {
  int quality = 80;
  int bitrateKbps = 0;  // 0: from the quality
  int keyframeInterval = 1;
  int width = 0, height = 0, fps = 30;
};

struct M2mControlTable {
  const M2mControl* controls;  // nullptr: the format is not for that kind of encoder
  size_t count;
};

// What one coded buffer holds, read from its bytes (a driver may not flag keyframes: vicodec).
struct CodedUnitInfo {
  bool picture = true;         // false: parameter sets only (H.264 SPS/PPS before the first IDR)
  bool keyframe = true;        // decodes without earlier frames
  bool parameterSets = false;  // H.264: carries SPS and PPS
};

struct M2mCodedFormat {
  const char* name;
  uint32_t fourcc;
  M2mControlTable image, video;
  // Frames depend on each other: coded only by a stream (m2m_video_stream.h), one per camera,
  // never by the JPEG workers, whose frames each stand alone.
  bool streamOnly;
  CodedUnitInfo (*inspect)(const uint8_t* data, size_t length);
};

// nullptr when the name is unknown ("jpeg", "mjpeg", "h264"; for the test harness "fwht", "yuyv").
const M2mCodedFormat* findM2mCodedFormat(std::string_view name);
inline uint32_t m2mCodedFourcc(const M2mCodedFormat& format) { return format.fourcc; }
// Whether the format has a table for this kind of encoder (JPEG is an image encoder's only).
inline bool m2mCodedFormatFits(const M2mCodedFormat& format, bool video) {
  return (video ? format.video : format.image).controls != nullptr;
}
// The value a control of the table takes for these inputs.
int m2mControlValue(const M2mControl& control, const M2mControlInputs& inputs);
// The V4L2 H.264 level (V4L2_MPEG_VIDEO_H264_LEVEL_*) for this size, rate and bitrate: the
// lowest whose macroblock rate, frame size and (Baseline) bitrate limits it stays within.
int h264LevelFor(int width, int height, int fps, int bitrateKbps);
// H.264 Annex B: which NAL units the buffer holds (IDR: keyframe; SPS: parameter sets).
CodedUnitInfo inspectH264(const uint8_t* data, size_t length);

}  // namespace turbocam
