// One camera's H.264 stream: its own thread (`tc-h264`), running only between start() and stop(),
// codes the newest raw frame the capture thread offers. Frames reach it as copies in a pool of
// three (coding, waiting, being filled), so no capture buffer waits on the encoder and a newer
// frame replaces one not yet coded (dropped frames). Coded units wait for JS in a bounded queue,
// in order (each unit depends on those before it): when JS falls behind and the queue is full,
// units are dropped up to the next keyframe, which is forced at once (dropped units). An MJPEG
// camera's frames are decoded to I420 on the stream's thread first.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "encoder/h264/openh264_encoder.h"
#include "encoder/jpeg_to_i420.h"
#include "encoder/video_encoder.h"
#include "error.h"
#include "pipeline/capture_pipeline.h"

namespace turbocam {

// What openCamera's `h264` option asks for (src/validate.ts checks the values).
struct H264Request {
  std::string encoder = "auto";  // "auto", "openh264", "m2m"
  std::string device;            // the M2M node; empty: the first that fits
  int bitrateKbps = 2000;
  int keyframeInterval = 60;
};

// The encoder the request names, for this source; the one place that picks. An mjpeg source's
// encoder takes the I420 its frames decode to. Throws ERR_H264_UNAVAILABLE, ERR_NO_M2M_ENCODER
// or ERR_UNSUPPORTED_FORMAT.
std::unique_ptr<VideoEncoder> makeH264Encoder(const H264Request& request, const CaptureFormat& format,
                                              Orientation orientation);
// Whether the request's encoder can be had at all (no source needed).
VideoEncoderAvailability h264EncoderAvailability(const std::string& encoder);

struct H264Unit {
  std::vector<uint8_t> data;  // Annex B
  bool keyframe = false;
  double timestampMs = 0;  // the frame's capture time
  uint64_t sequence = 0;   // counts the units of this stream, dropped ones too
};

struct H264StreamStats {
  bool running = false;
  uint64_t units = 0, keyframes = 0, forcedKeyframes = 0, bytes = 0;
  double bitrateKbps = 0;  // over the last second
  uint64_t droppedFrames = 0, droppedUnits = 0;
  double encodeMs = 0;  // mean per coded frame
};

class H264Stream : public FrameTap {
 public:
  struct Callbacks {
    // The queue went from empty to not: JS should takeUnits() (thread-safe, never blocks).
    std::function<void()> unitsReady;
    // The encoder failed; the stream has stopped coding. From the stream's thread.
    std::function<void(const Error&)> failed;
  };

  // An encoder for frames of this size (makeH264Encoder with the request bound): the stream makes
  // one at once, so a bad request throws here, and a new one when an MJPEG camera's size changes.
  using EncoderFactory = std::function<std::unique_ptr<VideoEncoder>(int width, int height)>;

  H264Stream(const CaptureFormat& format, EncoderFactory makeEncoder, Callbacks callbacks);
  ~H264Stream() override;

  void start();
  // Joins the thread; idempotent. Blocks for at most one frame's coding: call off the JS thread.
  void stop();
  // From the capture thread: copies the frame (its buffer is not kept).
  void offer(const SourceFrame& frame) override;
  // The next frame coded is a keyframe; many requests before it make one.
  void requestKeyframe() { keyframeRequested_ = true; }
  // Every queued unit, oldest first; the next unit queued calls unitsReady again.
  std::deque<H264Unit> takeUnits();
  H264StreamStats stats();
  std::string encoderName() const { return name_; }

 private:
  void loop();
  void queue(const CodedVideoFrame& coded, double timestampMs, bool requested);
  // The frame in buffer `index` as the encoder takes it: itself, or an MJPEG frame decoded (and
  // the encoder remade for a new size). False when it cannot be decoded (counted as dropped).
  bool prepare(int index, RawFrame* raw, bool* force);
  void noteDroppedFrame();

  CaptureFormat format_;
  size_t frameBytes_;
  EncoderFactory makeEncoder_;
  std::unique_ptr<VideoEncoder> encoder_;
  std::string name_;
  Callbacks callbacks_;
  JpegToI420 decoder_;                    // mjpeg only; the stream's thread's
  std::vector<uint8_t> decoded_;          // the last MJPEG frame as I420
  int codedWidth_ = 0, codedHeight_ = 0;  // what encoder_ was made for
  std::thread thread_;

  std::mutex frameMutex_;
  std::condition_variable frameReady_;
  std::vector<uint8_t> frames_[3];
  double timestamps_[3] = {0, 0, 0};
  size_t lengths_[3] = {0, 0, 0};  // bytes of each frame (an MJPEG frame's own size)
  int coding_ = -1, waiting_ = -1;
  bool stopping_ = false;

  std::atomic<bool> keyframeRequested_{false};
  bool recover_ = false;  // stream thread only: units were dropped, force the next keyframe
  bool first_ = true;

  std::mutex unitMutex_;
  std::deque<H264Unit> units_;
  bool dropping_ = false;  // until the next keyframe
  bool wakePending_ = false;
  uint64_t sequence_ = 0;
  H264StreamStats stats_;
  uint64_t encodeNs_ = 0, coded_ = 0;
  std::deque<std::pair<double, size_t>> recent_;  // (timestamp ms, bytes) of the last second's units
};

}  // namespace turbocam
