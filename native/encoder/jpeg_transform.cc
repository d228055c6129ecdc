#include "encoder/jpeg_transform.h"

#include <turbojpeg.h>

#include <string>

#include "error.h"

namespace turbocam {

namespace {

int tjOperation(Orientation o) {
  switch (o) {
    case Orientation::None:
      return TJXOP_NONE;
    case Orientation::FlipH:
      return TJXOP_HFLIP;
    case Orientation::FlipV:
      return TJXOP_VFLIP;
    case Orientation::Rot180:
      return TJXOP_ROT180;
    case Orientation::Transpose:
      return TJXOP_TRANSPOSE;
    case Orientation::Rot90:
      return TJXOP_ROT90;
    case Orientation::Rot270:
      return TJXOP_ROT270;
    case Orientation::Transverse:
      return TJXOP_TRANSVERSE;
  }
  return TJXOP_NONE;
}

}  // namespace

JpegTransformer::JpegTransformer() : handle_(tjInitTransform()) {
  if (handle_ == nullptr)
    throw Error("ERR_ENCODE", std::string("cannot create a TurboJPEG transformer: ") + tjGetErrorStr2(nullptr));
}

JpegTransformer::~JpegTransformer() {
  tjFree(out_);
  tjDestroy(static_cast<tjhandle>(handle_));
}

JpegTransformer::Output JpegTransformer::transform(const uint8_t* jpeg, size_t size, Orientation orientation) {
  tjhandle handle = static_cast<tjhandle>(handle_);
  tjtransform xform{};
  xform.op = tjOperation(orientation);
  xform.options = TJXOPT_TRIM;
  // TurboJPEG allocates the output itself: with TJFLAG_NOREALLOC it would assume a buffer of
  // tjBufSize bytes whatever capacity is passed, and a reused buffer's remembered size can be stale.
  tjFree(out_);
  out_ = nullptr;
  outSize_ = 0;
  if (tjTransform(handle, jpeg, static_cast<unsigned long>(size), 1, &out_, &outSize_, &xform, 0) != 0) {
    const std::string message = tjGetErrorStr2(handle);
    throw Error("ERR_CORRUPT_FRAME", "cannot transform the JPEG: " + message);
  }
  int width = 0;
  int height = 0;
  int subsampling = 0;
  int colorspace = 0;
  if (tjDecompressHeader3(handle, out_, outSize_, &width, &height, &subsampling, &colorspace) != 0) {
    throw Error("ERR_CORRUPT_FRAME", std::string("cannot read the transformed JPEG: ") + tjGetErrorStr2(handle));
  }
  return Output{out_, static_cast<size_t>(outSize_), width, height};
}

}  // namespace turbocam
