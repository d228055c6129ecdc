// What a device offers (formats, frame sizes, frame intervals) and the negotiation of one of
// them with S_FMT and S_PARM, reporting what the driver actually chose.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sources/v4l2/v4l2_device.h"
#include "sources/capture_source.h"

namespace turbocam {

struct FrameSizeInfo {
  int width = 0;
  int height = 0;
  bool stepwise = false;  // width/height are the maximum of a continuous or stepwise range
  int minWidth = 0;
  int minHeight = 0;
  std::vector<double> fps;  // discrete rates offered at this size, highest first
};

struct DeviceFormatInfo {
  uint32_t fourcc = 0;
  std::string description;
  std::vector<FrameSizeInfo> sizes;
};

std::vector<DeviceFormatInfo> enumerateFormats(const V4l2Device& device);

// "YUYV, MJPG, NV12": for messages that list what the device offers.
std::string describeOffer(const std::vector<DeviceFormatInfo>& formats);

struct FormatRequest {
  std::string format = "auto";  // "auto" or a pixel-format name
  int width = 0;                // 0: keep the device's current size
  int height = 0;
  double fps = 0;        // 0: keep the device's current rate
  bool rawOnly = false;  // auto skips the camera's MJPEG: the caller wants raw frames
};

// Chooses the format (auto: the device's MJPEG when it offers the requested size, else its first
// raw format turbocam encodes), sets it and the frame rate, and returns what the driver chose.
// Throws ERR_UNSUPPORTED_FORMAT (listing the offer), EBUSY (another process streams).
CaptureFormat negotiateFormat(const V4l2Device& device, const FormatRequest& request);

}  // namespace turbocam
