// An open V4L2 capture device: opened non-blocking, checked with QUERYCAP to capture and stream
// (single- or multi-planar API), closed on destruction. Every ioctl goes through here so EINTR
// is retried in one place and failures become coded errors naming the device.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace turbocam {

struct DeviceIdentity {
  std::string driver;
  std::string card;
  std::string bus;
};

class V4l2Device {
 public:
  // Throws ENOENT, EACCES, EBUSY, ERR_NOT_CAPTURE_DEVICE (not a character device, no V4L2, no
  // capture or no streaming), with the path.
  static std::unique_ptr<V4l2Device> open(const std::string& path);
  ~V4l2Device();
  V4l2Device(const V4l2Device&) = delete;
  V4l2Device& operator=(const V4l2Device&) = delete;

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  bool multiplanar() const { return multiplanar_; }
  uint32_t bufferType() const;  // V4L2_BUF_TYPE_VIDEO_CAPTURE or _MPLANE
  const DeviceIdentity& identity() const { return identity_; }

  // ioctl with EINTR retried: returns -1 and leaves errno set on failure.
  int tryIoctl(unsigned long request, void* arg) const;
  // ioctl that throws errnoError(errno, what, path) on failure.
  void ioctl(unsigned long request, void* arg, const char* what) const;

 private:
  V4l2Device(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
  bool multiplanar_ = false;
  DeviceIdentity identity_;
};

}  // namespace turbocam
