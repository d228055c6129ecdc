#include "sources/v4l2/v4l2_device.h"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "error.h"

namespace turbocam {

std::unique_ptr<V4l2Device> V4l2Device::open(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw errnoError(errno, "cannot open", path);
  if (!S_ISCHR(st.st_mode)) {
    throw Error(
        "ERR_NOT_CAPTURE_DEVICE",
        path + " is " +
            (S_ISDIR(st.st_mode)    ? "a directory"
             : S_ISFIFO(st.st_mode) ? "a FIFO"
                                    : "a regular file") +
            ", not a V4L2 device (to read frames from it, give `format`: mjpeg, or a raw format with width and height)",
        path);
  }
  int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw errnoError(errno, "cannot open", path);
  std::unique_ptr<V4l2Device> device(new V4l2Device(fd, path));

  v4l2_capability cap{};
  if (device->tryIoctl(VIDIOC_QUERYCAP, &cap) != 0) {
    if (errno == ENODEV) throw errnoError(errno, "cannot query", path);
    throw Error("ERR_NOT_CAPTURE_DEVICE", path + " is not a V4L2 device (VIDIOC_QUERYCAP failed)", path);
  }
  uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
  if (!(caps & (V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_VIDEO_CAPTURE_MPLANE))) {
    throw Error("ERR_NOT_CAPTURE_DEVICE",
                path + " (" + reinterpret_cast<const char*>(cap.card) + ") cannot capture video", path);
  }
  if (!(caps & V4L2_CAP_STREAMING)) {
    throw Error("ERR_NOT_CAPTURE_DEVICE",
                path + " (" + reinterpret_cast<const char*>(cap.card) + ") has no streaming I/O", path);
  }
  device->multiplanar_ = !(caps & V4L2_CAP_VIDEO_CAPTURE);
  device->identity_.driver = reinterpret_cast<const char*>(cap.driver);
  device->identity_.card = reinterpret_cast<const char*>(cap.card);
  device->identity_.bus = reinterpret_cast<const char*>(cap.bus_info);
  return device;
}

V4l2Device::~V4l2Device() {
  if (fd_ >= 0) ::close(fd_);
}

uint32_t V4l2Device::bufferType() const {
  return multiplanar_ ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE : V4L2_BUF_TYPE_VIDEO_CAPTURE;
}

int V4l2Device::tryIoctl(unsigned long request, void* arg) const {
  int result;
  do {
    result = ::ioctl(fd_, request, arg);
  } while (result != 0 && errno == EINTR);
  return result;
}

void V4l2Device::ioctl(unsigned long request, void* arg, const char* what) const {
  if (tryIoctl(request, arg) != 0) throw errnoError(errno, what, path_);
}

}  // namespace turbocam
