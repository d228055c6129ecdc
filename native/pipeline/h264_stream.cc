#include "pipeline/h264_stream.h"

#include <linux/videodev2.h>
#include <pthread.h>

#include <chrono>
#include <cstring>

#include "encoder/m2m/m2m_coded_formats.h"
#include "encoder/m2m/m2m_probe.h"
#include "encoder/m2m/m2m_video_stream.h"
#include "sources/monotonic_clock.h"

namespace turbocam {

namespace {

// Units waiting for JS: a second at 30 fps is about what a stalled event loop may owe before
// its viewers are better served by a fresh keyframe than by the backlog.
constexpr size_t kQueuedUnits = 30;
constexpr double kBitrateWindowMs = 1000;
// An MJPEG frame beyond this is not a camera's: dropped rather than copied.
constexpr size_t kMaxJpegBytes = 32u << 20;

// The first node that codes H.264 from the formats cameras and the MJPEG decoder give. Looked for
// once a process: /state and every viewer's join ask, and encoder nodes do not come and go.
const std::optional<M2mProbe>& m2mH264Node() {
  static const std::optional<M2mProbe> node = [] {
    std::optional<M2mProbe> found = findM2mNode(V4L2_PIX_FMT_H264, V4L2_PIX_FMT_YUV420);
    return found ? found : findM2mNode(V4L2_PIX_FMT_H264, V4L2_PIX_FMT_YUYV);
  }();
  return node;
}

}  // namespace

VideoEncoderAvailability h264EncoderAvailability(const std::string& encoder) {
  if (encoder == "m2m" || encoder == "auto") {
    const std::optional<M2mProbe>& node = m2mH264Node();
    if (node) {
      VideoEncoderAvailability m2m;
      m2m.available = true;
      m2m.encoder = "m2m " + node->path;
      return m2m;
    }
    if (encoder == "m2m") {
      VideoEncoderAvailability none;
      none.reason =
          "no V4L2 M2M node codes H.264 (a Raspberry Pi 4's is /dev/video11): "
          "h264.encoder 'openh264' (or 'auto') codes on the CPU";
      return none;
    }
  }
  return openh264Availability();
}

std::unique_ptr<VideoEncoder> makeH264Encoder(const H264Request& request, const CaptureFormat& format,
                                              Orientation orientation) {
  VideoEncoderSettings settings;
  settings.width = format.width;
  settings.height = format.height;
  const bool mjpeg = format.format == PixelFormat::MJPEG;
  settings.format = mjpeg ? PixelFormat::I420 : format.format;
  settings.stride = mjpeg ? 0 : format.stride;
  settings.orientation = orientation;
  settings.fps = format.fps > 0 ? static_cast<int>(format.fps + 0.5) : 30;
  settings.bitrateKbps = request.bitrateKbps;
  settings.keyframeInterval = request.keyframeInterval;
  // 'auto' tries the hardware first and takes the CPU's encoder when no node codes this stream
  // (none at all, none for a turned picture, or the node is busy); 'm2m' says why it cannot.
  if (request.encoder == "m2m" || request.encoder == "auto") {
    try {
      return openM2mVideoEncoder(request.device, *findM2mCodedFormat("h264"), settings);
    } catch (const Error&) {
      if (request.encoder == "m2m") throw;
    }
  }
  return std::make_unique<OpenH264Encoder>(settings);
}

H264Stream::H264Stream(const CaptureFormat& format, EncoderFactory makeEncoder, Callbacks callbacks)
    : format_(format),
      frameBytes_(minFrameSize(format.format, format.width, format.height, format.stride)),
      makeEncoder_(std::move(makeEncoder)),
      encoder_(makeEncoder_(format.width, format.height)),
      name_(encoder_->name()),
      callbacks_(std::move(callbacks)),
      codedWidth_(format.width),
      codedHeight_(format.height) {
  for (auto& frame : frames_) frame.resize(frameBytes_);
}

H264Stream::~H264Stream() { stop(); }

void H264Stream::start() {
  stats_.running = true;
  thread_ = std::thread([this] { loop(); });
  pthread_setname_np(thread_.native_handle(), "tc-h264");
}

void H264Stream::stop() {
  {
    std::lock_guard<std::mutex> lock(frameMutex_);
    stopping_ = true;
  }
  frameReady_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(unitMutex_);
  stats_.running = false;
}

void H264Stream::noteDroppedFrame() {
  std::lock_guard<std::mutex> lock(unitMutex_);
  stats_.droppedFrames++;
}

void H264Stream::offer(const SourceFrame& frame) {
  const bool mjpeg = format_.format == PixelFormat::MJPEG;
  if (frame.size < frameBytes_ || (mjpeg && (frame.size == 0 || frame.size > kMaxJpegBytes))) {
    noteDroppedFrame();
    return;
  }
  const size_t length = mjpeg ? frame.size : frameBytes_;
  int filling = -1;
  {
    std::lock_guard<std::mutex> lock(frameMutex_);
    if (stopping_) return;
    for (int i = 0; i < 3 && filling < 0; i++) {
      if (i != coding_ && i != waiting_) filling = i;
    }
  }
  // Only the capture thread fills, so the third buffer is this one's alone while it copies (and
  // grows, for an MJPEG frame larger than any before it).
  if (frames_[filling].size() < length) frames_[filling].resize(length);
  std::memcpy(frames_[filling].data(), frame.data, length);
  bool replaced = false;
  {
    std::lock_guard<std::mutex> lock(frameMutex_);
    replaced = waiting_ >= 0;
    waiting_ = filling;
    timestamps_[filling] = frame.timestampMs;
    lengths_[filling] = length;
  }
  frameReady_.notify_one();
  if (replaced) noteDroppedFrame();
}

bool H264Stream::prepare(int index, RawFrame* raw, bool* force) {
  raw->width = format_.width;
  raw->height = format_.height;
  raw->format = format_.format;
  raw->stride = format_.stride;
  raw->data = frames_[index].data();
  raw->size = lengths_[index];
  if (format_.format != PixelFormat::MJPEG) return true;
  int width = 0, height = 0;
  if (!decoder_.decode(raw->data, raw->size, decoded_, &width, &height)) return false;
  if (width != codedWidth_ || height != codedHeight_) {
    // A pipe's frames carry their own size, whatever was declared: code them at that size.
    encoder_ = makeEncoder_(width, height);
    codedWidth_ = width;
    codedHeight_ = height;
    *force = true;
  }
  raw->data = decoded_.data();
  raw->size = decoded_.size();
  raw->width = width;
  raw->height = height;
  raw->format = PixelFormat::I420;
  raw->stride = static_cast<size_t>(width);
  return true;
}

void H264Stream::loop() {
  for (;;) {
    int index;
    double timestampMs;
    {
      std::unique_lock<std::mutex> lock(frameMutex_);
      frameReady_.wait(lock, [this] { return stopping_ || waiting_ >= 0; });
      if (stopping_) return;
      index = coding_ = waiting_;
      waiting_ = -1;
      timestampMs = timestamps_[index];
    }
    auto begin = std::chrono::steady_clock::now();
    try {
      RawFrame raw;
      bool force = first_ || recover_;
      if (!prepare(index, &raw, &force)) {
        noteDroppedFrame();
        std::lock_guard<std::mutex> lock(frameMutex_);
        coding_ = -1;
        continue;
      }
      const bool requested = keyframeRequested_.exchange(false);
      force = force || requested;
      first_ = recover_ = false;
      const uint64_t timestampUs = static_cast<uint64_t>(timestampMs * 1000);
      encoder_->encode(raw, timestampUs, force, [&](const CodedVideoFrame& coded) {
        // An encoder that holds frames (M2M) hands out a unit of an earlier frame: that frame's time.
        const bool earlier = coded.timestampUs != 0 && coded.timestampUs != timestampUs;
        queue(coded, earlier ? static_cast<double>(coded.timestampUs) / 1000 : timestampMs, requested);
      });
    } catch (const Error& error) {
      if (callbacks_.failed) callbacks_.failed(error);
      return;
    } catch (const std::exception& error) {
      if (callbacks_.failed) callbacks_.failed(Error("ERR_H264_ENCODE", error.what()));
      return;
    }
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - begin);
    {
      std::lock_guard<std::mutex> lock(unitMutex_);
      encodeNs_ += static_cast<uint64_t>(ns.count());
      coded_++;
    }
    std::lock_guard<std::mutex> lock(frameMutex_);
    coding_ = -1;
  }
}

