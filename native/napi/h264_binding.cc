// A camera's H.264 units reach JS through a thread-safe function of their own, woken once per
// batch (the stream's queue holds the units, so at most one call is ever pending).
#include "napi/h264_binding.h"

#include <optional>
#include <string>

#include "error.h"
#include "napi/bindings.h"
#include "napi/js_error.h"
#include "napi/promise_worker.h"
#include "pipeline/h264_stream.h"

namespace turbocam {

namespace {

struct Wake {
  std::optional<Error> failure;
};

void callUnits(Napi::Env env, Napi::Function onUnit, std::shared_ptr<H264Session>* context, Wake* wake);

using H264Tsfn = Napi::TypedThreadSafeFunction<std::shared_ptr<H264Session>, Wake, callUnits>;

}  // namespace

struct H264Session {
  std::shared_ptr<H264Stream> stream;
  Napi::FunctionReference onError;
  H264Tsfn tsfn;
  bool stopped = false;  // JS thread: set by stop and close, after which nothing reaches JS
};

namespace {

void callUnits(Napi::Env env, Napi::Function onUnit, std::shared_ptr<H264Session>* context, Wake* wake) {
  std::unique_ptr<Wake> owned(wake);
  if (env == nullptr) return;
  H264Session& session = **context;
  guardJs(env, [&] {
    if (session.stopped) return;
    if (owned && owned->failure) {
      if (!session.onError.IsEmpty()) session.onError.Call({toJsError(env, *owned->failure).Value()});
      return;
    }
    for (H264Unit& unit : session.stream->takeUnits()) {
      // onUnit may stop the stream: the rest of the batch is then not delivered.
      if (session.stopped) return;
      onUnit.Call({Napi::Buffer<uint8_t>::Copy(env, unit.data.data(), unit.data.size()),
                   Napi::Boolean::New(env, unit.keyframe), Napi::Number::New(env, unit.timestampMs),
                   Napi::Number::New(env, static_cast<double>(unit.sequence))});
    }
  });
}

int intSetting(const Napi::Object& settings, const char* name, int fallback) {
  Napi::Value value = settings.Get(name);
  return value.IsNumber() ? value.As<Napi::Number>().Int32Value() : fallback;
}

// src/validate.ts checks the values; this maps them and refuses what would be unsafe.
H264Request parseSettings(const Napi::Object& settings) {
  H264Request request;
  Napi::Value encoder = settings.Get("encoder");
  if (encoder.IsString()) request.encoder = encoder.As<Napi::String>().Utf8Value();
  Napi::Value device = settings.Get("device");
  if (device.IsString()) request.device = device.As<Napi::String>().Utf8Value();
  request.bitrateKbps = intSetting(settings, "bitrateKbps", request.bitrateKbps);
  request.keyframeInterval = intSetting(settings, "keyframeInterval", request.keyframeInterval);
  if (request.encoder != "auto" && request.encoder != "openh264" && request.encoder != "m2m")
    throw Error("ERR_INVALID_ARG", "h264.encoder wants auto, openh264 or m2m, got '" + request.encoder + "'");
  if (request.bitrateKbps < 1 || request.keyframeInterval < 1)
    throw Error("ERR_INVALID_ARG", "h264.bitrateKbps and h264.keyframeInterval must be positive");
  return request;
}

Napi::Object availabilityToJs(Napi::Env env, const VideoEncoderAvailability& a) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("available", a.available);
  out.Set("encoder", a.available ? Napi::Value(Napi::String::New(env, a.encoder)) : env.Null());
  if (!a.available) out.Set("reason", a.reason);
  return out;
}

// h264Availability(encoder = 'auto'): whether that encoder can be had, without a camera.
Napi::Value H264Availability(const Napi::CallbackInfo& info) {
  const std::string encoder = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "auto";
  return availabilityToJs(info.Env(), h264EncoderAvailability(encoder));
}

CapturePipeline& livePipeline(CameraState& state) {
  if (state.closed || !state.pipeline) throw Error("ERR_CLOSED", "camera is closed");
  return *state.pipeline;
}

}  // namespace

