// The one seam between native errors and JS. Every binding turns what it throws into a JS error
// here, as an instance of the TurbocamError class src/errors.ts hands the addon at load
// (setErrorClass), so `instanceof` holds for errors from C++ and TypeScript alike. No C++
// exception may cross into Node: one that escapes a callback aborts the process.
#pragma once

#include <napi.h>

#include <utility>

#include "error.h"

namespace turbocam {

// `new TurbocamError(code, message, { path, errno })`, or a plain Error with those properties
// before setErrorClass ran (the addon loaded on its own, as scripts/smoke.cjs does).
Napi::Error toJsError(Napi::Env env, const Error& error);

// The exception being handled, as a turbocam::Error: itself, ENOMEM for bad_alloc,
// ERR_INTERNAL for anything else. Call only inside a catch block.
Error caughtError();

// Runs native code called from JS; any C++ exception leaves it as a thrown JS error. A
// Napi::Error is already one and passes through.
template <typename F>
auto guardJs(Napi::Env env, F&& body) -> decltype(body()) {
  try {
    return std::forward<F>(body)();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw toJsError(env, caughtError());
  }
}

// A binding as N-API calls it: every export and method is registered through this, so
// none can let a C++ exception escape.
template <Napi::Value (*Binding)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  return guardJs(info.Env(), [&] { return Binding(info); });
}

// `setErrorClass(TurbocamError)`, called once per environment by src/native.ts.
void InitErrors(Napi::Env env, Napi::Object exports);

}  // namespace turbocam