void H264Stream::queue(const CodedVideoFrame& coded, double timestampMs, bool requested) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(unitMutex_);
    const uint64_t sequence = sequence_++;
    stats_.units++;
    stats_.bytes += coded.length;
    if (coded.keyframe) {
      stats_.keyframes++;
      if (requested) stats_.forcedKeyframes++;
    }
    recent_.emplace_back(timestampMs, coded.length);
    while (!recent_.empty() && recent_.front().first < timestampMs - kBitrateWindowMs) recent_.pop_front();
    if (dropping_ && !coded.keyframe) {
      stats_.droppedUnits++;
      return;
    }
    if (units_.size() >= kQueuedUnits) {
      // JS is behind: what it has not taken stays, and the stream resumes at a fresh keyframe.
      stats_.droppedUnits++;
      dropping_ = true;
      recover_ = true;
      return;
    }
    dropping_ = false;
    H264Unit unit;
    unit.data.assign(coded.data, coded.data + coded.length);
    unit.keyframe = coded.keyframe;
    unit.timestampMs = timestampMs;
    unit.sequence = sequence;
    units_.push_back(std::move(unit));
    wake = !wakePending_;
    wakePending_ = true;
  }
  if (wake && callbacks_.unitsReady) callbacks_.unitsReady();
}

std::deque<H264Unit> H264Stream::takeUnits() {
  std::lock_guard<std::mutex> lock(unitMutex_);
  wakePending_ = false;
  std::deque<H264Unit> out;
  out.swap(units_);
  return out;
}

H264StreamStats H264Stream::stats() {
  std::lock_guard<std::mutex> lock(unitMutex_);
  H264StreamStats s = stats_;
  // Units of the last second, ending now: a stream whose frames stopped falls to zero.
  const double now = monotonicMs();
  size_t bytes = 0;
  for (const auto& [timestamp, length] : recent_) {
    if (timestamp >= now - kBitrateWindowMs) bytes += length;
  }
  s.bitrateKbps = static_cast<double>(bytes) * 8 / kBitrateWindowMs;
  s.encodeMs = coded_ > 0 ? static_cast<double>(encodeNs_) / 1e6 / static_cast<double>(coded_) : 0;
  return s;
}

}  // namespace turbocam
