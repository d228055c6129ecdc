// `openCapture(options, onFrame, onFailure, onRawFrame?)`: the native half of src/camera.ts.
// Opening and closing run on the libuv pool. Frames wait in the pipeline's latest-frame slots
// (JPEG and raw), and a JsWake (napi/js_wake.h) tells the JS thread to take them, so at most one
// delivery each is ever pending; failures and warnings, rare, come through a thread-safe function.
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "error.h"
#include "napi/addon_data.h"
#include "napi/bindings.h"
#include "napi/camera_state.h"
#include "napi/capture_options.h"
#include "napi/external_buffer.h"
#include "napi/h264_binding.h"
#include "napi/js_error.h"
#include "napi/js_wake.h"
#include "napi/promise_worker.h"
#include "pipeline/capture_pipeline.h"
#include "pipeline/open_source.h"
#include "sources/v4l2/controls.h"
#include "sources/v4l2/v4l2_device.h"

namespace turbocam {

namespace {

// Sets the device's own flips (or rotate control) when together they give the whole orientation,
// which then costs nothing; false (and nothing set) when they cannot. Turns that trade width and
// height are left to the encoder: the format was negotiated at the unturned size.
bool orientOnDevice(const V4l2Device& device, Orientation o) {
  if (o == Orientation::None || swapsAxes(o)) return false;
  const std::vector<ControlDescription> list = listControls(device);
  auto usable = [&](const char* name, int64_t value) {
    for (const ControlDescription& c : list) {
      if (c.name == name)
        return !c.readOnly && !c.disabled && value >= c.min && value <= c.max &&
               (c.step <= 1 || (value - c.min) % static_cast<int64_t>(c.step) == 0);
    }
    return false;
  };
  std::vector<std::pair<const char*, int64_t>> plan;
  if (o == Orientation::FlipH)
    plan = {{"horizontal_flip", 1}};
  else if (o == Orientation::FlipV)
    plan = {{"vertical_flip", 1}};
  else if (usable("rotate", 180))
    plan = {{"rotate", 180}};
  else
    plan = {{"horizontal_flip", 1}, {"vertical_flip", 1}};
  for (const auto& [name, value] : plan) {
    if (!usable(name, value)) return false;
  }
  for (const auto& [name, value] : plan) setControl(device, name, value);
  return true;
}

struct Failure {
  Error error;
  bool warning = false;  // capture goes on: reported, not a failure
};

// On the JS thread, when a JsWake says frames wait: hands over what the slots hold.
void deliverFrames(Napi::Env env, CameraState& state) {
  guardJs(env, [&] {
    if (state.closed || !state.pipeline) return;
    // One wake-up serves both slots: the pipeline puts a frame's raw copy first, then its JPEG.
    if (!state.onRawFrame.IsEmpty()) {
      std::optional<EncodedFrame> raw = state.pipeline->takeRawFrame();
      if (raw) {
        Napi::Buffer<uint8_t> data = rawLeaseToBuffer(env, state.pipeline->rawPool(), raw->lease, raw->length);
        state.onRawFrame.Call({data, Napi::Number::New(env, static_cast<double>(raw->sequence)),
                               Napi::Number::New(env, raw->timestampMs)});
      }
      // The raw callback may have closed the camera.
      if (state.closed || !state.pipeline) return;
    }
    std::optional<EncodedFrame> frame = state.pipeline->takeFrame();
    if (!frame) return;
    Napi::Buffer<uint8_t> data = leaseToBuffer(env, state.pipeline->pool(), frame->lease, frame->length);
    state.onFrame.Call({data, Napi::Number::New(env, static_cast<double>(frame->sequence)),
                        Napi::Number::New(env, frame->timestampMs)});
  });
}

void callJs(Napi::Env env, Napi::Function, std::shared_ptr<CameraState>* context, Failure* failure) {
  std::unique_ptr<Failure> owned(failure);
  if (env == nullptr || !owned) return;
  CameraState& state = **context;
  // The frames captured before a failure (the last of a pipe, say) reach JS before it does: the
  // pipeline reports it once they are in the slots, and their wake-up may not have run yet.
  deliverFrames(env, state);
  guardJs(env, [&] {
    if (state.closed || state.onFailure.IsEmpty()) return;
    Napi::Error error = toJsError(env, owned->error);
    if (owned->warning) error.Set("warning", Napi::Boolean::New(env, true));
    state.onFailure.Call({error.Value()});
  });
}

using FrameTsfn = Napi::TypedThreadSafeFunction<std::shared_ptr<CameraState>, Failure, callJs>;

class CaptureHandle : public Napi::ObjectWrap<CaptureHandle> {
 public:
  static void Init(Napi::Env env) {
    Napi::Function ctor =
        DefineClass(env, "CaptureHandle",
                    {InstanceMethod("info", &CaptureHandle::guardedMethod<&CaptureHandle::Info>),
                     InstanceMethod("stats", &CaptureHandle::guardedMethod<&CaptureHandle::Stats>),
                     InstanceMethod("close", &CaptureHandle::guardedMethod<&CaptureHandle::Close>),
                     InstanceMethod("setPaused", &CaptureHandle::guardedMethod<&CaptureHandle::SetPaused>),
                     InstanceMethod("listControls", &CaptureHandle::guardedMethod<&CaptureHandle::ListControls>),
                     InstanceMethod("getControl", &CaptureHandle::guardedMethod<&CaptureHandle::GetControl>),
                     InstanceMethod("setControl", &CaptureHandle::guardedMethod<&CaptureHandle::SetControl>),
                     InstanceMethod("startH264", &CaptureHandle::guardedMethod<&CaptureHandle::StartH264>),
                     InstanceMethod("stopH264", &CaptureHandle::guardedMethod<&CaptureHandle::StopH264>),
                     InstanceMethod("requestKeyframe", &CaptureHandle::guardedMethod<&CaptureHandle::RequestKeyframe>),
                     InstanceMethod("h264Stats", &CaptureHandle::guardedMethod<&CaptureHandle::H264Stats>)});
    addonData(env).captureHandle = Napi::Persistent(ctor);
  }

