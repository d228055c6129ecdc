#include "pipeline/capture_pipeline.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <new>

#include "encoder/leased_jpeg.h"
#include "sources/monotonic_clock.h"

namespace turbocam {

namespace {

constexpr size_t kPooledFramesBetweenCollections = 32;

}  // namespace

CapturePipeline::CapturePipeline(std::unique_ptr<CaptureSource> source, int workers, int buffers,
                                 EncodeOptions encode, Callbacks callbacks)
    : source_(std::move(source)),
      workerCount_(workers),
      bufferCount_(buffers),
      encode_(encode),
      callbacks_(std::move(callbacks)),
      // JPEG buffers return only when JS's GC collects their Buffers, so the pool covers about a
      // second of frames between collections (right-sized buffers: ~3 MB at 720p). Beyond that a
      // worker encodes into its scratch and passes on a counted copy of exactly the JPEG's bytes.
      pool_(std::make_shared<BufferPool>(static_cast<size_t>(workers) + kPooledFramesBetweenCollections)),
      slot_(pool_) {}

CapturePipeline::~CapturePipeline() { stop(); }

void CapturePipeline::start() {
  stopFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stopFd_ < 0) throw errnoError(errno, "eventfd");
  source_->start(bufferCount_);
  started_ = true;
  for (int i = 0; i < workerCount_; i++) workers_.emplace_back([this] { workerLoop(); });
  captureThread_ = std::thread([this] { captureLoop(); });
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
    jobReady_.notify_all();
    jobTaken_.notify_all();
    workersIdle_.notify_all();
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
  close(stopFd_);
  stopFd_ = -1;
}

void CapturePipeline::captureLoop() {
  uint64_t sequence = 0;
  while (!stopping_) {
    if (source_->drawsFrames()) {
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
    if (paused_) {
      source_->release(frame.index);
      pausedDrops_++;
      sequence++;
      continue;
    }
    std::lock_guard<std::mutex> lock(jobMutex_);
    if (job_) {
      // Every worker is busy and a newer frame is here: the waiting one would only add latency.
      source_->release(job_->first.index);
      late_++;
    }
    job_.emplace(frame, sequence++);
    jobReady_.notify_one();
  }
}

void CapturePipeline::workerLoop() {
  JpegEncoder encoder;
  for (;;) {
    std::pair<SourceFrame, uint64_t> job;
    {
      std::unique_lock<std::mutex> lock(jobMutex_);
      jobReady_.wait(lock, [this] { return stopping_ || job_.has_value(); });
      if (stopping_) return;
      job = *job_;
      job_.reset();
      busyWorkers_++;
    }
    jobTaken_.notify_one();
    encodeOne(encoder, job.first, job.second);
    std::lock_guard<std::mutex> lock(jobMutex_);
    if (--busyWorkers_ == 0 && !job_) workersIdle_.notify_all();
  }
}

void CapturePipeline::encodeOne(JpegEncoder& encoder, const SourceFrame& frame, uint64_t sequence) {
  const CaptureFormat& fmt = source_->format();
  BufferPool::Lease lease;
  size_t length = 0;
  auto begin = std::chrono::steady_clock::now();
  try {
    LeasedJpeg jpeg;
    if (fmt.format == PixelFormat::MJPEG) {
      MjpegRepair repair = MjpegRepair::None;
      try {
        jpeg = normaliseToLease(encoder, *pool_, frame.data, frame.size, encode_.allowTruncated, &repair);
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
      jpeg = encodeToLease(encoder, *pool_, raw, encode_);
      encodeNs_ += static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - begin).count());
    }
    lease = leaseOf(*pool_, jpeg);
    length = jpeg.length;
  } catch (const Error& error) {
    source_->release(frame.index);
    (error.code() == "ERR_CORRUPT_FRAME" ? corrupt_ : errors_)++;
    return;
  } catch (const std::bad_alloc&) {
    source_->release(frame.index);
    errors_++;
    return;
  }
  source_->release(frame.index);
  encoded_++;

  std::lock_guard<std::mutex> lock(deliverMutex_);
  if (!sequencer_.admit(sequence)) {
    pool_->release(lease);
    late_++;
    return;
  }
  EncodedFrame out;
  out.lease = lease;
  out.length = length;
  out.sequence = sequence;
  out.timestampMs = frame.timestampMs;
  if (slot_.put(std::move(out)) && callbacks_.frameReady) callbacks_.frameReady();
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
  source_->setPaused(paused);
}

std::optional<EncodedFrame> CapturePipeline::takeFrame() {
  std::optional<EncodedFrame> frame = slot_.take();
  if (frame) {
    delivered_++;
    fps_.tick(monotonicMs());
  }
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
  s.encodeMs = raw && s.encoded > 0 ? static_cast<double>(encodeNs_) / 1e6 / static_cast<double>(s.encoded) : 0;
  return s;
}

}  // namespace turbocam
