// A camera's H.264 stream as its CaptureHandle exposes it (startH264, stopH264, requestKeyframe,
// h264Stats), and the module's h264Availability().
#pragma once

#include <napi.h>

#include <memory>

#include "napi/camera_state.h"

namespace turbocam {

// startH264(settings, onUnit(data, keyframe, timestamp, sequence), onError(error)).
Napi::Value h264Start(CameraState& state, const Napi::CallbackInfo& info);
// Resolves once the stream's thread has stopped; no unit is delivered after the call.
Napi::Value h264Stop(CameraState& state, const Napi::CallbackInfo& info);
Napi::Value h264RequestKeyframe(CameraState& state, const Napi::CallbackInfo& info);
Napi::Value h264StatsOf(CameraState& state, const Napi::CallbackInfo& info);

// For close(): detachH264 (JS thread) takes the running stream, if any, off the capture;
// stopDetachedH264 joins it (pool thread); releaseH264 lets its callbacks go (JS thread).
std::shared_ptr<H264Session> detachH264(CameraState& state);
void stopDetachedH264(H264Session& session);
void releaseH264(H264Session& session);

}  // namespace turbocam
