#include "encoder/h264/openh264_encoder.h"

#include <dlfcn.h>
#include <turbojpeg.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "encoder/oriented_planes.h"
#include "error.h"
#include "formats/pixel_format.h"

// Built without the headers (no libopenh264-dev), the encoder is never available.
#if __has_include(<wels/codec_api.h>)
#include <wels/codec_api.h>
#define TURBOCAM_HAVE_OPENH264 1
#endif

namespace turbocam {

#ifdef TURBOCAM_HAVE_OPENH264
struct OpenH264Api {
  int (*create)(ISVCEncoder**) = nullptr;
  void (*destroy)(ISVCEncoder*) = nullptr;
  std::string name;  // "openh264 2.3.1"
};
#else
struct OpenH264Api {
  std::string name;
};
#endif

namespace {

constexpr const char* kLibrary = "libopenh264.so.7";
constexpr const char* kRemedy = "apt-get install libopenh264-7";

std::string libraryPath() {
  const char* given = std::getenv("TURBOCAM_OPENH264_LIBRARY");
  return given != nullptr && *given != '\0' ? given : kLibrary;
}

struct Loaded {
  OpenH264Api api;
  std::string reason;  // empty when loaded
};

// One load per path, kept for the process: an encoder may outlive any caller, so never dlclose.
const Loaded& load() {
  static std::mutex mutex;
  static std::map<std::string, Loaded> loaded;
  const std::string path = libraryPath();
  std::lock_guard<std::mutex> lock(mutex);
  auto found = loaded.find(path);
  if (found != loaded.end()) return found->second;
  Loaded& out = loaded[path];
#ifdef TURBOCAM_HAVE_OPENH264
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    out.reason = path + " not found: " + kRemedy;
    return out;
  }
  auto version = reinterpret_cast<void (*)(OpenH264Version*)>(dlsym(handle, "WelsGetCodecVersionEx"));
  out.api.create = reinterpret_cast<int (*)(ISVCEncoder**)>(dlsym(handle, "WelsCreateSVCEncoder"));
  out.api.destroy = reinterpret_cast<void (*)(ISVCEncoder*)>(dlsym(handle, "WelsDestroySVCEncoder"));
  if (version == nullptr || out.api.create == nullptr || out.api.destroy == nullptr) {
    out.reason = path + " is not OpenH264 (WelsCreateSVCEncoder missing): " + kRemedy;
    return out;
  }
  OpenH264Version v{};
  version(&v);
  // The vtable layout this file was built against is 2.x's.
  if (v.uMajor != 2) {
    out.reason = path + " is OpenH264 " + std::to_string(v.uMajor) + "." + std::to_string(v.uMinor) +
                 "; turbocam needs 2.x: " + kRemedy;
    return out;
  }
  out.api.name =
      "openh264 " + std::to_string(v.uMajor) + "." + std::to_string(v.uMinor) + "." + std::to_string(v.uRevision);
#else
  out.reason =
      "turbocam was built without OpenH264's headers: apt-get install libopenh264-dev, then npm run build:native";
#endif
  return out;
}

}  // namespace

VideoEncoderAvailability openh264Availability() {
  const Loaded& l = load();
  VideoEncoderAvailability a;
  a.available = l.reason.empty();
  a.encoder = a.available ? l.api.name : "";
  a.reason = l.reason;
  return a;
}

#ifdef TURBOCAM_HAVE_OPENH264

