#include "napi/js_error.h"

namespace turbocam {

Napi::Error toJsError(Napi::Env env, const Error& error) {
  Napi::Error js = Napi::Error::New(env, error.what());
  js.Set("code", Napi::String::New(env, error.code()));
  if (!error.path().empty()) js.Set("path", Napi::String::New(env, error.path()));
  if (error.errnum() != 0) js.Set("errno", Napi::Number::New(env, -error.errnum()));
  return js;
}

Napi::Error toJsError(Napi::Env env, const std::string& code, const std::string& message) {
  return toJsError(env, Error(code, message));
}

}  // namespace turbocam