  static Napi::Object New(Napi::Env env) { return addonData(env).captureHandle.New({}); }

  explicit CaptureHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CaptureHandle>(info) {}

  void attach(std::shared_ptr<CameraState> state, std::shared_ptr<JsWake> frames, FrameTsfn tsfn) {
    state_ = std::move(state);
    frames_ = std::move(frames);
    tsfn_ = tsfn;
  }

 private:
  // The live pipeline, or ERR_CLOSED.
  CapturePipeline& pipeline() {
    if (!state_ || state_->closed || !state_->pipeline) throw Error("ERR_CLOSED", "camera is closed");
    return *state_->pipeline;
  }

  // Every method as N-API calls it: no C++ exception escapes (see napi/js_error.h).
  template <Napi::Value (CaptureHandle::*Method)(const Napi::CallbackInfo&)>
  Napi::Value guardedMethod(const Napi::CallbackInfo& info) {
    return guardJs(info.Env(), [&] { return (this->*Method)(info); });
  }

  // The H.264 methods are napi/h264_binding.cc's.
  CameraState& state() {
    if (!state_) throw Error("ERR_CLOSED", "camera is closed");
    return *state_;
  }
  Napi::Value StartH264(const Napi::CallbackInfo& info) { return h264Start(state(), info); }
  Napi::Value StopH264(const Napi::CallbackInfo& info) { return h264Stop(state(), info); }
  Napi::Value RequestKeyframe(const Napi::CallbackInfo& info) { return h264RequestKeyframe(state(), info); }
  Napi::Value H264Stats(const Napi::CallbackInfo& info) { return h264StatsOf(state(), info); }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Object out = formatToJs(info.Env(), pipeline().format(), pipeline().encodeOptions());
    out.Set("orientedByDevice", state_->orientedByDevice);
    return out;
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) { return statsToJs(info.Env(), pipeline().stats()); }

  // An atomic flag the capture thread reads: cheap enough for the JS thread.
  Napi::Value SetPaused(const Napi::CallbackInfo& info) {
    pipeline().setPaused(info[0].ToBoolean().Value());
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!state_ || state_->closed) {
      auto deferred = Napi::Promise::Deferred::New(env);
      deferred.Resolve(env.Undefined());
      return deferred.Promise();
    }
    std::shared_ptr<H264Session> h264 = detachH264(*state_);
    state_->closed = true;
    std::shared_ptr<CameraState> state = state_;
    FrameTsfn tsfn = tsfn_;
    std::shared_ptr<JsWake> frames = frames_;
    return PromiseWorker::run(
        env,
        [state, h264] {
          if (h264) stopDetachedH264(*h264);
          state->pipeline->stop();
          // Destroying the pipeline closes the device: it can be opened again at once.
          std::lock_guard<std::mutex> lock(state->deviceMutex);
          state->pipeline.reset();
        },
        [state, frames, tsfn, h264](Napi::Env e) mutable {
          if (h264) releaseH264(*h264);
          frames->close();
          tsfn.Release();
          state->onFrame.Reset();
          state->onFailure.Reset();
          state->onRawFrame.Reset();
          return e.Undefined();
        });
  }