OpenH264Encoder::OpenH264Encoder(const VideoEncoderSettings& settings) : settings_(settings) {
  const Loaded& l = load();
  if (!l.reason.empty()) throw Error("ERR_H264_UNAVAILABLE", l.reason);
  if (settings.format == PixelFormat::MJPEG)
    throw Error("ERR_UNSUPPORTED_FORMAT", "H.264 is coded from raw frames, not mjpeg");
  const bool swap = swapsAxes(settings.orientation);
  width_ = swap ? settings.height : settings.width;
  height_ = swap ? settings.width : settings.height;
  if (width_ < 16 || height_ < 16 || width_ % 2 != 0 || height_ % 2 != 0)
    throw Error("ERR_UNSUPPORTED_FORMAT", "H.264 (4:2:0) needs an even width and height of at least 16, got " +
                                              std::to_string(width_) + "x" + std::to_string(height_));
  if (settings_.stride == 0) settings_.stride = defaultStride(settings.format, settings.width);
  frameBytes_ = minFrameSize(settings.format, settings.width, settings.height, settings_.stride);
  api_ = &l.api;
  name_ = l.api.name;

  ISVCEncoder* encoder = nullptr;
  if (api_->create(&encoder) != 0 || encoder == nullptr) throw Error("ERR_H264_ENCODE", "WelsCreateSVCEncoder failed");
  encoder_ = encoder;
  // OpenH264 logs warnings to stderr by default; turbocam reports its own errors.
  int trace = WELS_LOG_QUIET;
  encoder->SetOption(ENCODER_OPTION_TRACE_LEVEL, &trace);

  const float fps = settings.fps > 0 ? static_cast<float>(settings.fps) : 30.0f;
  SEncParamExt p;
  encoder->GetDefaultParams(&p);
  p.iUsageType = CAMERA_VIDEO_REAL_TIME;
  p.iPicWidth = width_;
  p.iPicHeight = height_;
  p.iTargetBitrate = settings.bitrateKbps * 1000;
  p.iMaxBitrate = UNSPECIFIED_BIT_RATE;
  p.iRCMode = RC_BITRATE_MODE;
  p.fMaxFrameRate = fps;
  p.iTemporalLayerNum = 1;
  p.iSpatialLayerNum = 1;
  p.uiIntraPeriod = static_cast<unsigned>(settings.keyframeInterval);
  p.iNumRefFrame = 1;
  // One SPS/PPS id: every IDR repeats the same sets, so a viewer can start at any of them.
  p.eSpsPpsIdStrategy = CONSTANT_ID;
  p.iEntropyCodingModeFlag = 0;  // CAVLC: Baseline has no CABAC
  // Every frame gives a unit (units count frames); a scene cut must not move the IDR cadence.
  p.bEnableFrameSkip = false;
  p.bEnableSceneChangeDetect = false;
  p.bEnableLongTermReference = false;
  p.bEnableDenoise = false;
  p.iMultipleThreadIdc = 1;
  SSpatialLayerConfig& layer = p.sSpatialLayers[0];
  layer.iVideoWidth = width_;
  layer.iVideoHeight = height_;
  layer.fFrameRate = fps;
  layer.iSpatialBitrate = p.iTargetBitrate;
  layer.iMaxSpatialBitrate = UNSPECIFIED_BIT_RATE;
  layer.uiProfileIdc = PRO_BASELINE;
  layer.sSliceArgument.uiSliceMode = SM_SINGLE_SLICE;
  if (encoder->InitializeExt(&p) != cmResultSuccess) {
    api_->destroy(encoder);
    encoder_ = nullptr;
    throw Error("ERR_H264_ENCODE", "OpenH264 refused " + std::to_string(width_) + "x" + std::to_string(height_) +
                                       " at " + std::to_string(settings.bitrateKbps) + " kbit/s");
  }
  int format = videoFormatI420;
  encoder->SetOption(ENCODER_OPTION_DATAFORMAT, &format);
}

OpenH264Encoder::~OpenH264Encoder() {
  if (encoder_ != nullptr) {
    auto* encoder = static_cast<ISVCEncoder*>(encoder_);
    encoder->Uninitialize();
    api_->destroy(encoder);
  }
  if (tj_ != nullptr) tjDestroy(tj_);
}

