#include "pipeline/capture_pipeline.h"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstring>
#include <new>
#include <string>

#include "encoder/leased_jpeg.h"
#include "formats/pixel_format.h"
#include "sources/monotonic_clock.h"

namespace turbocam {

namespace {

constexpr size_t kPooledFramesBetweenCollections = 32;
// Raw copies beyond one per worker: the one waiting in the slot, the one JS works on, and one it
// has not released yet (a frame-difference consumer holding the previous frame).
constexpr size_t kRawFramesHeldByJs = 3;

// Named as µStreamer names its threads, so `top -H` and the bench bill CPU to each stage. Named
// by the creator, so the names are there once start() returns. Linux allows 15 characters; a
// failure only loses the name.
void nameThread(std::thread& thread, const std::string& name) {
  pthread_setname_np(thread.native_handle(), name.substr(0, 15).c_str());
}

}  // namespace

CapturePipeline::CapturePipeline(std::unique_ptr<CaptureSource> source, int workers, int buffers, EncodeOptions encode,
                                 Callbacks callbacks)
    : source_(std::move(source)),
      workerCount_(workers),
      bufferCount_(buffers),
      encode_(encode),
      callbacks_(std::move(callbacks)),
      // JPEG buffers return only when JS's GC collects their Buffers, so the pool covers about a
      // second of frames between collections (right-sized buffers: ~3 MB at 720p). Beyond that a
      // worker encodes into its scratch and passes on a counted copy of exactly the JPEG's bytes.
      pool_(std::make_shared<BufferPool>(static_cast<size_t>(workers) + kPooledFramesBetweenCollections)),
      slot_(pool_),
      rawPool_(std::make_shared<BufferPool>(static_cast<size_t>(workers) + kRawFramesHeldByJs)),
      rawSlot_(rawPool_) {
  encode_.subsampling = JpegEncoder::captureSubsampling(source_->format().format, encode.subsampling);
}

CapturePipeline::~CapturePipeline() { stop(); }

void CapturePipeline::useOutput(FrameOutput output) {
  if (output != FrameOutput::Jpeg && source_->format().format == PixelFormat::MJPEG) {
    throw Error(
        "ERR_UNSUPPORTED_FORMAT",
        source_->format().name + " gives mjpeg; raw output needs a raw pixel format (format: 'yuyv', 'nv12', ...)",
        source_->format().name);
  }
  output_ = output;
}

void CapturePipeline::start() {
  stopFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stopFd_ < 0) throw errnoError(errno, "eventfd");
  if (encoderState_->hardware()) source_->shareBuffers();
  source_->start(bufferCount_);
  started_ = true;
  wakeups_ = std::make_unique<Wakeup[]>(static_cast<size_t>(workerCount_));
  idle_.reserve(static_cast<size_t>(workerCount_));
  for (int i = 0; i < workerCount_; i++) {
    workers_.emplace_back([this, i] { workerLoop(i); });
    nameThread(workers_.back(), "tc-enc-" + std::to_string(i));
  }
  {
    // Capture starts once every worker is parked on the idle stack, so the first frame finds one
    // waiting instead of sitting in the slot until a new thread gets going (and being replaced).
    std::unique_lock<std::mutex> lock(jobMutex_);
    workersIdle_.wait(lock, [this] { return idle_.size() == static_cast<size_t>(workerCount_); });
  }
  captureThread_ = std::thread([this] { captureLoop(); });
  nameThread(captureThread_, "tc-capture");
}

void CapturePipeline::stop() {
  if (!started_) {
    if (stopFd_ >= 0) close(stopFd_);
    stopFd_ = -1;
    return;
  }
  started_ = false;
  stopping_ = true;
  uint64_t one = 1;
  if (write(stopFd_, &one, sizeof one) < 0) {
    // The eventfd cannot be full after one write; nothing else to do.
  }
  {
    std::lock_guard<std::mutex> lock(jobMutex_);
    for (int i = 0; i < workerCount_; i++) wakeups_[i].cv.notify_all();
    jobTaken_.notify_all();
    workersIdle_.notify_all();
  }
  {
    std::lock_guard<std::mutex> lock(deliverMutex_);
    deliverable_.notify_all();
  }
  if (captureThread_.joinable()) captureThread_.join();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
  if (job_) {
    source_->release(job_->first.index);
    job_.reset();
  }
  source_->stop();
  slot_.clear();
  rawSlot_.clear();
  close(stopFd_);
  stopFd_ = -1;
}

