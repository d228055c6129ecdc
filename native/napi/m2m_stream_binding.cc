// `m2mVideoStreamForTest(options, frames, forceAt)`: N raw frames through one M2M video stream
// (encoder/m2m/m2m_video_stream.h), as the H.264 stream's thread drives it, on the libuv pool.
// Resolves to { name, units: [{ data, keyframe, timestampUs }], stats }. For the VM tests and the
// Pi smoke script, which check the stream's mechanics without a camera. Beside it, how the stream
// reads a coded buffer and the H.264 level it asks for, for host tests.
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "encoder/m2m/m2m_video_stream.h"
#include "error.h"
#include "napi/bindings.h"
#include "napi/js_error.h"
#include "napi/promise_worker.h"

namespace turbocam {

namespace {

struct StreamJob {
  std::string device;
  const M2mCodedFormat* coded = nullptr;
  VideoEncoderSettings settings;
  M2mStreamLimits limits;
  int intervalMs = 0;  // between frames, so a test can act on the device mid-stream
  std::vector<std::vector<uint8_t>> frames;
  std::vector<bool> force;
  struct Unit {
    std::vector<uint8_t> data;
    bool keyframe;
    uint64_t timestampUs;
  };
  std::vector<Unit> units;
  std::string name;
  M2mVideoStats stats;
};

int intOption(const Napi::Object& o, const char* key, int fallback) {
  return o.Has(key) && o.Get(key).IsNumber() ? o.Get(key).As<Napi::Number>().Int32Value() : fallback;
}

void run(StreamJob& job) {
  std::unique_ptr<M2mVideoStream> stream = openM2mVideoEncoder(job.device, *job.coded, job.settings, job.limits);
  job.name = stream->name();
  const VideoEncoder::Sink sink = [&](const CodedVideoFrame& unit) {
    job.units.push_back({std::vector<uint8_t>(unit.data, unit.data + unit.length), unit.keyframe, unit.timestampUs});
  };
  const uint64_t interval = 1000000 / static_cast<uint64_t>(std::max(job.settings.fps, 1));
  for (size_t i = 0; i < job.frames.size(); i++) {
    RawFrame frame;
    frame.data = job.frames[i].data();
    frame.size = job.frames[i].size();
    frame.width = job.settings.width;
    frame.height = job.settings.height;
    frame.format = job.settings.format;
    frame.stride = job.settings.stride;
    stream->encode(frame, 1000000 + i * interval, job.force[i], sink);
    if (job.intervalMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(job.intervalMs));
  }
  stream->flush(sink);
  job.stats = stream->stats();
}

Napi::Array strings(Napi::Env env, const std::vector<std::string>& list) {
  Napi::Array out = Napi::Array::New(env, list.size());
  for (uint32_t i = 0; i < list.size(); i++) out.Set(i, list[i]);
  return out;
}

Napi::Object statsToJs(Napi::Env env, const M2mVideoStats& s) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("frames", static_cast<double>(s.frames));
  o.Set("units", static_cast<double>(s.units));
  o.Set("keyframes", static_cast<double>(s.keyframes));
  o.Set("forcedKeyframes", static_cast<double>(s.forcedKeyframes));
  o.Set("keyframeRestarts", static_cast<double>(s.keyframeRestarts));
  o.Set("skipped", static_cast<double>(s.skipped));
  o.Set("lost", static_cast<double>(s.lost));
  o.Set("rebuilds", static_cast<double>(s.rebuilds));
  o.Set("staleOutputs", static_cast<double>(s.staleOutputs));
  o.Set("headerBuffers", static_cast<double>(s.headerBuffers));
  o.Set("maxHeld", static_cast<double>(s.maxHeld));
  Napi::Object controls = Napi::Object::New(env);
  controls.Set("set", strings(env, s.controlsSet));
  controls.Set("unsupported", strings(env, s.controlsUnsupported));
  o.Set("controls", controls);
  return o;
}

// (options { device, coded, width, height, format, stride, fps, bitrateKbps, keyframeInterval,
// timeoutMs, maxRebuilds, intervalMs }, frames: Uint8Array[], forceAt: number[])
Napi::Value M2mVideoStreamForTest(const Napi::CallbackInfo& info) {
  const Napi::Object o = info[0].As<Napi::Object>();
  auto job = std::make_shared<StreamJob>();
  if (o.Has("device") && o.Get("device").IsString()) job->device = o.Get("device").As<Napi::String>().Utf8Value();
  const std::string coded = o.Get("coded").As<Napi::String>().Utf8Value();
  job->coded = findM2mCodedFormat(coded);
  if (job->coded == nullptr) throw Error("ERR_INVALID_ARG", "unknown M2M coded format '" + coded + "'");
  const std::string format = o.Get("format").As<Napi::String>().Utf8Value();
  const PixelFormatInfo* pixel = findFormatByName(format);
  if (pixel == nullptr) throw Error("ERR_UNSUPPORTED_FORMAT", "unknown pixel format '" + format + "'");
  job->settings.format = pixel->format;
  job->settings.width = intOption(o, "width", 0);
  job->settings.height = intOption(o, "height", 0);
  job->settings.stride = static_cast<size_t>(intOption(o, "stride", 0));
  job->settings.fps = intOption(o, "fps", 30);
  job->settings.bitrateKbps = intOption(o, "bitrateKbps", 2000);
  job->settings.keyframeInterval = intOption(o, "keyframeInterval", 60);
  job->limits.timeoutMs = intOption(o, "timeoutMs", job->limits.timeoutMs);
  job->limits.maxRebuilds = intOption(o, "maxRebuilds", job->limits.maxRebuilds);
  job->intervalMs = intOption(o, "intervalMs", 0);
  // Copied: the frames are read on the pool while JS runs on.
  const Napi::Array frames = info[1].As<Napi::Array>();
  for (uint32_t i = 0; i < frames.Length(); i++) {
    const auto data = frames.Get(i).As<Napi::Uint8Array>();
    job->frames.emplace_back(data.Data(), data.Data() + data.ByteLength());
  }
  job->force.assign(job->frames.size(), false);
  const Napi::Array forceAt = info[2].As<Napi::Array>();
  for (uint32_t i = 0; i < forceAt.Length(); i++) {
    const uint32_t at = forceAt.Get(i).As<Napi::Number>().Uint32Value();
    if (at < job->force.size()) job->force[at] = true;
  }
  return PromiseWorker::run(
      info.Env(), [job] { run(*job); },
      [job](Napi::Env env) {
        Napi::Object out = Napi::Object::New(env);
        out.Set("name", job->name);
        Napi::Array units = Napi::Array::New(env, job->units.size());
        for (uint32_t i = 0; i < job->units.size(); i++) {
          const StreamJob::Unit& u = job->units[i];
          Napi::Object unit = Napi::Object::New(env);
          unit.Set("data", Napi::Buffer<uint8_t>::Copy(env, u.data.data(), u.data.size()));
          unit.Set("keyframe", u.keyframe);
          unit.Set("timestampUs", static_cast<double>(u.timestampUs));
          units.Set(i, unit);
        }
        out.Set("units", units);
        out.Set("stats", statsToJs(env, job->stats));
        return out;
      });
}

// (coded, data) -> { picture, keyframe, parameterSets }: how the stream reads a coded buffer of
// that format (encoder/m2m/m2m_coded_formats.h), for tests against real encoders' output.
Napi::Value M2mInspectForTest(const Napi::CallbackInfo& info) {
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  const M2mCodedFormat* coded = findM2mCodedFormat(name);
  if (coded == nullptr) throw Error("ERR_INVALID_ARG", "unknown M2M coded format '" + name + "'");
  const auto data = info[1].As<Napi::Uint8Array>();
  const CodedUnitInfo unit = coded->inspect(data.Data(), data.ByteLength());
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("picture", unit.picture);
  out.Set("keyframe", unit.keyframe);
  out.Set("parameterSets", unit.parameterSets);
  return out;
}

// (width, height, fps, bitrateKbps) -> the V4L2_MPEG_VIDEO_H264_LEVEL_* the H.264 row asks for.
Napi::Value H264LevelForTest(const Napi::CallbackInfo& info) {
  return Napi::Number::New(
      info.Env(), h264LevelFor(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value(),
                               info[2].As<Napi::Number>().Int32Value(), info[3].As<Napi::Number>().Int32Value()));
}

}  // namespace

void InitM2mStream(Napi::Env env, Napi::Object exports) {
  exports.Set("m2mVideoStreamForTest",
              Napi::Function::New(env, guarded<M2mVideoStreamForTest>, "m2mVideoStreamForTest"));
  exports.Set("m2mInspectForTest", Napi::Function::New(env, guarded<M2mInspectForTest>, "m2mInspectForTest"));
  exports.Set("h264LevelForTest", Napi::Function::New(env, guarded<H264LevelForTest>, "h264LevelForTest"));
}

}  // namespace turbocam
