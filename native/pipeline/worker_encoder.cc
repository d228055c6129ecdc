#include "pipeline/worker_encoder.h"

#include <cstring>

#include "encoder/m2m/m2m_probe.h"

namespace turbocam {

EncoderMode encoderModeByName(const std::string& name) {
  if (name == "cpu") return EncoderMode::Cpu;
  if (name == "m2m-image") return EncoderMode::M2mImage;
  if (name == "m2m-video") return EncoderMode::M2mVideo;
  if (name == "auto") return EncoderMode::Auto;
  throw Error("ERR_INVALID_ARG", "unknown encoder '" + name + "' (cpu, m2m-image, m2m-video or auto)");
}

const char* encoderKindName(const EncoderChoice& choice, bool hardwareNow) {
  if (!choice.hardware || !hardwareNow) return "cpu";
  return choice.video ? "m2m-video" : "m2m-image";
}

EncoderChoice chooseEncoder(const EncoderRequest& request, const CaptureFormat& format) {
  EncoderChoice choice;
  if (request.mode == EncoderMode::Cpu) {
    choice.reason = "asked for";
    return choice;
  }
  const bool video = request.mode == EncoderMode::M2mVideo;
  const bool required = request.mode != EncoderMode::Auto;  // auto settles for the CPU
  const std::string codedName = !request.coded.empty() ? request.coded : video ? "mjpeg" : "jpeg";
  const M2mCodedFormat* coded = findM2mCodedFormat(codedName);
  if (coded == nullptr)
    throw Error("ERR_INVALID_ARG", "unknown M2M coded format '" + codedName + "' (jpeg, mjpeg, fwht or yuyv)");
  if (coded->streamOnly) {
    throw Error("ERR_INVALID_ARG", "the M2M coded format '" + codedName +
                                       "' has frames that depend on each other: the H.264 stream codes it, not the "
                                       "JPEG workers");
  }
  if (!m2mCodedFormatFits(*coded, video)) {
    throw Error("ERR_INVALID_ARG", "the M2M coded format '" + codedName + "' is not for " +
                                       (video ? "a video" : "an image") +
                                       " encoder (m2m-image: jpeg or fwht; m2m-video: mjpeg or fwht)");
  }
  if (format.format == PixelFormat::MJPEG) {
    if (required) {
      throw Error("ERR_UNSUPPORTED_FORMAT",
                  format.name + " sends MJPEG, which needs no encoder: use --encoder cpu or auto", format.name);
    }
    choice.reason = "the source sends MJPEG";
    return choice;
  }
  const uint32_t raw = formatInfo(format.format).fourcc;
  const std::string what =
      "V4L2 M2M encoder from " + fourccToString(raw) + " to " + fourccToString(m2mCodedFourcc(*coded));
  std::optional<M2mProbe> node;
  if (!request.device.empty()) {
    try {
      node = probeM2m(request.device);
    } catch (const Error& error) {
      if (required) {
        throw Error("ERR_NO_M2M_ENCODER", "no " + what + " at " + request.device + ": " + error.what(), request.device);
      }
    }
  } else {
    node = findM2mNode(m2mCodedFourcc(*coded), raw);
    if (!node && required) {
      throw Error("ERR_NO_M2M_ENCODER", "no " + what + " among /dev/video* (give one with --encoder-device)",
                  "/dev/video*");
    }
  }
  if (!node) {
    choice.reason = "no " + what;
    return choice;
  }
  // A trial context: what the node substitutes (FWHT for JPEG, another size) fails the open with
  // ERR_UNSUPPORTED_FORMAT when m2m-image was asked for, and means the CPU for auto.
  try {
    M2mOptions options;
    options.coded = coded;
    options.video = video;
    M2mEncoder trial(node->path, options);
    RawFrame shape;
    shape.width = format.width;
    shape.height = format.height;
    shape.format = format.format;
    shape.stride = format.stride;
    trial.prepare(shape);
  } catch (const Error& error) {
    if (required) throw;
    choice.reason = node->path + " (" + node->card + ") cannot: " + error.what();
    return choice;
  }
  choice.hardware = true;
  choice.video = video;
  choice.device = node->path;
  choice.coded = coded;
  choice.reason = node->path + " (" + node->card + ")";
  return choice;
}

bool EncoderState::fallBack(const Error& error) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!fallbackReason_.empty()) return false;
  fallbackReason_ = error.what();
  hardware_ = false;
  return true;
}

void EncoderState::noteControls(const M2mStats& stats) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (controlsNoted_) return;
  controlsNoted_ = true;
  controlsSet_ = stats.controlsSet;
  controlsUnsupported_ = stats.controlsUnsupported;
}

std::vector<std::string> EncoderState::controlsSet() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return controlsSet_;
}

std::vector<std::string> EncoderState::controlsUnsupported() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return controlsUnsupported_;
}

std::string EncoderState::fallbackReason() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return fallbackReason_;
}

WorkerEncoder::WorkerEncoder(EncoderState& state, const EncodeOptions& options, double fps, Warn warn)
    : state_(state), warn_(std::move(warn)) {
  if (state_.hardware()) {
    M2mOptions m2m;
    m2m.coded = state_.choice().coded;
    m2m.video = state_.choice().video;
    m2m.quality = options.quality;
    m2m.fps = static_cast<int>(fps + 0.5);
    m2m_ = std::make_unique<M2mEncoder>(state_.choice().device, m2m);
  }
}

LeasedJpeg WorkerEncoder::encodeRaw(BufferPool& pool, const RawFrame& frame, const EncodeOptions& options) {
  if (m2m_ && state_.hardware()) {
    try {
      LeasedJpeg out;
      m2m_->encode(frame, [&](const uint8_t* data, size_t length) {
        out.lease = pool.acquire(length);
        if (out.lease.data == nullptr)
          out.lease = pool.copyOf(data, length);
        else
          std::memcpy(out.lease.data, data, length);
        out.length = length;
      });
      if (state_.hardwareFrames++ == 0) state_.noteControls(m2m_->stats());
      // Per frame, so the stats add up across workers: the M2M encoder counts its own.
      (m2m_->stats().zeroCopy > zeroCopySeen_ ? state_.zeroCopy : state_.copies)++;
      zeroCopySeen_ = m2m_->stats().zeroCopy;
      return out;
    } catch (const Error& error) {
      m2m_.reset();
      Error reason(error.code(),
                   std::string("the hardware encoder failed, encoding on the CPU from now on: ") + error.what(),
                   error.path(), error.errnum());
      if (state_.fallBack(reason) && warn_) warn_(reason);
    }
  }
  m2m_.reset();
  return encodeToLease(cpu_, pool, frame, options);
}

}  // namespace turbocam
