// Digital-video timings of HDMI capture boards (as µStreamer's --dv-timings): the board reports
// the signal it detects; capture must adopt those timings before S_FMT.
#pragma once

#include "sources/v4l2/v4l2_device.h"

namespace turbocam {

struct DvTimings {
  int width = 0;
  int height = 0;
  double fps = 0;
};

// True when the current input is a DV-timings input (HDMI, DVI).
bool hasDvTimings(const V4l2Device& device);
// Queries the detected timings and applies them. Throws ENOLINK / ENOLCK style errors as
// ERR_NO_SIGNAL when there is no (stable) signal.
DvTimings applyDetectedDvTimings(const V4l2Device& device);

}  // namespace turbocam