void CapturePipeline::captureLoop() {
  uint64_t sequence = 0;
  while (!stopping_) {
    if (source_->drawsFrames() || source_->keepsEveryFrame()) {
      std::unique_lock<std::mutex> lock(jobMutex_);
      jobTaken_.wait(lock, [this] { return stopping_ || !job_; });
      if (stopping_) break;
    }
    SourceFrame frame;
    try {
      if (!source_->next(&frame, stopFd_)) break;
    } catch (const Error& error) {
      // Let the frames already captured reach JS before the failure does (the last frames of a
      // pipe, say): the hand-off delivers calls in order.
      {
        std::unique_lock<std::mutex> lock(jobMutex_);
        workersIdle_.wait(lock, [this] { return stopping_ || (!job_ && busyWorkers_ == 0); });
      }
      if (!stopping_ && callbacks_.failed) callbacks_.failed(error);
      break;
    }
    captured_++;
    std::shared_ptr<FrameTap> tap;
    {
      std::lock_guard<std::mutex> lock(tapMutex_);
      tap = tap_;
    }
    if (tap) tap->offer(frame);
    // Paused, raw output goes on: only the JPEGs stop (a served camera pauses when its last viewer
    // leaves, and its raw consumers must not notice).
    if (paused_ && output_ == FrameOutput::Jpeg) {
      source_->release(frame.index);
      pausedDrops_++;
      sequence++;
      continue;
    }
    std::lock_guard<std::mutex> lock(jobMutex_);
    if (job_) {
      // Every worker is busy and a newer frame is here: the waiting one would only add latency.
      source_->release(job_->first.index);
      if (output_ != FrameOutput::Raw) late_++;
      if (output_ != FrameOutput::Jpeg) rawLate_++;
    }
    job_.emplace(frame, sequence++);
    wakeOneWorker();
  }
}

void CapturePipeline::wakeOneWorker() {
  if (idle_.empty()) return;  // all busy: the first to finish takes the job
  Wakeup& wakeup = wakeups_[idle_.back()];
  idle_.pop_back();
  wakeup.signalled = true;
  wakeup.cv.notify_one();
}

void CapturePipeline::workerLoop(int index) {
  WorkerEncoder encoder(*encoderState_, encode_, source_->format().fps, callbacks_.warned);
  Wakeup& wakeup = wakeups_[index];
  for (;;) {
    std::pair<SourceFrame, uint64_t> job;
    uint64_t ticket = 0;
    {
      std::unique_lock<std::mutex> lock(jobMutex_);
      // Woken for a job another worker took first: back on top of the idle stack.
      while (!stopping_ && !job_) {
        idle_.push_back(index);
        workersIdle_.notify_all();
        wakeup.cv.wait(lock, [&] { return stopping_ || wakeup.signalled; });
        wakeup.signalled = false;
      }
      if (stopping_) return;
      job = *job_;
      job_.reset();
      busyWorkers_++;
      ticket = tickets_++;
    }
    jobTaken_.notify_one();
    std::optional<EncodedFrame> raw;
    if (output_ != FrameOutput::Jpeg) raw = copyRaw(job.first, job.second);
    std::optional<EncodedFrame> jpeg;
    if (output_ == FrameOutput::Raw) {
      source_->release(job.first.index);
    } else if (paused_) {
      source_->release(job.first.index);
      pausedDrops_++;
    } else {
      jpeg = encodeOne(encoder, job.first, job.second);
    }
    deliver(ticket, std::move(jpeg), std::move(raw));
    std::lock_guard<std::mutex> lock(jobMutex_);
    if (--busyWorkers_ == 0 && !job_) workersIdle_.notify_all();
  }
}

