#include "encoder/m2m/m2m_video_stream.h"

#include <linux/videodev2.h>

#include <algorithm>
#include <chrono>

#include "encoder/m2m/m2m_probe.h"
#include "error.h"

namespace turbocam {

namespace {
// Frames the encoder may still hold when encode() returns; one more queued waits for the oldest.
constexpr size_t kMaxHeld = 2;
// On each queue: the frames held, the one being queued, and one the driver is done with.
constexpr unsigned kBuffers = kMaxHeld + 2;
}  // namespace

M2mOptions M2mVideoStream::optionsFor(const M2mCodedFormat& coded, const VideoEncoderSettings& settings,
                                      M2mStreamLimits limits) {
  M2mOptions options;
  options.coded = &coded;
  options.video = true;
  options.bitrateKbps = settings.bitrateKbps;
  options.keyframeInterval = settings.keyframeInterval;
  options.fps = settings.fps;
  options.timeoutMs = limits.timeoutMs;
  options.maxRebuilds = limits.maxRebuilds;
  options.buffers = kBuffers;
  return options;
}

M2mVideoStream::M2mVideoStream(std::string path, const M2mCodedFormat& coded, const VideoEncoderSettings& settings,
                               std::string card, M2mStreamLimits limits)
    : coded_(coded),
      settings_(settings),
      card_(std::move(card)),
      options_(optionsFor(coded, settings, limits)),
      encoder_(std::move(path), options_) {}

std::string M2mVideoStream::name() const {
  return "m2m " + encoder_.path() + (card_.empty() ? "" : " (" + card_ + ")");
}

void M2mVideoStream::prepare() {
  RawFrame shape;
  shape.width = settings_.width;
  shape.height = settings_.height;
  shape.format = settings_.format;
  shape.stride = settings_.stride;
  encoder_.prepare(shape);
  noteControls();
}

void M2mVideoStream::noteControls() {
  stats_.controlsSet = encoder_.stats().controlsSet;
  stats_.controlsUnsupported = encoder_.stats().controlsUnsupported;
  if (forceUnsupported_) stats_.controlsUnsupported.emplace_back("force-key-frame");
}

void M2mVideoStream::encode(const RawFrame& frame, uint64_t timestampUs, bool forceKeyframe, const Sink& sink) {
  JpegEncoder::validate(frame, EncodeOptions{});
  stats_.frames++;
  if (forceKeyframe) stats_.forcedKeyframes++;
  for (;;) {
    try {
      encodeOnce(frame, timestampUs, forceKeyframe, sink);
      failuresInRow_ = 0;
      return;
    } catch (const Error& error) {
      close();
      if (!M2mEncoder::worthRebuilding(error) || ++failuresInRow_ > options_.maxRebuilds) throw;
      stats_.rebuilds++;
      forceKeyframe = false;  // a fresh context starts at a keyframe
    }
  }
}

void M2mVideoStream::encodeOnce(const RawFrame& frame, uint64_t timestampUs, bool forceKeyframe, const Sink& sink) {
  if (forceKeyframe && encoder_.running()) {
    if (!forceUnsupported_ && !encoder_.setControl(V4L2_CID_MPEG_VIDEO_FORCE_KEY_FRAME, 1)) {
      forceUnsupported_ = true;
      noteControls();
    }
    if (forceUnsupported_) restartForKeyframe(sink);
  }
  const bool fresh = !encoder_.running();
  const M2mEncoder::CodedSink taker = [&](const M2mEncoder::Coded& coded) { take(coded, sink); };
  // In flight once queued: a frame whose context failed to start is retried, not lost.
  encoder_.submit(frame, nextTag_, taker);
  inFlight_.push_back({nextTag_++, timestampUs});
  if (fresh) noteControls();
  // An encoder that codes at once hands this frame's unit back within a frame's time; one that
  // holds frames hands it to a later call.
  const auto grace = std::chrono::steady_clock::now() + std::chrono::milliseconds(1000 / std::max(settings_.fps, 1));
  while (!inFlight_.empty()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(grace - std::chrono::steady_clock::now()).count();
    if (left <= 0 || encoder_.collect(static_cast<int>(left), taker) == 0) break;
  }
  while (inFlight_.size() > kMaxHeld) {
    if (encoder_.collect(options_.timeoutMs, taker) == 0) {
      throw Error("ETIMEDOUT",
                  encoder_.path() + " holds " + std::to_string(inFlight_.size()) + " frames and coded none within " +
                      std::to_string(options_.timeoutMs) + " ms",
                  encoder_.path(), ETIMEDOUT);
    }
  }
  stats_.maxHeld = std::max<uint64_t>(stats_.maxHeld, inFlight_.size());
}

void M2mVideoStream::take(const M2mEncoder::Coded& coded, const Sink& sink) {
  const bool failed = (coded.flags & V4L2_BUF_FLAG_ERROR) != 0;
  CodedUnitInfo info;
  if (!failed && coded.length > 0) {
    info = coded_.inspect(coded.data, coded.length);
    if (!info.picture) {
      // Parameter sets in a buffer of their own (whatever its timestamp): they lead the next unit.
      header_.assign(coded.data, coded.data + coded.length);
      lastHeader_ = header_;
      stats_.headerBuffers++;
      return;
    }
  }
  auto it =
      std::find_if(inFlight_.begin(), inFlight_.end(), [&](const InFlight& f) { return f.tag == coded.timestampUs; });
  if (it == inFlight_.end()) {
    stats_.staleOutputs++;
    return;
  }
  // Units come in the order frames went in (no B-frames): frames queued before this one that
  // have no unit were coded to nothing.
  stats_.skipped += static_cast<uint64_t>(it - inFlight_.begin());
  const uint64_t timestampUs = it->timestampUs;
  inFlight_.erase(inFlight_.begin(), it + 1);
  if (failed) throw Error("ERR_ENCODE", encoder_.path() + " flagged a coded frame as failed", encoder_.path());
  if (coded.length == 0) {
    stats_.skipped++;
    return;
  }
  CodedVideoFrame unit;
  unit.keyframe = (coded.flags & V4L2_BUF_FLAG_KEYFRAME) != 0 || info.keyframe;
  unit.timestampUs = timestampUs;
  // A keyframe must carry its parameter sets, so a viewer can start there: those that came on
  // their own, or the latest, for a driver that repeats them in buffers of their own.
  const std::vector<uint8_t>* header = !header_.empty()                                               ? &header_
                                       : unit.keyframe && !info.parameterSets && !lastHeader_.empty() ? &lastHeader_
                                                                                                      : nullptr;
  if (header != nullptr) {
    unit_.assign(header->begin(), header->end());
    unit_.insert(unit_.end(), coded.data, coded.data + coded.length);
    header_.clear();
    unit.data = unit_.data();
    unit.length = unit_.size();
  } else {
    unit.data = coded.data;
    unit.length = coded.length;
  }
  stats_.units++;
  if (unit.keyframe) stats_.keyframes++;
  sink(unit);
}

void M2mVideoStream::drainHeld(const Sink& sink) {
  const M2mEncoder::CodedSink taker = [&](const M2mEncoder::Coded& coded) { take(coded, sink); };
  while (!inFlight_.empty() && encoder_.collect(options_.timeoutMs, taker) > 0) {
  }
}

void M2mVideoStream::restartForKeyframe(const Sink& sink) {
  drainHeld(sink);
  close();
  stats_.keyframeRestarts++;
}

void M2mVideoStream::flush(const Sink& sink) {
  try {
    drainHeld(sink);
  } catch (...) {
    close();
    throw;
  }
  close();
}

void M2mVideoStream::close() {
  stats_.lost += inFlight_.size();
  inFlight_.clear();
  header_.clear();
  encoder_.close();
}

std::unique_ptr<M2mVideoStream> openM2mVideoEncoder(const std::string& device, const M2mCodedFormat& coded,
                                                    const VideoEncoderSettings& settings, M2mStreamLimits limits) {
  if (!m2mCodedFormatFits(coded, true))
    throw Error("ERR_INVALID_ARG", std::string("the M2M coded format '") + coded.name + "' is not for a video encoder");
  if (settings.orientation != Orientation::None) {
    throw Error("ERR_UNSUPPORTED_FORMAT",
                "a V4L2 M2M encoder cannot turn or flip frames: use the software H.264 encoder for a turned picture");
  }
  const uint32_t raw = formatInfo(settings.format).fourcc;
  const std::string what = "V4L2 M2M encoder from " + fourccToString(raw) + " to " + fourccToString(coded.fourcc);
  M2mProbe node;
  if (!device.empty()) {
    try {
      node = probeM2m(device);
    } catch (const Error& error) {
      throw Error("ERR_NO_M2M_ENCODER", "no " + what + " at " + device + ": " + error.what(), device);
    }
  } else {
    std::optional<M2mProbe> found = findM2mNode(coded.fourcc, raw);
    if (!found) throw Error("ERR_NO_M2M_ENCODER", "no " + what + " among /dev/video*", "/dev/video*");
    node = *found;
  }
  auto stream = std::make_unique<M2mVideoStream>(node.path, coded, settings, node.card, limits);
  stream->prepare();
  return stream;
}

}  // namespace turbocam
