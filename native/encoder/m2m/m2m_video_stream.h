// One camera's video stream (H.264 on a Pi's /dev/video11; FWHT on vicodec for the test
// harness) through a V4L2 M2M video encoder, behind the VideoEncoder seam: one M2M context fed
// frames in order. The encoder may hold a frame or two: their units come out of a later
// encode() (or flush()), in order, each with its own frame's timestamp. A forced keyframe is
// V4L2_CID_MPEG_VIDEO_FORCE_KEY_FRAME, or, on a driver without it, a fresh context (whose first
// frame is a keyframe). Not thread-safe: the stream's thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "encoder/m2m/m2m_coded_formats.h"
#include "encoder/m2m/m2m_encoder.h"
#include "encoder/video_encoder.h"

namespace turbocam {

// How long the stream waits for the driver, and how often it sets a failed context up again.
struct M2mStreamLimits {
  int timeoutMs = 2000;  // one frame's deadline
  int maxRebuilds = 3;   // failed frames in a row before encode() throws
};

struct M2mVideoStats {
  uint64_t frames = 0;            // given to encode()
  uint64_t units = 0;             // access units handed to the sink
  uint64_t keyframes = 0;         // of them
  uint64_t forcedKeyframes = 0;   // asked for
  uint64_t keyframeRestarts = 0;  // contexts restarted for one: the driver lacks FORCE_KEY_FRAME
  uint64_t skipped = 0;           // frames the encoder coded to nothing (a later unit came first)
  uint64_t lost = 0;              // frames in flight when a context failed or the stream ended
  uint64_t rebuilds = 0;          // contexts set up again after a failure
  uint64_t staleOutputs = 0;      // coded buffers for no frame in flight
  uint64_t headerBuffers = 0;     // buffers of parameter sets only, joined to the next unit
  uint64_t maxHeld = 0;           // the most frames the encoder still held when encode() returned
  std::vector<std::string> controlsSet, controlsUnsupported;  // EINVAL: said, not fatal
};

class M2mVideoStream : public VideoEncoder {
 public:
  M2mVideoStream(std::string path, const M2mCodedFormat& coded, const VideoEncoderSettings& settings,
                 std::string card = "", M2mStreamLimits limits = {});
  // A device failure throws its errno's code (ENODEV, EBUSY, EIO; ETIMEDOUT for an encoder that
  // hands nothing back), after maxRebuilds fresh contexts in a row; ERR_ENCODE when the driver
  // flags a unit as failed; ERR_UNSUPPORTED_FORMAT when the node substitutes a format or size.
  void encode(const RawFrame& frame, uint64_t timestampUs, bool forceKeyframe, const Sink& sink) override;
  std::string name() const override;
  // Hands out what the encoder still holds (waiting up to the timeout for each), then closes the
  // context; the next encode() starts a new one, at a keyframe.
  void flush(const Sink& sink);
  // Sets the context up for the settings' frames now, so a node that refuses them fails at open.
  void prepare();
  const M2mVideoStats& stats() const { return stats_; }
  const std::string& path() const { return encoder_.path(); }

 private:
  struct InFlight {
    uint64_t tag;          // the timestamp the driver carries
    uint64_t timestampUs;  // the caller's
  };
  static M2mOptions optionsFor(const M2mCodedFormat& coded, const VideoEncoderSettings& settings,
                               M2mStreamLimits limits);
  void encodeOnce(const RawFrame& frame, uint64_t timestampUs, bool forceKeyframe, const Sink& sink);
  void take(const M2mEncoder::Coded& coded, const Sink& sink);
  void restartForKeyframe(const Sink& sink);
  void drainHeld(const Sink& sink);
  void noteControls();
  void close();

  const M2mCodedFormat& coded_;
  VideoEncoderSettings settings_;
  std::string card_;
  M2mOptions options_;
  M2mEncoder encoder_;
  M2mVideoStats stats_;
  std::deque<InFlight> inFlight_;    // at most options_.buffers: the OUTPUT queue's size bounds it
  std::vector<uint8_t> header_;      // parameter sets that came in a buffer of their own
  std::vector<uint8_t> lastHeader_;  // the latest parameter sets, for a keyframe that comes without
  std::vector<uint8_t> unit_;        // scratch: header + unit
  uint64_t nextTag_ = 1;
  bool forceUnsupported_ = false;
  int failuresInRow_ = 0;
};

// The stream encoder for the settings on device, or (device empty) on the first /dev/video* node
// that codes the settings' raw format into coded; its context is tried at open, so a node that
// substitutes a format or size fails here. Throws ERR_NO_M2M_ENCODER when no node (or not the
// given one) does; ERR_INVALID_ARG for a coded format without a video table;
// ERR_UNSUPPORTED_FORMAT for a turned picture (settings.orientation: an M2M encoder cannot turn
// frames) or a node that substitutes.
std::unique_ptr<M2mVideoStream> openM2mVideoEncoder(const std::string& device, const M2mCodedFormat& coded,
                                                    const VideoEncoderSettings& settings, M2mStreamLimits limits = {});

}  // namespace turbocam
