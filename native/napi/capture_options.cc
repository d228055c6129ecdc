#include "napi/capture_options.h"

#include <string>
#include <vector>

#include "error.h"
#include "napi/external_buffer.h"
#include "pipeline/worker_encoder.h"

namespace turbocam {

int intOption(const Napi::Object& options, const char* name, int fallback) {
  Napi::Value value = options.Get(name);
  return value.IsNumber() ? value.As<Napi::Number>().Int32Value() : fallback;
}

FrameOutput outputOption(const Napi::Object& options) {
  Napi::Value value = options.Get("output");
  const std::string name = value.IsString() ? value.As<Napi::String>().Utf8Value() : "jpeg";
  if (name == "raw") return FrameOutput::Raw;
  if (name == "both") return FrameOutput::Both;
  if (name == "jpeg") return FrameOutput::Jpeg;
  throw Error("ERR_INVALID_ARG", "output wants jpeg, raw or both, got '" + name + "'");
}

CaptureRequest parseRequest(const Napi::Object& options) {
  CaptureRequest request;
  request.source = options.Get("source").ToString().Utf8Value();
  request.width = intOption(options, "width", 0);
  request.height = intOption(options, "height", 0);
  Napi::Value fps = options.Get("fps");
  if (fps.IsNumber()) request.fps = fps.As<Napi::Number>().DoubleValue();
  Napi::Value format = options.Get("format");
  if (format.IsString()) request.format = format.As<Napi::String>().Utf8Value();
  request.deviceTimeoutMs = intOption(options, "deviceTimeout", 5000);
  request.input = intOption(options, "input", -1);
  request.rawOnly = outputOption(options) != FrameOutput::Jpeg;
  Napi::Value controls = options.Get("controls");
  if (controls.IsArray()) {
    Napi::Array list = controls.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) {
      Napi::Array pair = list.Get(i).As<Napi::Array>();
      request.controls.emplace_back(pair.Get(0u).ToString().Utf8Value(),
                                    static_cast<int64_t>(pair.Get(1u).ToNumber().Int64Value()));
    }
  }
  return request;
}

Napi::Object statsToJs(Napi::Env env, const PipelineStats& s) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("captured", static_cast<double>(s.captured));
  out.Set("encoded", static_cast<double>(s.encoded));
  out.Set("delivered", static_cast<double>(s.delivered));
  Napi::Object dropped = Napi::Object::New(env);
  dropped.Set("busy", static_cast<double>(s.droppedBusy));
  dropped.Set("late", static_cast<double>(s.droppedLate));
  dropped.Set("corrupt", static_cast<double>(s.droppedCorrupt));
  dropped.Set("error", static_cast<double>(s.droppedError));
  dropped.Set("paused", static_cast<double>(s.droppedPaused));
  out.Set("dropped", dropped);
  out.Set("repaired", static_cast<double>(s.repaired));
  out.Set("fps", s.fps);
  out.Set("encodeMs", s.encodeMs);
  out.Set("paused", s.paused);
  out.Set("pool", poolStatsToJs(env, s.pool));
  if (s.output != FrameOutput::Jpeg) {
    Napi::Object raw = Napi::Object::New(env);
    raw.Set("delivered", static_cast<double>(s.raw.delivered));
    Napi::Object rawDropped = Napi::Object::New(env);
    rawDropped.Set("busy", static_cast<double>(s.raw.droppedBusy));
    rawDropped.Set("late", static_cast<double>(s.raw.droppedLate));
    rawDropped.Set("pool", static_cast<double>(s.raw.droppedPool));
    rawDropped.Set("error", static_cast<double>(s.raw.droppedError));
    raw.Set("dropped", rawDropped);
    raw.Set("pool", poolStatsToJs(env, s.raw.pool));
    out.Set("raw", raw);
  }
  Napi::Object encoder = Napi::Object::New(env);
  encoder.Set("kind", encoderKindName(s.encoder, s.hardwareEncoding));
  encoder.Set("chosen", encoderKindName(s.encoder, true));
  encoder.Set("device", s.encoder.hardware ? Napi::Value(Napi::String::New(env, s.encoder.device)) : env.Null());
  encoder.Set("reason", s.encoder.reason);
  encoder.Set("fallback",
              s.encoderFallback.empty() ? env.Null() : Napi::Value(Napi::String::New(env, s.encoderFallback)));
  encoder.Set("hardwareFrames", static_cast<double>(s.hardwareFrames));
  // Raw frames the hardware encoder got as a copy, and as the camera's own DMABUF (no copy).
  encoder.Set("copies", static_cast<double>(s.encoderCopies));
  encoder.Set("zeroCopy", static_cast<double>(s.encoderZeroCopy));
  auto names = [&](const std::vector<std::string>& list) {
    Napi::Array array = Napi::Array::New(env, list.size());
    for (uint32_t i = 0; i < list.size(); i++) array.Set(i, list[i]);
    return array;
  };
  Napi::Object controls = Napi::Object::New(env);
  controls.Set("set", names(s.encoderControlsSet));
  controls.Set("unsupported", names(s.encoderControlsUnsupported));
  encoder.Set("controls", controls);
  out.Set("encoder", encoder);
  return out;
}

Subsampling subsamplingOption(const Napi::Object& options) {
  Napi::Value value = options.Get("subsampling");
  if (value.IsUndefined() || value.IsNull()) return Subsampling::Auto;
  const std::string name = value.ToString().Utf8Value();
  const SubsamplingInfo* known = findSubsamplingByName(name);
  if (known == nullptr) throw Error("ERR_INVALID_ARG", "unknown subsampling '" + name + "' (444, 422, 420 or gray)");
  return known->subsampling;
}

Napi::Object formatToJs(Napi::Env env, const CaptureFormat& f, const EncodeOptions& encode) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("kind", f.kind);
  out.Set("name", f.name);
  out.Set("width", f.width);
  out.Set("height", f.height);
  out.Set("format", formatInfo(f.format).name);
  out.Set("fps", f.fps);
  out.Set("stride", static_cast<double>(f.stride));
  // Camera MJPEG passes through: its subsampling is the camera's, not ours to report.
  out.Set("subsampling", f.format == PixelFormat::MJPEG
                             ? env.Null()
                             : Napi::Value(Napi::String::New(env, JpegEncoder::subsamplingName(encode.subsampling))));
  return out;
}

}  // namespace turbocam
