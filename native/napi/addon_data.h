// What the addon keeps per environment (the main thread and each worker thread have their own),
// in the one instance-data slot N-API gives an addon. Never statics: a static reference is
// deleted by atexit after its env is gone (a crash at exit on armhf).
#pragma once

#include <napi.h>

#include <unordered_map>

namespace turbocam {

struct AddonData {
  Napi::FunctionReference captureHandle;  // the CaptureHandle class
  Napi::FunctionReference errorClass;     // TurbocamError, once src/native.ts handed it over
  // Pooled Buffers (raw frames and JPEGs) not yet given back, by their memory: releaseBuffer()
  // finds the lease there (napi/external_buffer.cc owns the values).
  std::unordered_map<const void*, void*> leases;
};

// Created by the module's Init, before any binding registers.
inline AddonData& addonData(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace turbocam
