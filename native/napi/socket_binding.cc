// `setSendBuffer(fd, bytes)`: caps a TCP socket's kernel send buffer. Node has no API for it, and
// Linux autotunes it to megabytes, which is a stale backlog of dozens of frames for a viewer that
// stops reading; capped, a slow viewer resumes on a current frame.
#include <sys/socket.h>

#include <cerrno>

#include "napi/bindings.h"
#include "napi/js_error.h"

namespace turbocam {

namespace {

Napi::Value SetSendBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
    throw Error("ERR_INVALID_ARG", "setSendBuffer(fd, bytes) wants two numbers");
  }
  const int fd = info[0].As<Napi::Number>().Int32Value();
  const int bytes = info[1].As<Napi::Number>().Int32Value();
  if (fd < 0 || bytes <= 0) throw Error("ERR_INVALID_ARG", "setSendBuffer: fd must be >= 0 and bytes > 0");
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes) != 0) {
    throw errnoError(errno, "setsockopt(SO_SNDBUF)");
  }
  int actual = 0;
  socklen_t length = sizeof actual;
  if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &actual, &length) != 0) {
    throw errnoError(errno, "getsockopt(SO_SNDBUF)");
  }
  return Napi::Number::New(env, actual);
}

}  // namespace

void InitSocket(Napi::Env env, Napi::Object exports) {
  exports.Set("setSendBuffer", Napi::Function::New(env, guarded<SetSendBuffer>, "setSendBuffer"));
}

}  // namespace turbocam
