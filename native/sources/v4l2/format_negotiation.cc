#include "sources/v4l2/format_negotiation.h"

#include <linux/videodev2.h>

#include <algorithm>
#include <cerrno>
#include <cmath>

#include "error.h"

namespace turbocam {

namespace {

std::vector<double> enumerateRates(const V4l2Device& device, uint32_t fourcc, int width, int height) {
  std::vector<double> rates;
  v4l2_frmivalenum ival{};
  ival.pixel_format = fourcc;
  ival.width = static_cast<uint32_t>(width);
  ival.height = static_cast<uint32_t>(height);
  for (ival.index = 0; device.tryIoctl(VIDIOC_ENUM_FRAMEINTERVALS, &ival) == 0; ival.index++) {
    if (ival.type == V4L2_FRMIVAL_TYPE_DISCRETE) {
      if (ival.discrete.numerator > 0) rates.push_back(double(ival.discrete.denominator) / ival.discrete.numerator);
    } else {
      // Continuous or stepwise: the fastest and the slowest rate bound the range.
      if (ival.stepwise.min.numerator > 0)
        rates.push_back(double(ival.stepwise.min.denominator) / ival.stepwise.min.numerator);
      if (ival.stepwise.max.numerator > 0)
        rates.push_back(double(ival.stepwise.max.denominator) / ival.stepwise.max.numerator);
      break;
    }
  }
  std::sort(rates.rbegin(), rates.rend());
  rates.erase(std::unique(rates.begin(), rates.end()), rates.end());
  return rates;
}

bool offersSize(const DeviceFormatInfo& format, int width, int height) {
  for (const auto& size : format.sizes) {
    if (!size.stepwise && size.width == width && size.height == height) return true;
    if (size.stepwise && width >= size.minWidth && width <= size.width && height >= size.minHeight &&
        height <= size.height)
      return true;
  }
  return false;
}

const DeviceFormatInfo* chooseFormat(const std::vector<DeviceFormatInfo>& offer, const FormatRequest& request,
                                     const std::string& path) {
  if (request.format != "auto") {
    const PixelFormatInfo* wanted = findFormatByName(request.format);
    if (!wanted) throw Error("ERR_UNSUPPORTED_FORMAT", "unknown pixel format '" + request.format + "'", path);
    for (const auto& f : offer) {
      const PixelFormatInfo* info = findFormatByFourcc(f.fourcc);
      if (info && info->format == wanted->format) return &f;
    }
    throw Error("ERR_UNSUPPORTED_FORMAT",
                path + " does not offer " + request.format + "; it offers: " + describeOffer(offer), path);
  }
  bool sized = request.width > 0 && request.height > 0;
  for (const auto& f : offer) {
    const PixelFormatInfo* info = findFormatByFourcc(f.fourcc);
    if (!request.rawOnly && info && info->format == PixelFormat::MJPEG &&
        (!sized || offersSize(f, request.width, request.height)))
      return &f;
  }
  const DeviceFormatInfo* firstRaw = nullptr;
  for (const auto& f : offer) {
    const PixelFormatInfo* info = findFormatByFourcc(f.fourcc);
    if (!info || info->format == PixelFormat::MJPEG) continue;
    if (!sized || offersSize(f, request.width, request.height)) return &f;
    if (!firstRaw) firstRaw = &f;
  }
  if (firstRaw) return firstRaw;  // the driver picks the nearest size
  for (const auto& f : offer) {
    if (findFormatByFourcc(f.fourcc)) return &f;
  }
  throw Error("ERR_UNSUPPORTED_FORMAT",
              path + " offers no format turbocam can capture; it offers: " + describeOffer(offer), path);
}

[[noreturn]] void rethrowBusy(const V4l2Device& device, int errnum, const char* what) {
  if (errnum == EBUSY) {
    throw Error("EBUSY", device.path() + " is busy: another process is streaming from it", device.path(), EBUSY);
  }
  throw errnoError(errnum, what, device.path());
}

}  // namespace

std::vector<DeviceFormatInfo> enumerateFormats(const V4l2Device& device) {
  std::vector<DeviceFormatInfo> formats;
  v4l2_fmtdesc desc{};
  desc.type = device.bufferType();
  for (desc.index = 0; device.tryIoctl(VIDIOC_ENUM_FMT, &desc) == 0; desc.index++) {
    DeviceFormatInfo format;
    format.fourcc = desc.pixelformat;
    format.description = reinterpret_cast<const char*>(desc.description);
    v4l2_frmsizeenum size{};
    size.pixel_format = desc.pixelformat;
    for (size.index = 0; device.tryIoctl(VIDIOC_ENUM_FRAMESIZES, &size) == 0; size.index++) {
      FrameSizeInfo info;
      if (size.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
        info.width = static_cast<int>(size.discrete.width);
        info.height = static_cast<int>(size.discrete.height);
        info.fps = enumerateRates(device, desc.pixelformat, info.width, info.height);
        format.sizes.push_back(std::move(info));
      } else {
        info.stepwise = true;
        info.width = static_cast<int>(size.stepwise.max_width);
        info.height = static_cast<int>(size.stepwise.max_height);
        info.minWidth = static_cast<int>(size.stepwise.min_width);
        info.minHeight = static_cast<int>(size.stepwise.min_height);
        info.fps = enumerateRates(device, desc.pixelformat, info.width, info.height);
        format.sizes.push_back(std::move(info));
        break;
      }
    }
    formats.push_back(std::move(format));
  }
  return formats;
}

std::string describeOffer(const std::vector<DeviceFormatInfo>& formats) {
  std::string out;
  for (const auto& f : formats) {
    if (!out.empty()) out += ", ";
    const PixelFormatInfo* info = findFormatByFourcc(f.fourcc);
    out += info ? info->name : fourccToString(f.fourcc);
  }
  return out.empty() ? "nothing" : out;
}

CaptureFormat negotiateFormat(const V4l2Device& device, const FormatRequest& request) {
  std::vector<DeviceFormatInfo> offer = enumerateFormats(device);
  const DeviceFormatInfo* chosen = chooseFormat(offer, request, device.path());
  const PixelFormatInfo* info = findFormatByFourcc(chosen->fourcc);

  v4l2_format fmt{};
  fmt.type = device.bufferType();
  device.ioctl(VIDIOC_G_FMT, &fmt, "VIDIOC_G_FMT");
  // v4l2_pix_format and v4l2_pix_format_mplane name these fields alike.
  auto ask = [&](auto& pix) {
    if (request.width > 0 && request.height > 0) {
      pix.width = static_cast<uint32_t>(request.width);
      pix.height = static_cast<uint32_t>(request.height);
    }
    pix.pixelformat = chosen->fourcc;
    pix.field = V4L2_FIELD_ANY;
  };
  if (device.multiplanar()) {
    ask(fmt.fmt.pix_mp);
    fmt.fmt.pix_mp.num_planes = 1;
    // G_FMT returns the last session's stride, which a driver keeps if asked: ask for the minimum.
    fmt.fmt.pix_mp.plane_fmt[0].bytesperline = 0;
    fmt.fmt.pix_mp.plane_fmt[0].sizeimage = 0;
  } else {
    ask(fmt.fmt.pix);
    fmt.fmt.pix.bytesperline = 0;
  }
  if (device.tryIoctl(VIDIOC_S_FMT, &fmt) != 0) rethrowBusy(device, errno, "VIDIOC_S_FMT");

  CaptureFormat out;
  out.kind = "v4l2";
  out.name = device.path();
  uint32_t actualFourcc = 0;
  auto chosenBy = [&](const auto& pix) {
    actualFourcc = pix.pixelformat;
    out.width = static_cast<int>(pix.width);
    out.height = static_cast<int>(pix.height);
  };
  if (device.multiplanar()) {
    const auto& mp = fmt.fmt.pix_mp;
    if (mp.num_planes != 1) {
      throw Error("ERR_UNSUPPORTED_FORMAT",
                  device.path() + ": " + fourccToString(mp.pixelformat) +
                      " uses separate memory planes, which turbocam does not capture",
                  device.path());
    }
    chosenBy(mp);
    out.stride = mp.plane_fmt[0].bytesperline;
  } else {
    chosenBy(fmt.fmt.pix);
    out.stride = fmt.fmt.pix.bytesperline;
  }
  const PixelFormatInfo* actual = findFormatByFourcc(actualFourcc);
  if (!actual || actual->format != info->format) {
    throw Error("ERR_UNSUPPORTED_FORMAT",
                device.path() + " refused " + info->name + " and chose " + fourccToString(actualFourcc) +
                    "; it offers: " + describeOffer(offer),
                device.path());
  }
  out.format = actual->format;
  if (out.format == PixelFormat::MJPEG)
    out.stride = 0;
  else if (out.stride == 0)
    out.stride = defaultStride(out.format, out.width);

  v4l2_streamparm parm{};
  parm.type = device.bufferType();
  if (device.tryIoctl(VIDIOC_G_PARM, &parm) == 0) {
    if (request.fps > 0 && (parm.parm.capture.capability & V4L2_CAP_TIMEPERFRAME)) {
      parm.parm.capture.timeperframe.numerator = 1000;
      parm.parm.capture.timeperframe.denominator = static_cast<uint32_t>(std::lround(request.fps * 1000));
      if (device.tryIoctl(VIDIOC_S_PARM, &parm) != 0) rethrowBusy(device, errno, "VIDIOC_S_PARM");
    }
    const auto& tpf = parm.parm.capture.timeperframe;
    if (tpf.numerator > 0 && tpf.denominator > 0) out.fps = double(tpf.denominator) / tpf.numerator;
  }
  return out;
}

}  // namespace turbocam
