#include "sources/v4l2/mmap_buffers.h"

#include <linux/videodev2.h>
#include <sys/mman.h>

#include <cerrno>

#include "error.h"

namespace turbocam {

void MmapBuffers::allocate(int count) {
  v4l2_requestbuffers req{};
  req.count = static_cast<uint32_t>(count);
  req.type = device_.bufferType();
  req.memory = V4L2_MEMORY_MMAP;
  if (device_.tryIoctl(VIDIOC_REQBUFS, &req) != 0) {
    if (errno == EBUSY) {
      throw Error("EBUSY", device_.path() + " is busy: another process is streaming from it", device_.path(), EBUSY);
    }
    throw errnoError(errno, "VIDIOC_REQBUFS", device_.path());
  }
  requested_ = true;
  if (req.count < 1) throw Error("ENOMEM", device_.path() + ": the driver granted no buffers", device_.path());
  for (uint32_t i = 0; i < req.count; i++) {
    v4l2_buffer buf{};
    v4l2_plane planes[VIDEO_MAX_PLANES]{};
    buf.type = device_.bufferType();
    buf.memory = V4L2_MEMORY_MMAP;
    buf.index = i;
    if (device_.multiplanar()) {
      buf.m.planes = planes;
      buf.length = VIDEO_MAX_PLANES;
    }
    device_.ioctl(VIDIOC_QUERYBUF, &buf, "VIDIOC_QUERYBUF");
    size_t length = device_.multiplanar() ? planes[0].length : buf.length;
    off_t offset = device_.multiplanar() ? planes[0].m.mem_offset : buf.m.offset;
    void* start = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, device_.fd(), offset);
    if (start == MAP_FAILED) throw errnoError(errno, "mmap", device_.path());
    maps_.push_back({start, length});
  }
}

void MmapBuffers::streamOn() {
  for (int i = 0; i < count(); i++) {
    if (queue(i) != 0) throw errnoError(errno, "VIDIOC_QBUF", device_.path());
  }
  int type = static_cast<int>(device_.bufferType());
  device_.ioctl(VIDIOC_STREAMON, &type, "VIDIOC_STREAMON");
  streaming_ = true;
}

void MmapBuffers::streamOff() {
  if (!streaming_) return;
  streaming_ = false;
  int type = static_cast<int>(device_.bufferType());
  device_.tryIoctl(VIDIOC_STREAMOFF, &type);  // an unplugged device fails this; nothing to undo
}

void MmapBuffers::release() {
  streamOff();
  for (const auto& m : maps_) munmap(m.start, m.length);
  maps_.clear();
  if (requested_) {
    requested_ = false;
    v4l2_requestbuffers req{};
    req.count = 0;
    req.type = device_.bufferType();
    req.memory = V4L2_MEMORY_MMAP;
    device_.tryIoctl(VIDIOC_REQBUFS, &req);
  }
}

int MmapBuffers::queue(int index) {
  v4l2_buffer buf{};
  v4l2_plane planes[VIDEO_MAX_PLANES]{};
  buf.type = device_.bufferType();
  buf.memory = V4L2_MEMORY_MMAP;
  buf.index = static_cast<uint32_t>(index);
  if (device_.multiplanar()) {
    buf.m.planes = planes;
    buf.length = 1;
  }
  return device_.tryIoctl(VIDIOC_QBUF, &buf);
}

bool MmapBuffers::dequeue(DequeuedBuffer* out) {
  v4l2_buffer buf{};
  v4l2_plane planes[VIDEO_MAX_PLANES]{};
  buf.type = device_.bufferType();
  buf.memory = V4L2_MEMORY_MMAP;
  if (device_.multiplanar()) {
    buf.m.planes = planes;
    buf.length = VIDEO_MAX_PLANES;
  }
  if (device_.tryIoctl(VIDIOC_DQBUF, &buf) != 0) {
    if (errno == EAGAIN) return false;
    throw errnoError(errno, "VIDIOC_DQBUF", device_.path());
  }
  out->index = static_cast<int>(buf.index);
  if (device_.multiplanar()) {
    size_t used = planes[0].bytesused;
    size_t offset = planes[0].data_offset;
    out->bytesused = used > offset ? used - offset : 0;
    out->offset = offset;
  } else {
    out->bytesused = buf.bytesused;
  }
  size_t mapped = length(out->index);
  if (out->offset > mapped) out->offset = mapped;
  if (out->bytesused > mapped - out->offset) out->bytesused = mapped - out->offset;
  out->error = (buf.flags & V4L2_BUF_FLAG_ERROR) != 0;
  out->timestampMs = static_cast<double>(buf.timestamp.tv_sec) * 1000.0 + static_cast<double>(buf.timestamp.tv_usec) / 1000.0;
  return true;
}

}  // namespace turbocam
