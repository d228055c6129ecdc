#include "sources/v4l2/controls.h"

#include <linux/videodev2.h>

#include <cctype>
#include <cerrno>

#include "error.h"

namespace turbocam {

namespace {

const char* typeName(uint32_t type) {
  switch (type) {
    case V4L2_CTRL_TYPE_INTEGER:
      return "integer";
    case V4L2_CTRL_TYPE_BOOLEAN:
      return "boolean";
    case V4L2_CTRL_TYPE_MENU:
      return "menu";
    case V4L2_CTRL_TYPE_INTEGER_MENU:
      return "integer_menu";
    case V4L2_CTRL_TYPE_BUTTON:
      return "button";
    case V4L2_CTRL_TYPE_INTEGER64:
      return "integer64";
    case V4L2_CTRL_TYPE_BITMASK:
      return "bitmask";
    case V4L2_CTRL_TYPE_STRING:
      return "string";
    default:
      return "other";
  }
}

bool readable(const v4l2_query_ext_ctrl& q) {
  return q.type != V4L2_CTRL_TYPE_BUTTON && q.type != V4L2_CTRL_TYPE_STRING && q.type != V4L2_CTRL_TYPE_CTRL_CLASS &&
         !(q.flags & (V4L2_CTRL_FLAG_WRITE_ONLY | V4L2_CTRL_FLAG_HAS_PAYLOAD)) && q.elems <= 1;
}

// The request of G/S_EXT_CTRLS for one control's current value.
v4l2_ext_controls currentValueOf(v4l2_ext_control* ctrl) {
  v4l2_ext_controls ctrls{};
  ctrls.which = V4L2_CTRL_WHICH_CUR_VAL;
  ctrls.count = 1;
  ctrls.controls = ctrl;
  return ctrls;
}

bool readValue(const V4l2Device& device, uint32_t id, int64_t* value) {
  v4l2_ext_control ctrl{};
  ctrl.id = id;
  v4l2_ext_controls ctrls = currentValueOf(&ctrl);
  if (device.tryIoctl(VIDIOC_G_EXT_CTRLS, &ctrls) != 0) return false;
  *value = ctrl.value64;
  return true;
}

std::vector<v4l2_query_ext_ctrl> queryAll(const V4l2Device& device) {
  std::vector<v4l2_query_ext_ctrl> out;
  v4l2_query_ext_ctrl q{};
  q.id = V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
  while (device.tryIoctl(VIDIOC_QUERY_EXT_CTRL, &q) == 0) {
    if (q.type != V4L2_CTRL_TYPE_CTRL_CLASS) out.push_back(q);
    q.id |= V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
  }
  return out;
}

v4l2_query_ext_ctrl findControl(const V4l2Device& device, const std::string& name) {
  std::vector<v4l2_query_ext_ctrl> all = queryAll(device);
  std::string wanted = normaliseControlName(name.c_str());
  for (const auto& q : all) {
    if (normaliseControlName(q.name) == wanted) return q;
  }
  std::string known;
  for (const auto& q : all) {
    if (!known.empty()) known += ", ";
    known += normaliseControlName(q.name);
  }
  throw Error("ERR_INVALID_ARG",
              device.path() + " has no control '" + name + "'; it has: " + (known.empty() ? "none" : known),
              device.path());
}

}  // namespace

std::string normaliseControlName(const char* name) {
  std::string out;
  for (const char* p = name; *p; p++) {
    unsigned char c = static_cast<unsigned char>(*p);
    if (std::isalnum(c)) {
      out += static_cast<char>(std::tolower(c));
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

std::vector<ControlDescription> listControls(const V4l2Device& device) {
  std::vector<ControlDescription> out;
  for (const auto& q : queryAll(device)) {
    ControlDescription c;
    c.name = normaliseControlName(q.name);
    c.id = q.id;
    c.type = typeName(q.type);
    c.min = q.minimum;
    c.max = q.maximum;
    c.step = q.step;
    c.defaultValue = q.default_value;
    c.readOnly = (q.flags & V4L2_CTRL_FLAG_READ_ONLY) != 0;
    c.inactive = (q.flags & V4L2_CTRL_FLAG_INACTIVE) != 0;
    c.disabled = (q.flags & V4L2_CTRL_FLAG_DISABLED) != 0;
    if (readable(q)) c.hasValue = readValue(device, q.id, &c.value);
    if (q.type == V4L2_CTRL_TYPE_MENU || q.type == V4L2_CTRL_TYPE_INTEGER_MENU) {
      for (int64_t i = q.minimum; i <= q.maximum; i++) {
        v4l2_querymenu m{};
        m.id = q.id;
        m.index = static_cast<uint32_t>(i);
        if (device.tryIoctl(VIDIOC_QUERYMENU, &m) != 0) continue;
        c.menu[i] = q.type == V4L2_CTRL_TYPE_MENU ? std::string(reinterpret_cast<const char*>(m.name))
                                                  : std::to_string(static_cast<long long>(m.value));
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

int64_t getControl(const V4l2Device& device, const std::string& name) {
  v4l2_query_ext_ctrl q = findControl(device, name);
  int64_t value = 0;
  if (!readable(q))
    throw Error("ERR_INVALID_ARG", device.path() + ": control '" + name + "' has no readable value", device.path());
  if (!readValue(device, q.id, &value)) throw errnoError(errno, "VIDIOC_G_EXT_CTRLS " + name, device.path());
  return value;
}

void setControl(const V4l2Device& device, const std::string& name, int64_t value) {
  v4l2_query_ext_ctrl q = findControl(device, name);
  if (q.flags & V4L2_CTRL_FLAG_READ_ONLY) {
    throw Error("ERR_INVALID_ARG", device.path() + ": control '" + name + "' is read-only", device.path());
  }
  if (q.type != V4L2_CTRL_TYPE_BUTTON && (value < q.minimum || value > q.maximum)) {
    throw Error("ERR_INVALID_ARG",
                device.path() + ": " + name + " must be in " + std::to_string(q.minimum) + ".." +
                    std::to_string(q.maximum) + ", got " + std::to_string(value),
                device.path());
  }
  v4l2_ext_control ctrl{};
  ctrl.id = q.id;
  if (q.type == V4L2_CTRL_TYPE_INTEGER64)
    ctrl.value64 = value;
  else
    ctrl.value = static_cast<int32_t>(value);
  v4l2_ext_controls ctrls = currentValueOf(&ctrl);
  if (device.tryIoctl(VIDIOC_S_EXT_CTRLS, &ctrls) != 0) {
    if (errno == ERANGE || errno == EINVAL) {
      throw Error("ERR_INVALID_ARG", device.path() + ": the driver refused " + name + "=" + std::to_string(value),
                  device.path());
    }
    throw errnoError(errno, "VIDIOC_S_EXT_CTRLS " + name, device.path());
  }
}

}  // namespace turbocam