Napi::Value h264Start(CameraState& state, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsFunction() || !info[2].IsFunction())
    throw Error("ERR_INVALID_ARG", "startH264(settings, onUnit, onError)");
  CapturePipeline& pipeline = livePipeline(state);
  if (state.h264) throw Error("ERR_INVALID_ARG", "startH264: the H.264 stream is already running");
  const H264Request request = parseSettings(info[0].As<Napi::Object>());
  const CaptureFormat format = pipeline.format();
  const Orientation orientation = pipeline.encodeOptions().orientation;
  H264Stream::EncoderFactory makeEncoder = [request, format, orientation](int width, int height) {
    CaptureFormat sized = format;
    sized.width = width;
    sized.height = height;
    return makeH264Encoder(request, sized, orientation);
  };

  auto session = std::make_shared<H264Session>();
  session->onError = Napi::Persistent(info[2].As<Napi::Function>());
  auto* context = new std::shared_ptr<H264Session>(session);
  session->tsfn = H264Tsfn::New(env, info[1].As<Napi::Function>(), "turbocam-h264", 0, 1, context,
                                [](Napi::Env, void*, std::shared_ptr<H264Session>* ctx) { delete ctx; });
  H264Tsfn tsfn = session->tsfn;
  H264Stream::Callbacks callbacks;
  callbacks.unitsReady = [tsfn]() mutable { tsfn.NonBlockingCall(static_cast<Wake*>(nullptr)); };
  callbacks.failed = [tsfn](const Error& error) mutable { tsfn.NonBlockingCall(new Wake{error}); };
  session->stream = std::make_shared<H264Stream>(format, std::move(makeEncoder), std::move(callbacks));
  session->stream->start();
  pipeline.setFrameTap(session->stream);
  state.h264 = session;
  return env.Undefined();
}

std::shared_ptr<H264Session> detachH264(CameraState& state) {
  std::shared_ptr<H264Session> session = std::move(state.h264);
  state.h264.reset();
  if (!session) return session;
  session->stopped = true;
  if (state.pipeline) state.pipeline->setFrameTap(nullptr);
  return session;
}

void stopDetachedH264(H264Session& session) { session.stream->stop(); }

void releaseH264(H264Session& session) {
  // The stream's thread has been joined: nothing calls the thread-safe function any more.
  session.tsfn.Release();
  session.onError.Reset();
}

Napi::Value h264Stop(CameraState& state, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<H264Session> session = detachH264(state);
  if (!session) {
    auto deferred = Napi::Promise::Deferred::New(env);
    deferred.Resolve(env.Undefined());
    return deferred.Promise();
  }
  return PromiseWorker::run(
      env, [session] { stopDetachedH264(*session); },
      [session](Napi::Env e) {
        releaseH264(*session);
        return e.Undefined();
      },
      [session] { releaseH264(*session); });
}

Napi::Value h264RequestKeyframe(CameraState& state, const Napi::CallbackInfo& info) {
  if (state.h264) state.h264->stream->requestKeyframe();
  return info.Env().Undefined();
}

Napi::Value h264StatsOf(CameraState& state, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  H264StreamStats s = state.h264 ? state.h264->stream->stats() : H264StreamStats{};
  Napi::Object out = Napi::Object::New(env);
  out.Set("running", s.running);
  out.Set("encoder", state.h264 ? Napi::Value(Napi::String::New(env, state.h264->stream->encoderName())) : env.Null());
  out.Set("units", static_cast<double>(s.units));
  out.Set("keyframes", static_cast<double>(s.keyframes));
  out.Set("forcedKeyframes", static_cast<double>(s.forcedKeyframes));
  out.Set("bytes", static_cast<double>(s.bytes));
  out.Set("bitrateKbps", s.bitrateKbps);
  Napi::Object dropped = Napi::Object::New(env);
  dropped.Set("frames", static_cast<double>(s.droppedFrames));
  dropped.Set("units", static_cast<double>(s.droppedUnits));
  out.Set("dropped", dropped);
  out.Set("encodeMs", s.encodeMs);
  return out;
}

void InitH264(Napi::Env env, Napi::Object exports) {
  exports.Set("h264Availability", Napi::Function::New(env, guarded<H264Availability>, "h264Availability"));
}

}  // namespace turbocam
