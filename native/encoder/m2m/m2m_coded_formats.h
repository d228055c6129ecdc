// The coded formats the M2M encoder knows, each with the controls to set for it from a table: one
// table for an image encoder (a quality), one for a video encoder (a bitrate and a GOP). Adding a
// codec is adding a row (see kCodedFormats).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace turbocam {

// How a control's value follows from the options.
enum class ControlValue { Quality, QualityAsQp, QualityAsBitrate, One };

struct M2mControl {
  uint32_t id;
  const char* name;
  ControlValue value;
};

struct M2mControlTable {
  const M2mControl* controls;  // nullptr: the format is not for that kind of encoder
  size_t count;
};

struct M2mCodedFormat {
  const char* name;
  uint32_t fourcc;
  M2mControlTable image, video;
};

// nullptr when the name is unknown ("jpeg", "mjpeg"; for the test harness "fwht", "yuyv").
const M2mCodedFormat* findM2mCodedFormat(std::string_view name);
inline uint32_t m2mCodedFourcc(const M2mCodedFormat& format) { return format.fourcc; }
// Whether the format has a table for this kind of encoder (JPEG is an image encoder's only).
inline bool m2mCodedFormatFits(const M2mCodedFormat& format, bool video) {
  return (video ? format.video : format.image).controls != nullptr;
}
// The value a control of the table takes at this quality (1..100).
int m2mControlValue(const M2mControl& control, int quality);

}  // namespace turbocam
