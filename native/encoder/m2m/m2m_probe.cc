#include "encoder/m2m/m2m_probe.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "error.h"

namespace turbocam {

int m2mIoctl(int fd, unsigned long request, void* arg) {
  int r;
  do r = ioctl(fd, request, arg);
  while (r < 0 && errno == EINTR);
  return r;
}

namespace {

std::string cstr(const uint8_t* s, size_t n) {
  return std::string(reinterpret_cast<const char*>(s), strnlen(reinterpret_cast<const char*>(s), n));
}

std::vector<uint32_t> enumFormats(int fd, uint32_t type) {
  std::vector<uint32_t> out;
  for (uint32_t i = 0;; i++) {
    v4l2_fmtdesc desc{};
    desc.index = i;
    desc.type = type;
    if (m2mIoctl(fd, VIDIOC_ENUM_FMT, &desc) != 0) break;
    out.push_back(desc.pixelformat);
  }
  return out;
}

}  // namespace

int openM2mNode(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw errnoError(errno, "cannot open encoder", path);
  return fd;
}

// Fills probe's identity and planar API; false when the node is no M2M device.
bool queryM2m(int fd, M2mProbe* probe) {
  v4l2_capability cap{};
  if (m2mIoctl(fd, VIDIOC_QUERYCAP, &cap) != 0) return false;
  uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
  if (!(caps & (V4L2_CAP_VIDEO_M2M | V4L2_CAP_VIDEO_M2M_MPLANE)) || !(caps & V4L2_CAP_STREAMING)) return false;
  probe->driver = cstr(cap.driver, sizeof cap.driver);
  probe->card = cstr(cap.card, sizeof cap.card);
  probe->multiplanar = !(caps & V4L2_CAP_VIDEO_M2M);
  return true;
}

M2mProbe probeM2m(const std::string& path) {
  int fd = openM2mNode(path);
  M2mProbe probe;
  probe.path = path;
  bool ok = queryM2m(fd, &probe);
  if (ok) {
    probe.rawFormats =
        enumFormats(fd, probe.multiplanar ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE : V4L2_BUF_TYPE_VIDEO_OUTPUT);
    probe.codedFormats =
        enumFormats(fd, probe.multiplanar ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE : V4L2_BUF_TYPE_VIDEO_CAPTURE);
  }
  ::close(fd);
  if (!ok) throw Error("ERR_NOT_M2M_DEVICE", path + " is not a V4L2 memory-to-memory device", path);
  return probe;
}

std::optional<M2mProbe> findM2mNode(uint32_t codedFourcc, uint32_t rawFourcc) {
  std::vector<std::string> nodes;
  if (DIR* dir = opendir("/dev")) {
    while (dirent* entry = readdir(dir)) {
      if (std::strncmp(entry->d_name, "video", 5) == 0) nodes.push_back(std::string("/dev/") + entry->d_name);
    }
    closedir(dir);
  }
  // By number, so the same node wins on every start (/dev/video31 before /dev/video4 read as text).
  std::sort(nodes.begin(), nodes.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  for (const std::string& node : nodes) {
    try {
      M2mProbe probe = probeM2m(node);
      auto has = [](const std::vector<uint32_t>& list, uint32_t f) {
        return std::find(list.begin(), list.end(), f) != list.end();
      };
      if (has(probe.codedFormats, codedFourcc) && has(probe.rawFormats, rawFourcc)) return probe;
    } catch (const Error&) {
      // Busy, gone or not M2M: not a candidate.
    }
  }
  return std::nullopt;
}

}  // namespace turbocam
