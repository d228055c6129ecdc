// `formats` and `subsamplings`: the native tables as JS sees them, so a test can hold the
// TypeScript lists (src/types.ts) to the names the native side accepts.
#include "encoder/jpeg_encoder.h"
#include "formats/pixel_format.h"
#include "napi/bindings.h"

namespace turbocam {

void InitFormats(Napi::Env env, Napi::Object exports) {
  size_t count = 0;
  const PixelFormatInfo* formats = allPixelFormats(&count);
  Napi::Array list = Napi::Array::New(env, count);
  for (size_t i = 0; i < count; i++) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("name", formats[i].name);
    entry.Set("fourcc", fourccToString(formats[i].fourcc));
    list.Set(static_cast<uint32_t>(i), entry);
  }
  exports.Set("formats", list);
  const SubsamplingInfo* subsamplings = allSubsamplings(&count);
  Napi::Array names = Napi::Array::New(env, count);
  for (size_t i = 0; i < count; i++) names.Set(static_cast<uint32_t>(i), subsamplings[i].name);
  exports.Set("subsamplings", names);
}

}  // namespace turbocam