std::optional<EncodedFrame> CapturePipeline::encodeOne(WorkerEncoder& encoder, const SourceFrame& frame,
                                                       uint64_t sequence) {
  const CaptureFormat& fmt = source_->format();
  BufferPool::Lease lease;
  size_t length = 0;
  auto begin = std::chrono::steady_clock::now();
  try {
    LeasedJpeg jpeg;
    if (fmt.format == PixelFormat::MJPEG) {
      MjpegRepair repair = MjpegRepair::None;
      try {
        jpeg = normaliseToLease(encoder.cpu(), *pool_, frame.data, frame.size, encode_.allowTruncated, &repair,
                                encode_.orientation);
      } catch (const Error&) {
        noteMjpeg(repair);
        throw;
      }
      noteMjpeg(repair);
      if (repair != MjpegRepair::None) repaired_++;
    } else {
      RawFrame raw;
      raw.data = frame.data;
      raw.size = frame.size;
      raw.width = fmt.width;
      raw.height = fmt.height;
      raw.format = fmt.format;
      raw.stride = fmt.stride;
      raw.dmabuf = frame.dmabuf;
      jpeg = encoder.encodeRaw(*pool_, raw, encode_);
      encodeNs_ += static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - begin).count());
    }
    lease = leaseOf(*pool_, jpeg);
    length = jpeg.length;
  } catch (const Error& error) {
    source_->release(frame.index);
    (error.code() == "ERR_CORRUPT_FRAME" ? corrupt_ : errors_)++;
    return std::nullopt;
  } catch (const std::bad_alloc&) {
    source_->release(frame.index);
    errors_++;
    return std::nullopt;
  }
  source_->release(frame.index);
  encoded_++;
  EncodedFrame out;
  out.lease = lease;
  out.length = length;
  out.sequence = sequence;
  out.timestampMs = frame.timestampMs;
  return out;
}

std::optional<EncodedFrame> CapturePipeline::copyRaw(const SourceFrame& frame, uint64_t sequence) {
  const CaptureFormat& fmt = source_->format();
  const size_t length = minFrameSize(fmt.format, fmt.width, fmt.height, fmt.stride);
  if (frame.size < length) {
    rawErrors_++;
    return std::nullopt;
  }
  BufferPool::Lease lease = rawPool_->tryAcquire(length);
  if (lease.data == nullptr) {
    rawPoolDry_++;
    return std::nullopt;
  }
  std::memcpy(lease.data, frame.data, length);
  EncodedFrame out;
  out.lease = lease;
  out.length = length;
  out.sequence = sequence;
  out.timestampMs = frame.timestampMs;
  return out;
}

void CapturePipeline::deliver(uint64_t ticket, std::optional<EncodedFrame> frame, std::optional<EncodedFrame> raw) {
  std::unique_lock<std::mutex> lock(deliverMutex_);
  bool keepEvery = source_->keepsEveryFrame();
  // A source whose every frame counts waits its turn, so a frame that finished after a newer one
  // (its worker was preempted, say) goes first instead of being dropped as late; and waits for JS
  // to take the previous frame instead of replacing it. The wait reaches the pipe's writer
  // through the capture thread, which reads the next frame only once a worker is free.
  if (keepEvery) deliverable_.wait(lock, [&] { return stopping_ || nextTicket_ == ticket; });
  // A frame's JPEG and raw copy share its sequence number: admitted or dropped together.
  if ((frame || raw) && !sequencer_.admit(frame ? frame->sequence : raw->sequence)) {
    if (frame) {
      pool_->release(frame->lease);
      late_++;
      frame.reset();
    }
    if (raw) {
      rawPool_->release(raw->lease);
      rawLate_++;
      raw.reset();
    }
  }
  if ((frame || raw) && keepEvery) {
    deliverable_.wait(lock,
                      [&] { return stopping_ || ((!frame || !slot_.occupied()) && (!raw || !rawSlot_.occupied())); });
  }
  if (stopping_) {
    if (frame) pool_->release(frame->lease);
    if (raw) rawPool_->release(raw->lease);
    frame.reset();
    raw.reset();
  }
  // One wake-up takes both slots (napi/camera_binding.cc), so one is enough for the pair.
  bool wake = raw && rawSlot_.put(std::move(*raw));
  if (frame && slot_.put(std::move(*frame))) wake = true;
  // The next ticket's turn comes only once this one's frame is in the slot, so they cannot swap.
  nextTicket_ = ticket + 1;
  if (keepEvery) deliverable_.notify_all();
  lock.unlock();
  // Woken outside the lock: the wake-up is a system call, and the JS thread it wakes takes this
  // lock at once (takeFrame), so inside it the JS thread would sleep again until the call is over.
  if (wake && callbacks_.frameReady) callbacks_.frameReady();
}

