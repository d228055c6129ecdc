// openCapture's options as the pipeline takes them, and what a capture reports (format, stats)
// as JS objects: the parsing and shaping half of napi/camera_binding.cc.
#pragma once

#include <napi.h>

#include "encoder/jpeg_encoder.h"
#include "pipeline/capture_pipeline.h"
#include "pipeline/open_source.h"

namespace turbocam {

int intOption(const Napi::Object& options, const char* name, int fallback);
// src/validate.ts checks the name; this only maps it.
FrameOutput outputOption(const Napi::Object& options);
CaptureRequest parseRequest(const Napi::Object& options);
Subsampling subsamplingOption(const Napi::Object& options);

Napi::Object statsToJs(Napi::Env env, const PipelineStats& s);
Napi::Object formatToJs(Napi::Env env, const CaptureFormat& f, const EncodeOptions& encode);

}  // namespace turbocam
