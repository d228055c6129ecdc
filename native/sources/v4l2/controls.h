// Device controls by name. Names are normalised as v4l2-ctl prints them: lower case, runs of
// anything but letters and digits become one '_' ("Exposure, Auto" -> exposure_auto).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sources/v4l2/v4l2_device.h"

namespace turbocam {

struct ControlDescription {
  std::string name;
  uint32_t id = 0;
  std::string type;  // integer, boolean, menu, integer_menu, button, integer64, bitmask, string, other
  int64_t min = 0;
  int64_t max = 0;
  uint64_t step = 0;
  int64_t defaultValue = 0;
  bool hasValue = false;  // buttons, strings and write-only controls have no readable value
  int64_t value = 0;
  std::map<int64_t, std::string> menu;
  bool readOnly = false;
  bool inactive = false;
  bool disabled = false;
};

std::string normaliseControlName(const char* name);
std::vector<ControlDescription> listControls(const V4l2Device& device);
// Throws ERR_INVALID_ARG for an unknown name (the message lists the known ones).
int64_t getControl(const V4l2Device& device, const std::string& name);
// Throws ERR_INVALID_ARG for unknown names, read-only controls and out-of-range values.
void setControl(const V4l2Device& device, const std::string& name, int64_t value);

}  // namespace turbocam
