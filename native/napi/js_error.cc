#include "napi/js_error.h"

#include <exception>
#include <new>

#include "napi/addon_data.h"

namespace turbocam {

Napi::Error toJsError(Napi::Env env, const Error& error) {
  Napi::Object extra = Napi::Object::New(env);
  if (!error.path().empty()) extra.Set("path", error.path());
  if (error.errnum() != 0) extra.Set("errno", -error.errnum());
  Napi::FunctionReference& errorClass = addonData(env).errorClass;
  if (!errorClass.IsEmpty()) {
    Napi::Object js =
        errorClass.New({Napi::String::New(env, error.code()), Napi::String::New(env, error.what()), extra});
    return Napi::Error(env, js);
  }
  Napi::Error js = Napi::Error::New(env, error.what());
  js.Set("code", error.code());
  for (const char* key : {"path", "errno"}) {
    if (extra.Has(key)) js.Set(key, extra.Get(key));
  }
  return js;
}

Error caughtError() {
  try {
    throw;
  } catch (const Error& error) {
    return error;
  } catch (const std::bad_alloc&) {
    return Error("ENOMEM", "out of memory");
  } catch (const std::exception& error) {
    return Error("ERR_INTERNAL", error.what());
  } catch (...) {
    return Error("ERR_INTERNAL", "unknown native exception");
  }
}

namespace {

Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) throw Error("ERR_INVALID_ARG", "setErrorClass(TurbocamError) wants a class");
  addonData(info.Env()).errorClass = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

}  // namespace

void InitErrors(Napi::Env env, Napi::Object exports) {
  exports.Set("setErrorClass", Napi::Function::New(env, guarded<SetErrorClass>, "setErrorClass"));
}

}  // namespace turbocam
