#include "encoder/oriented_planes.h"

#include <turbojpeg.h>

#include <cstring>

#include "formats/orient.h"
#include "formats/repack.h"

namespace turbocam {

OrientedPlanes orientPlanes(const RawFrame& frame, Subsampling s, int interleavedSamp, Orientation o,
                            std::vector<uint8_t>& planes, std::vector<uint8_t>& unrotated) {
  const bool swap = swapsAxes(o);
  const int w = frame.width;
  const int h = frame.height;
  const size_t stride = frame.stride != 0 ? frame.stride : defaultStride(frame.format, w);
  OrientedPlanes p;
  p.width = swap ? h : w;
  p.height = swap ? w : h;
  const size_t ow = static_cast<size_t>(p.width);
  const size_t oh = static_cast<size_t>(p.height);

  if (frame.format == PixelFormat::RGB24 || frame.format == PixelFormat::BGR24 || frame.format == PixelFormat::GREY) {
    const int bytes = frame.format == PixelFormat::GREY ? 1 : 3;
    planes.resize(ow * oh * bytes);
    orientPlane(frame.data, bytes, stride, w, h, bytes, o, planes.data(), ow * bytes);
    p.planes[0] = planes.data();
    p.strides[0] = static_cast<int>(ow * bytes);
    p.planeWidth[0] = p.width;
    p.planeHeight[0] = p.height;
    p.samp = interleavedSamp;
    p.pixelFormat = frame.format == PixelFormat::RGB24   ? TJPF_RGB
                    : frame.format == PixelFormat::BGR24 ? TJPF_BGR
                                                         : TJPF_GRAY;
    return p;
  }

  // Where each source plane's samples are: the camera's own layout, read in place where it can be.
  struct Source {
    const uint8_t* data;
    size_t step, stride;
    int width, height;
  };
  Source y{frame.data, 1, stride, w, h};
  Source u{nullptr, 1, 0, w / 2, (h + 1) / 2};
  Source v = u;
  const bool packed = frame.format == PixelFormat::YUYV || frame.format == PixelFormat::UYVY;
  if (packed && s == Subsampling::S420) {
    // Chroma of line pairs averaged first (as unrotated), then oriented: two passes over chroma.
    const size_t cw = static_cast<size_t>(w) / 2;
    const size_t ch = static_cast<size_t>(h + 1) / 2;
    unrotated.resize(static_cast<size_t>(w) * h + 2 * cw * ch);
    uint8_t* base = unrotated.data();
    PlanarYuv tmp{base, base + static_cast<size_t>(w) * h, base + static_cast<size_t>(w) * h + cw * ch,
                  static_cast<size_t>(w), cw};
    packed422ToPlanar420(frame.format == PixelFormat::YUYV ? Packed422::YUYV : Packed422::UYVY, frame.data, stride, w,
                         h, tmp);
    y = {tmp.y, 1, static_cast<size_t>(w), w, h};
    u = {tmp.u, 1, cw, w / 2, (h + 1) / 2};
    v = {tmp.v, 1, cw, w / 2, (h + 1) / 2};
  } else if (packed) {
    const bool yuyv = frame.format == PixelFormat::YUYV;
    y = {frame.data + (yuyv ? 0 : 1), 2, stride, w, h};
    u = {frame.data + (yuyv ? 1 : 0), 4, stride, w / 2, h};
    v = {frame.data + (yuyv ? 3 : 2), 4, stride, w / 2, h};
  } else if (frame.format == PixelFormat::NV12) {
    u.data = frame.data + stride * h;
    v.data = u.data + 1;
    u.step = v.step = 2;
    u.stride = v.stride = stride;
  } else {  // I420
    u.data = frame.data + stride * h;
    u.stride = v.stride = stride / 2;
    v.data = u.data + u.stride * static_cast<size_t>(u.height);
  }

  const bool gray = s == Subsampling::Gray;
  // Packed 4:2:2 keeps every line's chroma: turned on its side, that is 4:4:0.
  p.samp = gray ? TJSAMP_GRAY : (packed && s == Subsampling::S422) ? (swap ? TJSAMP_440 : TJSAMP_422) : TJSAMP_420;
  // TurboJPEG reads 4:2:0 and 4:4:0 luma in pairs of lines: an odd height gets its last line twice.
  const bool padLuma = (p.samp == TJSAMP_420 || p.samp == TJSAMP_440) && oh % 2 != 0;
  const size_t lumaSize = ow * (padLuma ? oh + 1 : oh);
  const size_t cw = static_cast<size_t>(swap ? u.height : u.width);
  const size_t ch = static_cast<size_t>(swap ? u.width : u.height);
  planes.resize(lumaSize + (gray ? 0 : 2 * cw * ch));
  uint8_t* out = planes.data();
  orientPlane(y.data, y.step, y.stride, y.width, y.height, 1, o, out, ow);
  if (padLuma) std::memcpy(out + ow * oh, out + ow * (oh - 1), ow);
  p.planes[0] = out;
  p.strides[0] = static_cast<int>(ow);
  p.planeWidth[0] = p.width;
  p.planeHeight[0] = p.height;
  if (!gray) {
    uint8_t* cu = out + lumaSize;
    uint8_t* cv = cu + cw * ch;
    orientPlane(u.data, u.step, u.stride, u.width, u.height, 1, o, cu, cw);
    orientPlane(v.data, v.step, v.stride, v.width, v.height, 1, o, cv, cw);
    p.planes[1] = cu;
    p.planes[2] = cv;
    p.strides[1] = p.strides[2] = static_cast<int>(cw);
    p.planeWidth[1] = p.planeWidth[2] = static_cast<int>(cw);
    p.planeHeight[1] = p.planeHeight[2] = static_cast<int>(ch);
  }
  return p;
}

}  // namespace turbocam
