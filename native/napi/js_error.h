// turbocam::Error -> JS Error with `code`, and `path` / `errno` when the error names a device.
#pragma once

#include <napi.h>

#include "error.h"

namespace turbocam {

Napi::Error toJsError(Napi::Env env, const Error& error);
Napi::Error toJsError(Napi::Env env, const std::string& code, const std::string& message);

}  // namespace turbocam
