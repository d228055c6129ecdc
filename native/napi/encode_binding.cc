// `encode` (async, on the libuv pool), `encodeSync`, `testPattern` and `encoderStats`: the
// encoder as JS calls it directly. Arguments arrive already type-checked by src/encode.ts.
#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "encoder/jpeg_encoder.h"
#include "encoder/leased_jpeg.h"
#include "napi/bindings.h"
#include "napi/external_buffer.h"
#include "napi/js_error.h"
#include "pool/buffer_pool.h"
#include "sources/testsrc/test_pattern.h"

namespace turbocam {

namespace {

// Enough for every libuv worker plus JPEGs JS still holds; beyond that frames are served as
// counted copies of exactly the JPEG's bytes.
constexpr size_t kPoolBuffers = 32;

std::shared_ptr<BufferPool> encodePool() {
  static const std::shared_ptr<BufferPool> pool = std::make_shared<BufferPool>(kPoolBuffers);
  return pool;
}

std::atomic<uint64_t> corruptFrames{0};

// A tjhandle per thread: libuv workers and the JS thread each keep theirs.
JpegEncoder& threadEncoder() {
  thread_local JpegEncoder encoder;
  return encoder;
}

struct EncodeJob {
  RawFrame frame;
  EncodeOptions options;
};

PixelFormat formatArg(const Napi::Value& value) {
  const std::string name = value.As<Napi::String>().Utf8Value();
  const PixelFormatInfo* info = findFormatByName(name);
  if (info == nullptr) throw Error("ERR_UNSUPPORTED_FORMAT", "unknown pixel format '" + name + "'");
  return info->format;
}

Subsampling subsamplingArg(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return Subsampling::Auto;
  const std::string name = value.As<Napi::String>().Utf8Value();
  const SubsamplingInfo* info = findSubsamplingByName(name);
  if (info == nullptr) throw Error("ERR_INVALID_ARG", "unknown subsampling '" + name + "' (444, 422, 420 or gray)");
  return info->subsampling;
}

Orientation orientationArgs(const Napi::Value& rotate, const Napi::Value& flip) {
  const int degrees = rotate.IsNumber() ? rotate.As<Napi::Number>().Int32Value() : 0;
  const std::string f = flip.IsString() ? flip.As<Napi::String>().Utf8Value() : "";
  if (f.size() > 1) throw Error("ERR_INVALID_ARG", "flip wants h or v, got '" + f + "'");
  return orientationOf(degrees, f.empty() ? 0 : f[0]);
}

// (data, width, height, format, quality, subsampling, stride, rotate, flip)
EncodeJob jobFromArgs(const Napi::CallbackInfo& info) {
  const auto data = info[0].As<Napi::Uint8Array>();
  EncodeJob job;
  job.frame.data = data.Data();
  job.frame.size = data.ByteLength();
  job.frame.width = info[1].As<Napi::Number>().Int32Value();
  job.frame.height = info[2].As<Napi::Number>().Int32Value();
  job.frame.format = formatArg(info[3]);
  job.options.quality = info[4].As<Napi::Number>().Int32Value();
  job.options.subsampling = subsamplingArg(info[5]);
  job.frame.stride = info[6].IsNumber() ? static_cast<size_t>(info[6].As<Napi::Number>().Int64Value()) : 0;
  job.options.orientation = orientationArgs(info[7], info[8]);
  if (job.frame.format != PixelFormat::MJPEG) JpegEncoder::validate(job.frame, job.options);
  return job;
}

// Runs on whichever thread calls it.
LeasedJpeg runJob(const EncodeJob& job) {
  BufferPool& pool = *encodePool();
  if (job.frame.format != PixelFormat::MJPEG) return encodeToLease(threadEncoder(), pool, job.frame, job.options);
  try {
    return normaliseToLease(threadEncoder(), pool, job.frame.data, job.frame.size, false, nullptr,
                            job.options.orientation);
  } catch (const Error& e) {
    if (e.code() == "ERR_CORRUPT_FRAME") corruptFrames++;
    throw;
  }
}

class EncodeWorker : public Napi::AsyncWorker {
 public:
  EncodeWorker(Napi::Env env, const Napi::Object& input, EncodeJob job)
      : Napi::AsyncWorker(env, "turbocam:encode"),
        deferred_(Napi::Promise::Deferred::New(env)),
        input_(Napi::Persistent(input)),
        job_(job) {}

  ~EncodeWorker() override {
    if (lease_.data != nullptr) encodePool()->release(lease_);
  }

  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      // The worker thread's scratch is reused by its next job: a frame that found the pool
      // exhausted leaves it as a copy.
      const LeasedJpeg jpeg = runJob(job_);
      lease_ = leaseOf(*encodePool(), jpeg);
      length_ = jpeg.length;
    } catch (...) {
      error_ = caughtError();
      SetError(error_->what());
    }
  }

