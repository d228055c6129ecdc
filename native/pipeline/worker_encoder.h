// The encoder seam of the pipeline: which encoder a camera uses (libjpeg-turbo, or a V4L2 M2M
// node) is chosen once the source's format is known, and each worker then encodes raw frames
// through a WorkerEncoder, which hides which one it is. A hardware failure at run time switches
// every worker to the CPU encoder for good, with one warning: the stream never stops for it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "encoder/jpeg_encoder.h"
#include "encoder/leased_jpeg.h"
#include "encoder/m2m/m2m_encoder.h"
#include "error.h"
#include "pool/buffer_pool.h"
#include "sources/capture_source.h"

namespace turbocam {

enum class EncoderMode { Cpu, M2mImage, M2mVideo, Auto };

struct EncoderRequest {
  EncoderMode mode = EncoderMode::Cpu;
  std::string device;  // empty: the first node that offers the coded format for the source's
  std::string coded;   // the M2M coded format; empty: jpeg (image), mjpeg (video); fwht: vicodec
};

struct EncoderChoice {
  bool hardware = false;
  bool video = false;  // a video encoder (m2m-video), not an image encoder
  std::string device;
  const M2mCodedFormat* coded = nullptr;
  std::string reason;  // why this encoder, for the start-up line and /state
};

// Throws ERR_INVALID_ARG for an unknown mode or coded format, and ERR_NO_M2M_ENCODER when
// m2m-image or m2m-video was asked for and no node (or not the given one) encodes the source's format.
EncoderMode encoderModeByName(const std::string& name);
// "cpu", "m2m-image" or "m2m-video".
const char* encoderKindName(const EncoderChoice& choice, bool hardwareNow);
EncoderChoice chooseEncoder(const EncoderRequest& request, const CaptureFormat& format);

// Shared by a pipeline's workers.
class EncoderState {
 public:
  explicit EncoderState(EncoderChoice choice) : choice_(std::move(choice)), hardware_(choice_.hardware) {}
  const EncoderChoice& choice() const { return choice_; }
  bool hardware() const { return hardware_; }
  // The first failure wins: returns true (and keeps its message) only for that one.
  bool fallBack(const Error& error);
  std::string fallbackReason() const;
  // The first context's controls: those set, and those the driver lacks (EINVAL, not fatal).
  void noteControls(const M2mStats& stats);
  std::vector<std::string> controlsSet() const;
  std::vector<std::string> controlsUnsupported() const;
  std::atomic<uint64_t> hardwareFrames{0};
  std::atomic<uint64_t> copies{0}, zeroCopy{0};  // raw frames copied to the encoder, or handed over as DMABUF

 private:
  EncoderChoice choice_;
  std::atomic<bool> hardware_;
  mutable std::mutex mutex_;
  std::string fallbackReason_;
  bool controlsNoted_ = false;
  std::vector<std::string> controlsSet_, controlsUnsupported_;
};

class WorkerEncoder {
 public:
  using Warn = std::function<void(const Error&)>;
  WorkerEncoder(EncoderState& state, const EncodeOptions& options, double fps, Warn warn);

  // libjpeg-turbo: MJPEG normalising, and raw frames when there is no hardware encoder.
  JpegEncoder& cpu() { return cpu_; }
  LeasedJpeg encodeRaw(BufferPool& pool, const RawFrame& frame, const EncodeOptions& options);

 private:
  EncoderState& state_;
  Warn warn_;
  JpegEncoder cpu_;
  std::unique_ptr<M2mEncoder> m2m_;
  uint64_t zeroCopySeen_ = 0;
};

}  // namespace turbocam
