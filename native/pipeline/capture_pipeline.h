// One capture thread and N encoder workers. The capture thread takes frames from the source and
// hands each to a worker through a one-frame slot (a newer frame replaces one no worker picked up
// yet); the worker encodes straight from the source's buffer (raw through libjpeg-turbo, camera
// MJPEG through the normaliser, never re-encoded), gives the buffer back, and passes the JPEG
// through the sequencer to the sink. Raw output copies the frame into a small pool of its own
// first (so no capture buffer is ever held by JS) and hands that copy on beside, or instead of, the JPEG.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "encoder/jpeg_encoder.h"
#include "encoder/mjpeg_normaliser.h"
#include "error.h"
#include "sources/capture_source.h"
#include "pipeline/fps_meter.h"
#include "pipeline/latest_frame_slot.h"
#include "pipeline/sequencer.h"
#include "pipeline/worker_encoder.h"
#include "pipeline/truncation_watch.h"
#include "pool/buffer_pool.h"

namespace turbocam {

// What a capture hands to JS: JPEGs (the default), raw frames, or both from the same capture.
enum class FrameOutput { Jpeg, Raw, Both };

// Raw output's own counters: frames handed to JS, and those dropped because JS had not taken the
// previous one (busy), a newer one overtook it (late), every pooled copy was still held by JS
// (pool), or the frame was shorter than its format (error).
struct RawOutputStats {
  uint64_t delivered = 0;
  uint64_t droppedBusy = 0;
  uint64_t droppedLate = 0;
  uint64_t droppedPool = 0;
  uint64_t droppedError = 0;
  BufferPoolStats pool{};
};

struct PipelineStats {
  uint64_t captured = 0;
  uint64_t encoded = 0;
  uint64_t delivered = 0;
  uint64_t droppedBusy = 0;     // replaced while JS was busy
  uint64_t droppedLate = 0;     // superseded by a newer frame before or after encoding
  uint64_t droppedCorrupt = 0;  // MJPEG the normaliser rejected
  uint64_t repaired = 0;        // MJPEG served after the normaliser appended a missing EOI
  uint64_t droppedError = 0;    // buffers the driver flagged, encode failures
  uint64_t droppedPaused = 0;   // captured while paused and given straight back
  bool paused = false;
  double fps = 0;
  double encodeMs = 0;
  BufferPoolStats pool{};         // the JPEG buffers' pool: bytes held, copies made when it ran out, leases grown
  EncoderChoice encoder;          // as chosen at start
  bool hardwareEncoding = false;  // false again after a fallback
  std::string encoderFallback;    // why the hardware encoder was given up, if it was
  uint64_t hardwareFrames = 0;
  uint64_t encoderCopies = 0, encoderZeroCopy = 0;
  std::vector<std::string> encoderControlsSet, encoderControlsUnsupported;
  FrameOutput output = FrameOutput::Jpeg;
  RawOutputStats raw{};
};

// Something beside the workers that sees every captured frame, paused or not (the H.264 stream).
// offer() runs on the capture thread while the frame's buffer is held: it copies what it keeps.
class FrameTap {
 public:
  virtual ~FrameTap() = default;
  virtual void offer(const SourceFrame& frame) = 0;
};

class CapturePipeline {
 public:
  struct Callbacks {
    // A frame entered the slot while it was empty: wake the consumer (thread-safe).
    std::function<void()> frameReady;
    // The source failed (ENODEV, ETIMEDOUT, ...); capture has stopped. Called once, from the
    // capture thread.
    std::function<void(const Error&)> failed;
    // Something the user should hear about once while capture goes on (most camera frames cut
    // short, the hardware encoder giving way to the CPU's). Called from a worker thread.
    std::function<void(const Error&)> warned;
  };

  // Throws ERR_INVALID_ARG when encode.subsampling cannot be produced from the negotiated format.
  CapturePipeline(std::unique_ptr<CaptureSource> source, int workers, int buffers, EncodeOptions encode,
                  Callbacks callbacks);
  ~CapturePipeline();

  // Before start(): raw frames go to this encoder (the CPU's by default).
  void useEncoder(EncoderChoice choice) { encoderState_ = std::make_unique<EncoderState>(std::move(choice)); }
  // Before start(): what reaches JS. Throws ERR_UNSUPPORTED_FORMAT for raw output from an MJPEG source.
  void useOutput(FrameOutput output);
  // Starts the source and the threads; throws turbocam::Error when the source cannot start.
  void start();
  // Joins every thread and stops the source. Idempotent; blocks, so callers run it off the JS thread.
  void stop();