  void OnOK() override {
    const BufferPool::Lease lease = lease_;
    lease_ = BufferPool::Lease{};  // the Buffer's finalizer owns it from here
    deferred_.Resolve(leaseToBuffer(Env(), encodePool(), lease, length_));
  }

  void OnError(const Napi::Error&) override {
    deferred_.Reject(toJsError(Env(), error_ ? *error_ : Error("ERR_ENCODE", "encode failed")).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference input_;  // keeps the frame's memory alive while a worker reads it
  EncodeJob job_;
  BufferPool::Lease lease_;
  size_t length_ = 0;
  std::optional<Error> error_;
};

Napi::Value Encode(const Napi::CallbackInfo& info) {
  EncodeJob job = jobFromArgs(info);
  auto* worker = new EncodeWorker(info.Env(), info[0].As<Napi::Object>(), job);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

Napi::Value EncodeSync(const Napi::CallbackInfo& info) {
  const EncodeJob job = jobFromArgs(info);
  const LeasedJpeg jpeg = runJob(job);
  if (jpeg.lease.data == nullptr) return Napi::Buffer<uint8_t>::Copy(info.Env(), jpeg.scratch, jpeg.length);
  return leaseToBuffer(info.Env(), encodePool(), jpeg.lease, jpeg.length);
}

// (width, height, format, frameIndex) -> Buffer, rendered straight into the Buffer's memory.
Napi::Value TestPattern(const Napi::CallbackInfo& info) {
  const int width = info[0].As<Napi::Number>().Int32Value();
  const int height = info[1].As<Napi::Number>().Int32Value();
  const PixelFormat format = formatArg(info[2]);
  const int64_t frame = info[3].As<Napi::Number>().Int64Value();
  const size_t size = testPatternSize(format, width, height);
  auto buffer = Napi::Buffer<uint8_t>::New(info.Env(), size);
  renderTestPattern(format, width, height, static_cast<uint64_t>(frame), buffer.Data());
  return buffer;
}

// Same arguments as encodeSync -> the planes an oriented raw frame is compressed from:
// { width, height, samp, planes: [{ width, height, data }] }. For tests, which compare them
// with a reference rotation pixel for pixel.
Napi::Value OrientedPlanesForTest(const Napi::CallbackInfo& info) {
  const EncodeJob job = jobFromArgs(info);
  if (job.frame.format == PixelFormat::MJPEG) throw Error("ERR_UNSUPPORTED_FORMAT", "mjpeg frames have no planes");
  const OrientedPlanes p = threadEncoder().orient(job.frame, job.options);
  const Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("width", p.width);
  out.Set("height", p.height);
  out.Set("samp", p.samp);
  Napi::Array planes = Napi::Array::New(env);
  // Each plane's rows are packed (stride = its row's bytes): 3 bytes a pixel for rgb24/bgr24.
  for (uint32_t i = 0; i < 3 && p.planes[i] != nullptr; i++) {
    const size_t rowBytes = static_cast<size_t>(p.strides[i]);
    Napi::Object plane = Napi::Object::New(env);
    plane.Set("width", p.planeWidth[i]);
    plane.Set("height", p.planeHeight[i]);
    plane.Set("data", Napi::Buffer<uint8_t>::Copy(env, p.planes[i], rowBytes * static_cast<size_t>(p.planeHeight[i])));
    planes.Set(i, plane);
  }
  out.Set("planes", planes);
  return out;
}

Napi::Value EncoderStats(const Napi::CallbackInfo& info) {
  Napi::Object stats = Napi::Object::New(info.Env());
  stats.Set("pool", poolStatsToJs(info.Env(), encodePool()->stats()));
  stats.Set("corruptFrames", static_cast<double>(corruptFrames.load()));
  return stats;
}

}  // namespace

void InitEncode(Napi::Env env, Napi::Object exports) {
  exports.Set("encode", Napi::Function::New(env, guarded<Encode>, "encode"));
  exports.Set("encodeSync", Napi::Function::New(env, guarded<EncodeSync>, "encodeSync"));
  exports.Set("testPattern", Napi::Function::New(env, guarded<TestPattern>, "testPattern"));
  exports.Set("encoderStats", Napi::Function::New(env, guarded<EncoderStats>, "encoderStats"));
  exports.Set("orientedPlanesForTest",
              Napi::Function::New(env, guarded<OrientedPlanesForTest>, "orientedPlanesForTest"));
}

}  // namespace turbocam