void OpenH264Encoder::toI420(const RawFrame& frame, const uint8_t* planes[3], int strides[3]) {
  const size_t w = static_cast<size_t>(width_), h = static_cast<size_t>(height_);
  if (frame.format == PixelFormat::I420 && settings_.orientation == Orientation::None) {
    planes[0] = frame.data;
    planes[1] = frame.data + settings_.stride * h;
    planes[2] = planes[1] + settings_.stride / 2 * (h / 2);
    strides[0] = static_cast<int>(settings_.stride);
    strides[1] = strides[2] = static_cast<int>(settings_.stride / 2);
    return;
  }
  OrientedPlanes o = orientPlanes(frame, Subsampling::S420, TJSAMP_420, settings_.orientation, planes_, unrotated_);
  if (o.pixelFormat < 0) {
    for (int i = 0; i < 3; i++) {
      planes[i] = o.planes[i];
      strides[i] = o.strides[i];
    }
    return;
  }
  // Interleaved input (rgb24, bgr24, grey), now oriented: to 4:2:0 planes.
  i420_.resize(w * h * 3 / 2);
  uint8_t* out[3] = {i420_.data(), i420_.data() + w * h, i420_.data() + w * h + w * h / 4};
  int outStrides[3] = {static_cast<int>(w), static_cast<int>(w / 2), static_cast<int>(w / 2)};
  if (o.pixelFormat == TJPF_GRAY) {
    for (size_t y = 0; y < h; y++) std::memcpy(out[0] + y * w, o.planes[0] + y * o.strides[0], w);
    std::memset(out[1], 128, w * h / 2);
  } else {
    if (tj_ == nullptr) tj_ = tjInitCompress();
    if (tj_ == nullptr || tjEncodeYUVPlanes(tj_, o.planes[0], width_, o.strides[0], height_, o.pixelFormat, out,
                                            outStrides, TJSAMP_420, 0) != 0)
      throw Error("ERR_H264_ENCODE", "RGB to YUV failed");
  }
  for (int i = 0; i < 3; i++) {
    planes[i] = out[i];
    strides[i] = outStrides[i];
  }
}

void OpenH264Encoder::encode(const RawFrame& frame, uint64_t timestampUs, bool forceKeyframe, const Sink& sink) {
  if (frame.width != settings_.width || frame.height != settings_.height || frame.format != settings_.format ||
      frame.size < frameBytes_)
    throw Error("ERR_FRAME_SIZE", "H.264 frame of " + std::to_string(frame.size) + " bytes, " +
                                      std::to_string(frame.width) + "x" + std::to_string(frame.height) +
                                      "; the stream was set up for " + std::to_string(frameBytes_) + " bytes");
  RawFrame shaped = frame;
  shaped.stride = settings_.stride;
  SSourcePicture pic;
  std::memset(&pic, 0, sizeof pic);
  pic.iColorFormat = videoFormatI420;
  pic.iPicWidth = width_;
  pic.iPicHeight = height_;
  pic.uiTimeStamp = static_cast<long long>(timestampUs / 1000);
  const uint8_t* planes[3];
  toI420(shaped, planes, pic.iStride);
  for (int i = 0; i < 3; i++) pic.pData[i] = const_cast<uint8_t*>(planes[i]);

  auto* encoder = static_cast<ISVCEncoder*>(encoder_);
  if (forceKeyframe) encoder->ForceIntraFrame(true);
  SFrameBSInfo info;
  std::memset(&info, 0, sizeof info);
  if (encoder->EncodeFrame(&pic, &info) != cmResultSuccess)
    throw Error("ERR_H264_ENCODE", "OpenH264 EncodeFrame failed");
  if (info.eFrameType == videoFrameTypeSkip || info.eFrameType == videoFrameTypeInvalid) return;
  // The layers' NAL units (SPS and PPS first for an IDR), each with its start code, one after another.
  unit_.clear();
  for (int l = 0; l < info.iLayerNum; l++) {
    const SLayerBSInfo& layer = info.sLayerInfo[l];
    size_t bytes = 0;
    for (int n = 0; n < layer.iNalCount; n++) bytes += static_cast<size_t>(layer.pNalLengthInByte[n]);
    unit_.insert(unit_.end(), layer.pBsBuf, layer.pBsBuf + bytes);
  }
  if (unit_.empty()) return;
  CodedVideoFrame out;
  out.data = unit_.data();
  out.length = unit_.size();
  out.keyframe = info.eFrameType == videoFrameTypeIDR;
  out.timestampUs = timestampUs;
  sink(out);
}

#else

OpenH264Encoder::OpenH264Encoder(const VideoEncoderSettings& settings) : settings_(settings) {
  throw Error("ERR_H264_UNAVAILABLE", load().reason);
}
OpenH264Encoder::~OpenH264Encoder() = default;
void OpenH264Encoder::toI420(const RawFrame&, const uint8_t* [3], int[3]) {}
void OpenH264Encoder::encode(const RawFrame&, uint64_t, bool, const Sink&) {}

#endif

}  // namespace turbocam
