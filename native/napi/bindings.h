// The Init functions of each binding file, called from addon.cc.
#pragma once

#include <napi.h>

namespace turbocam {

void InitFormats(Napi::Env env, Napi::Object exports);
void InitCamera(Napi::Env env, Napi::Object exports);
void InitDevices(Napi::Env env, Napi::Object exports);
void InitEncode(Napi::Env env, Napi::Object exports);
void InitSocket(Napi::Env env, Napi::Object exports);
void InitLimits(Napi::Env env, Napi::Object exports);
void InitH264(Napi::Env env, Napi::Object exports);
void InitM2mStream(Napi::Env env, Napi::Object exports);

}  // namespace turbocam
