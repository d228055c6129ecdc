// Module init: each binding registers its own exports; this file only strings them together.
#include <napi.h>

#include "napi/addon_data.h"
#include "napi/bindings.h"
#include "napi/js_error.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new turbocam::AddonData());
  return turbocam::guardJs(env, [&] {
    turbocam::InitErrors(env, exports);
    turbocam::InitFormats(env, exports);
    turbocam::InitCamera(env, exports);
    turbocam::InitDevices(env, exports);
    turbocam::InitEncode(env, exports);
    turbocam::InitSocket(env, exports);
    turbocam::InitLimits(env, exports);
    turbocam::InitH264(env, exports);
    turbocam::InitM2mStream(env, exports);
    return exports;
  });
}

}  // namespace

NODE_API_MODULE(turbocam, Init)
