// What a CaptureHandle shares with its thread-safe functions and the work it queues on the pool
// (napi/camera_binding.cc, napi/h264_binding.cc): it outlives whichever of them goes first.
#pragma once

#include <napi.h>

#include <memory>
#include <mutex>

#include "pipeline/capture_pipeline.h"

namespace turbocam {

struct H264Session;  // napi/h264_binding.cc

struct CameraState {
  std::unique_ptr<CapturePipeline> pipeline;
  // Held by control calls on the pool while they use the device, and by close while it destroys it.
  std::mutex deviceMutex;
  Napi::FunctionReference onFrame;
  Napi::FunctionReference onFailure;
  Napi::FunctionReference onRawFrame;  // raw output only
  bool closed = false;
  // The device's own flip/rotate controls do the requested orientation; the encoder does none.
  bool orientedByDevice = false;
  std::shared_ptr<H264Session> h264;  // between startH264 and stopH264 (JS thread only)
};

}  // namespace turbocam