  // The device behind a V4L2 capture, or a coded error for other sources and closed cameras.
  V4l2Device& device() {
    V4l2Device* dev = pipeline().source().device();
    if (!dev) throw Error("ERR_NO_CONTROLS", pipeline().format().name + " has no controls (not a V4L2 device)");
    return *dev;
  }

  // Control ioctls can wait on USB transfers (UVC), so they run off the JS thread too.
  Napi::Value ListControls(const Napi::CallbackInfo& info) {
    V4l2Device& dev = device();
    auto state = state_;
    auto list = std::make_shared<std::vector<ControlDescription>>();
    return PromiseWorker::run(
        info.Env(),
        [state, &dev, list] {
          std::lock_guard<std::mutex> lock(state->deviceMutex);
          if (!state->pipeline) throw Error("ERR_CLOSED", "camera is closed");
          *list = listControls(dev);
        },
        [state, list](Napi::Env env) {
          Napi::Array out = Napi::Array::New(env, list->size());
          for (size_t i = 0; i < list->size(); i++) {
            const ControlDescription& c = (*list)[i];
            Napi::Object o = Napi::Object::New(env);
            o.Set("name", c.name);
            o.Set("id", static_cast<double>(c.id));
            o.Set("type", c.type);
            o.Set("min", static_cast<double>(c.min));
            o.Set("max", static_cast<double>(c.max));
            o.Set("step", static_cast<double>(c.step));
            o.Set("default", static_cast<double>(c.defaultValue));
            o.Set("value", c.hasValue ? Napi::Value(Napi::Number::New(env, static_cast<double>(c.value))) : env.Null());
            if (!c.menu.empty()) {
              Napi::Object menu = Napi::Object::New(env);
              for (const auto& [value, label] : c.menu) menu.Set(std::to_string(static_cast<long long>(value)), label);
              o.Set("menu", menu);
            }
            Napi::Object flags = Napi::Object::New(env);
            flags.Set("readOnly", c.readOnly);
            flags.Set("inactive", c.inactive);
            flags.Set("disabled", c.disabled);
            o.Set("flags", flags);
            out.Set(static_cast<uint32_t>(i), o);
          }
          return out;
        });
  }

  Napi::Value GetControl(const Napi::CallbackInfo& info) {
    V4l2Device& dev = device();
    std::string name = info[0].ToString().Utf8Value();
    auto state = state_;
    auto value = std::make_shared<int64_t>(0);
    return PromiseWorker::run(
        info.Env(),
        [state, &dev, name, value] {
          std::lock_guard<std::mutex> lock(state->deviceMutex);
          if (!state->pipeline) throw Error("ERR_CLOSED", "camera is closed");
          *value = getControl(dev, name);
        },
        [state, value](Napi::Env env) { return Napi::Number::New(env, static_cast<double>(*value)); });
  }

  Napi::Value SetControl(const Napi::CallbackInfo& info) {
    V4l2Device& dev = device();
    std::string name = info[0].ToString().Utf8Value();
    int64_t value = info[1].ToNumber().Int64Value();
    auto state = state_;
    return PromiseWorker::run(
        info.Env(),
        [state, &dev, name, value] {
          std::lock_guard<std::mutex> lock(state->deviceMutex);
          if (!state->pipeline) throw Error("ERR_CLOSED", "camera is closed");
          setControl(dev, name, value);
        },
        [state](Napi::Env env) { return env.Undefined(); });
  }

  std::shared_ptr<CameraState> state_;
  std::shared_ptr<JsWake> frames_;
  FrameTsfn tsfn_;
};

