#include "sources/v4l2/mmap_buffers.h"

#include <linux/videodev2.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include "error.h"

namespace turbocam {

namespace {

// A v4l2_buffer for an MMAP queue of either API. Multi-planar drivers want the plane array and its
// length: all VIDEO_MAX_PLANES to query or dequeue, the one plane turbocam uses to queue.
struct BufferRequest {
  v4l2_buffer buf{};
  v4l2_plane planes[VIDEO_MAX_PLANES]{};

  BufferRequest(const V4l2Device& device, uint32_t planeCount) {
    buf.type = device.bufferType();
    buf.memory = V4L2_MEMORY_MMAP;
    if (device.multiplanar()) {
      buf.m.planes = planes;
      buf.length = planeCount;
    }
  }
  BufferRequest(const BufferRequest&) = delete;  // buf.m.planes points into this object
  BufferRequest& operator=(const BufferRequest&) = delete;
};

v4l2_requestbuffers mmapRequest(const V4l2Device& device, uint32_t count) {
  v4l2_requestbuffers req{};
  req.count = count;
  req.type = device.bufferType();
  req.memory = V4L2_MEMORY_MMAP;
  return req;
}

}  // namespace

void MmapBuffers::allocate(int count, bool exportDmabuf) {
  v4l2_requestbuffers req = mmapRequest(device_, static_cast<uint32_t>(count));
  if (device_.tryIoctl(VIDIOC_REQBUFS, &req) != 0) {
    if (errno == EBUSY) {
      throw Error("EBUSY", device_.path() + " is busy: another process is streaming from it", device_.path(), EBUSY);
    }
    throw errnoError(errno, "VIDIOC_REQBUFS", device_.path());
  }
  requested_ = true;
  if (req.count < 1) throw Error("ENOMEM", device_.path() + ": the driver granted no buffers", device_.path());
  for (uint32_t i = 0; i < req.count; i++) {
    BufferRequest query(device_, VIDEO_MAX_PLANES);
    query.buf.index = i;
    device_.ioctl(VIDIOC_QUERYBUF, &query.buf, "VIDIOC_QUERYBUF");
    size_t length = device_.multiplanar() ? query.planes[0].length : query.buf.length;
    off_t offset = device_.multiplanar() ? query.planes[0].m.mem_offset : query.buf.m.offset;
    void* start = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, device_.fd(), offset);
    if (start == MAP_FAILED) throw errnoError(errno, "mmap", device_.path());
    maps_.push_back({start, length});
    if (exportDmabuf) {
      v4l2_exportbuffer exp{};
      exp.type = device_.bufferType();
      exp.index = i;
      exp.flags = O_RDWR | O_CLOEXEC;
      dmabufs_.push_back(device_.tryIoctl(VIDIOC_EXPBUF, &exp) == 0 ? exp.fd : -1);
    }
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
  for (int fd : dmabufs_)
    if (fd >= 0) ::close(fd);
  dmabufs_.clear();
  if (requested_) {
    requested_ = false;
    v4l2_requestbuffers req = mmapRequest(device_, 0);
    device_.tryIoctl(VIDIOC_REQBUFS, &req);
  }
}

int MmapBuffers::queue(int index) {
  BufferRequest request(device_, 1);
  request.buf.index = static_cast<uint32_t>(index);
  return device_.tryIoctl(VIDIOC_QBUF, &request.buf);
}

bool MmapBuffers::dequeue(DequeuedBuffer* out) {
  BufferRequest request(device_, VIDEO_MAX_PLANES);
  const v4l2_buffer& buf = request.buf;
  const v4l2_plane* planes = request.planes;
  if (device_.tryIoctl(VIDIOC_DQBUF, &request.buf) != 0) {
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
  out->timestampMs =
      static_cast<double>(buf.timestamp.tv_sec) * 1000.0 + static_cast<double>(buf.timestamp.tv_usec) / 1000.0;
  return true;
}

}  // namespace turbocam
