#include "sources/v4l2/dv_timings.h"

#include <linux/videodev2.h>

#include <cerrno>

#include "error.h"

namespace turbocam {

bool hasDvTimings(const V4l2Device& device) {
  int index = 0;
  if (device.tryIoctl(VIDIOC_G_INPUT, &index) != 0) return false;
  v4l2_input input{};
  input.index = static_cast<uint32_t>(index);
  if (device.tryIoctl(VIDIOC_ENUMINPUT, &input) != 0) return false;
  return (input.capabilities & V4L2_IN_CAP_DV_TIMINGS) != 0;
}

DvTimings applyDetectedDvTimings(const V4l2Device& device) {
  v4l2_dv_timings timings{};
  if (device.tryIoctl(VIDIOC_QUERY_DV_TIMINGS, &timings) != 0) {
    if (errno == ENOLINK || errno == ENOLCK || errno == ERANGE) {
      throw Error("ERR_NO_SIGNAL", device.path() + ": no stable input signal (VIDIOC_QUERY_DV_TIMINGS)", device.path(),
                  errno);
    }
    throw errnoError(errno, "VIDIOC_QUERY_DV_TIMINGS", device.path());
  }
  device.ioctl(VIDIOC_S_DV_TIMINGS, &timings, "VIDIOC_S_DV_TIMINGS");
  DvTimings out;
  const v4l2_bt_timings& bt = timings.bt;
  out.width = static_cast<int>(bt.width);
  out.height = static_cast<int>(bt.height);
  uint64_t total = static_cast<uint64_t>(V4L2_DV_BT_FRAME_WIDTH(&bt)) * V4L2_DV_BT_FRAME_HEIGHT(&bt);
  if (total > 0) out.fps = static_cast<double>(bt.pixelclock) / static_cast<double>(total);
  return out;
}

}  // namespace turbocam
