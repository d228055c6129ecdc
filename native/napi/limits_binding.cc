// `fileLimit(raise)`: the process's RLIMIT_NOFILE as { soft, hard }, after raising the soft limit
// to the hard one when asked. Node has no getrlimit/setrlimit; the server sizes its connection
// budget from the soft limit, and the CLI raises it at start (systemd and login shells leave 1024).
#include <sys/resource.h>

#include <cerrno>
#include <limits>

#include "napi/bindings.h"
#include "napi/js_error.h"

namespace turbocam {

namespace {

double limitValue(rlim_t value) {
  // RLIM_INFINITY as a number JS can hold; no fd table reaches it.
  return value == RLIM_INFINITY ? static_cast<double>(std::numeric_limits<int32_t>::max()) : static_cast<double>(value);
}

Napi::Value FileLimit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const bool raise = info.Length() > 0 && info[0].ToBoolean().Value();
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) throw errnoError(errno, "getrlimit(RLIMIT_NOFILE)");
  int raiseErrno = 0;
  if (raise && limit.rlim_cur < limit.rlim_max) {
    rlimit wanted = limit;
    wanted.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &wanted) == 0) {
      limit = wanted;
    } else {
      raiseErrno = errno;
    }
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("soft", limitValue(limit.rlim_cur));
  out.Set("hard", limitValue(limit.rlim_max));
  if (raiseErrno != 0)
    out.Set("raiseError", toJsError(env, errnoError(raiseErrno, "setrlimit(RLIMIT_NOFILE)")).Value());
  return out;
}

}  // namespace

void InitLimits(Napi::Env env, Napi::Object exports) {
  exports.Set("fileLimit", Napi::Function::New(env, guarded<FileLimit>, "fileLimit"));
}

}  // namespace turbocam