void CapturePipeline::noteMjpeg(MjpegRepair repair) {
  if (truncation_.note(repair == MjpegRepair::Truncated) && !encode_.allowTruncated && callbacks_.warned) {
    callbacks_.warned(Error("ERR_TRUNCATED_FRAMES",
                            source_->format().name + ": most MJPEG frames are cut short inside the scan and dropped; "
                                                     "--allow-truncated-frames (allowTruncatedFrames) serves them",
                            source_->format().name));
  }
}

void CapturePipeline::setPaused(bool paused) {
  paused_ = paused;
  pauseSource();
}

void CapturePipeline::setFrameTap(std::shared_ptr<FrameTap> tap) {
  {
    std::lock_guard<std::mutex> lock(tapMutex_);
    tap_ = std::move(tap);
  }
  pauseSource();
}

void CapturePipeline::pauseSource() {
  bool tapped;
  {
    std::lock_guard<std::mutex> lock(tapMutex_);
    tapped = tap_ != nullptr;
  }
  // The test pattern stops drawing while paused: only when no raw frames (nor H.264) want it.
  source_->setPaused(paused_ && output_ == FrameOutput::Jpeg && !tapped);
}

std::optional<EncodedFrame> CapturePipeline::takeFrame() {
  std::optional<EncodedFrame> frame = slot_.take();
  if (frame && source_->keepsEveryFrame()) {
    std::lock_guard<std::mutex> lock(deliverMutex_);
    deliverable_.notify_all();
  }
  if (frame) {
    delivered_++;
    fps_.tick(monotonicMs());
  }
  return frame;
}

std::optional<EncodedFrame> CapturePipeline::takeRawFrame() {
  std::optional<EncodedFrame> frame = rawSlot_.take();
  if (frame && source_->keepsEveryFrame()) {
    std::lock_guard<std::mutex> lock(deliverMutex_);
    deliverable_.notify_all();
  }
  if (frame) rawDelivered_++;
  return frame;
}

PipelineStats CapturePipeline::stats() {
  PipelineStats s;
  SourceCounters sc = source_->counters();
  s.captured = captured_ + sc.superseded;
  s.encoded = encoded_;
  s.delivered = delivered_;
  s.droppedBusy = slot_.replaced();
  s.droppedLate = late_ + sc.superseded;
  s.droppedCorrupt = corrupt_;
  s.repaired = repaired_;
  s.droppedError = errors_ + sc.errors;
  s.droppedPaused = pausedDrops_;
  s.paused = paused_;
  s.fps = fps_.fps(monotonicMs());
  bool raw = source_->format().format != PixelFormat::MJPEG;
  s.pool = pool_->stats();
  s.encoder = encoderState_->choice();
  s.hardwareEncoding = encoderState_->hardware();
  s.encoderFallback = encoderState_->fallbackReason();
  s.hardwareFrames = encoderState_->hardwareFrames;
  s.encoderCopies = encoderState_->copies;
  s.encoderZeroCopy = encoderState_->zeroCopy;
  s.encoderControlsSet = encoderState_->controlsSet();
  s.encoderControlsUnsupported = encoderState_->controlsUnsupported();
  s.output = output_;
  s.raw.delivered = rawDelivered_;
  s.raw.droppedBusy = rawSlot_.replaced();
  // Frames the source dropped before the pipeline saw them are lost to both outputs.
  const bool wantsRaw = output_ != FrameOutput::Jpeg;
  s.raw.droppedLate = rawLate_ + (wantsRaw ? sc.superseded : 0);
  s.raw.droppedPool = rawPoolDry_;
  s.raw.droppedError = rawErrors_ + (wantsRaw ? sc.errors : 0);
  s.raw.pool = rawPool_->stats();
  s.encodeMs = raw && s.encoded > 0 ? static_cast<double>(encodeNs_) / 1e6 / static_cast<double>(s.encoded) : 0;
  return s;
}

}  // namespace turbocam