Napi::Value OpenCapture(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsFunction() || !info[2].IsFunction() ||
      (info.Length() > 3 && !info[3].IsFunction() && !info[3].IsUndefined())) {
    throw Error("ERR_INVALID_ARG", "openCapture(options, onFrame, onFailure, onRawFrame?)");
  }
  Napi::Object options = info[0].As<Napi::Object>();
  const FrameOutput output = outputOption(options);
  if (output != FrameOutput::Jpeg && (info.Length() < 4 || !info[3].IsFunction())) {
    throw Error("ERR_INVALID_ARG", "raw output needs openCapture's onRawFrame callback");
  }
  CaptureRequest request = parseRequest(options);
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  int workers = intOption(options, "workers", cores > 0 ? cores : 1);
  int buffers = intOption(options, "buffers", workers + 2);
  EncodeOptions encode;
  encode.quality = intOption(options, "quality", 80);
  EncoderRequest encoder;
  if (options.Get("encoder").IsString())
    encoder.mode = encoderModeByName(options.Get("encoder").ToString().Utf8Value());
  if (options.Get("encoderDevice").IsString()) encoder.device = options.Get("encoderDevice").ToString().Utf8Value();
  if (options.Get("encoderFormat").IsString()) encoder.coded = options.Get("encoderFormat").ToString().Utf8Value();
  encode.subsampling = subsamplingOption(options);
  encode.allowTruncated = options.Get("allowTruncatedFrames").ToBoolean().Value();
  const Napi::Value flip = options.Get("flip");
  const std::string flipName = flip.IsString() ? flip.As<Napi::String>().Utf8Value() : "";
  if (flipName.size() > 1) throw Error("ERR_INVALID_ARG", "flip wants h or v, got '" + flipName + "'");
  encode.orientation = orientationOf(intOption(options, "rotate", 0), flipName.empty() ? 0 : flipName[0]);

  auto state = std::make_shared<CameraState>();
  state->onFrame = Napi::Persistent(info[1].As<Napi::Function>());
  state->onFailure = Napi::Persistent(info[2].As<Napi::Function>());
  if (output != FrameOutput::Jpeg) state->onRawFrame = Napi::Persistent(info[3].As<Napi::Function>());
  auto* context = new std::shared_ptr<CameraState>(state);
  FrameTsfn tsfn = FrameTsfn::New(env, Napi::Function(), "turbocam-failures", 0, 1, context,
                                  [](Napi::Env, void*, std::shared_ptr<CameraState>* ctx) { delete ctx; });
  // Weak: the pipeline that sends to the wake belongs to the state.
  std::shared_ptr<JsWake> frames =
      JsWake::open(env, "turbocam-frames", [weak = std::weak_ptr<CameraState>(state)](Napi::Env e) {
        if (std::shared_ptr<CameraState> live = weak.lock()) deliverFrames(e, *live);
      });

  return PromiseWorker::run(
      env,
      [state, request, workers, buffers, encode, encoder, output, frames, tsfn]() mutable {
        std::unique_ptr<CaptureSource> source = openSource(request);
        if (source->device() != nullptr && orientOnDevice(*source->device(), encode.orientation)) {
          state->orientedByDevice = true;
          encode.orientation = Orientation::None;
        }
        EncoderChoice choice = chooseEncoder(encoder, source->format());
        CapturePipeline::Callbacks callbacks;
        callbacks.frameReady = [frames] { frames->send(); };
        callbacks.failed = [tsfn](const Error& error) mutable { tsfn.NonBlockingCall(new Failure{error}); };
        callbacks.warned = [tsfn](const Error& error) mutable { tsfn.NonBlockingCall(new Failure{error, true}); };
        state->pipeline = std::make_unique<CapturePipeline>(std::move(source), workers, buffers, encode, callbacks);
        state->pipeline->useEncoder(std::move(choice));
        state->pipeline->useOutput(output);
        state->pipeline->start();
      },
      [state, frames, tsfn](Napi::Env e) {
        Napi::Object handle = CaptureHandle::New(e);
        CaptureHandle::Unwrap(handle)->attach(state, frames, tsfn);
        return handle;
      },
      [state, frames, tsfn]() mutable {
        state->closed = true;
        state->pipeline.reset();
        frames->close();
        state->onFrame.Reset();
        state->onFailure.Reset();
        state->onRawFrame.Reset();
        tsfn.Release();
      });
}

}  // namespace

void InitCamera(Napi::Env env, Napi::Object exports) {
  CaptureHandle::Init(env);
  exports.Set("openCapture", Napi::Function::New(env, guarded<OpenCapture>, "openCapture"));
  exports.Set("releaseBuffer", Napi::Function::New(env, guarded<ReleaseBuffer>, "releaseBuffer"));
}

}  // namespace turbocam