  // Paused, the capture thread keeps taking frames from the source (a V4L2 device keeps
  // streaming, its timeout stays armed, a pipe's writer never blocks) but gives each one straight
  // back instead of encoding it. Thread-safe; takes effect with the next captured frame.
  void setPaused(bool paused);
  // Every frame captured from now on also goes to tap (nullptr: none). Thread-safe; the capture
  // thread holds its own reference while it offers, so a tap replaced mid-offer stays alive.
  void setFrameTap(std::shared_ptr<FrameTap> tap);

  // For the consumer: the newest frame, if any. Counts it as delivered.
  std::optional<EncodedFrame> takeFrame();
  // The newest raw frame, if any (raw output); its lease is rawPool()'s.
  std::optional<EncodedFrame> takeRawFrame();
  const std::shared_ptr<BufferPool>& pool() const { return pool_; }
  const std::shared_ptr<BufferPool>& rawPool() const { return rawPool_; }
  const CaptureFormat& format() const { return source_->format(); }
  // The settings raw frames are encoded with, subsampling resolved for the negotiated format.
  const EncodeOptions& encodeOptions() const { return encode_; }
  CaptureSource& source() { return *source_; }
  PipelineStats stats();

 private:
  void captureLoop();
  void workerLoop(int index);
  // Wakes the worker that went idle last (lock held): see idle_.
  void wakeOneWorker();
  // The JPEG, or nothing when the frame was dropped (counted).
  std::optional<EncodedFrame> encodeOne(WorkerEncoder& encoder, const SourceFrame& frame, uint64_t sequence);
  // The frame copied into a raw pool lease, or nothing when the pool is dry or the frame short (counted).
  std::optional<EncodedFrame> copyRaw(const SourceFrame& frame, uint64_t sequence);
  // Passes a worker's results (the JPEG and the raw copy of one frame, either may be absent)
  // through the sequencer to their slots; `ticket` is the job's place in the order workers took jobs.
  void deliver(uint64_t ticket, std::optional<EncodedFrame> frame, std::optional<EncodedFrame> raw);
  void noteMjpeg(MjpegRepair repair);
  // The test pattern stops drawing only when nothing at all wants its frames.
  void pauseSource();

  std::unique_ptr<CaptureSource> source_;
  int workerCount_;
  int bufferCount_;
  EncodeOptions encode_;
  Callbacks callbacks_;
  std::unique_ptr<EncoderState> encoderState_ = std::make_unique<EncoderState>(EncoderChoice{});
  std::shared_ptr<BufferPool> pool_;
  LatestFrameSlot slot_;
  FpsMeter fps_;
  FrameOutput output_ = FrameOutput::Jpeg;
  // Raw copies: a few buffers of one frame's size, so a caller that keeps its frames runs the pool
  // dry (frames dropped and counted) instead of growing memory.
  std::shared_ptr<BufferPool> rawPool_;
  LatestFrameSlot rawSlot_;

  int stopFd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> paused_{false};
  std::mutex tapMutex_;
  std::shared_ptr<FrameTap> tap_;  // under tapMutex_
  bool started_ = false;
  std::thread captureThread_;
  std::vector<std::thread> workers_;

  // The job slot between the capture thread and the workers.
  std::mutex jobMutex_;
  // Idle workers, the one that went idle last on top. A job goes to the top one: at a camera's
  // rate one worker then encodes nearly every frame with its caches, scratch planes and
  // TurboJPEG state still warm, and the others wake only when it is busy. (A shared condition
  // variable hands jobs round-robin, so every frame met the coldest worker.)
  std::vector<int> idle_;
  struct Wakeup {
    std::condition_variable cv;
    bool signalled = false;
  };
  std::unique_ptr<Wakeup[]> wakeups_;
  std::condition_variable jobTaken_;
  std::optional<std::pair<SourceFrame, uint64_t>> job_;
  int busyWorkers_ = 0;
  std::condition_variable workersIdle_;

  uint64_t tickets_ = 0;  // under jobMutex_

  std::mutex deliverMutex_;
  Sequencer sequencer_;
  // Wakes workers of a source that keeps every frame: their turn came, or JS took the slot's frame.
  std::condition_variable deliverable_;
  uint64_t nextTicket_ = 0;

  std::atomic<uint64_t> captured_{0}, encoded_{0}, delivered_{0}, late_{0}, corrupt_{0}, errors_{0}, pausedDrops_{0};
  std::atomic<uint64_t> encodeNs_{0};
  std::atomic<uint64_t> repaired_{0};
  std::atomic<uint64_t> rawDelivered_{0}, rawLate_{0}, rawPoolDry_{0}, rawErrors_{0};
  TruncationWatch truncation_;
};

}  // namespace turbocam
