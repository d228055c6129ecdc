#include "napi/js_wake.h"

#include <thread>
#include <utility>

#include "error.h"
#include "napi/js_error.h"

// node-api-headers carry no uv.h, so the libuv calls used here are declared as libuv 1.x's stable
// ABI has them, and the handle is allocated at the size libuv reports. Node exports them.
extern "C" {
typedef void (*uv_async_cb)(uv_async_s*);
typedef void (*uv_close_cb)(uv_handle_s*);
size_t uv_handle_size(int type);
int uv_async_init(uv_loop_s* loop, uv_async_s* handle, uv_async_cb cb);
int uv_async_send(uv_async_s* handle);
void uv_close(uv_handle_s* handle, uv_close_cb cb);
void uv_handle_set_data(uv_handle_s* handle, void* data);
void* uv_handle_get_data(const uv_handle_s* handle);
}

namespace turbocam {

namespace {

constexpr int kUvAsync = 1;  // UV_ASYNC in uv_handle_type

uv_handle_s* asHandle(uv_async_s* async) { return reinterpret_cast<uv_handle_s*>(async); }

}  // namespace

JsWake::JsWake(Napi::Env env, Callback onWake) : env_(env), onWake_(std::move(onWake)) {}

JsWake::~JsWake() = default;

std::shared_ptr<JsWake> JsWake::open(Napi::Env env, const char* name, Callback onWake) {
  std::shared_ptr<JsWake> wake(new JsWake(env, std::move(onWake)));
  uv_loop_s* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr)
    throw Error("ERR_INTERNAL", "no event loop for the JS thread");
  // The resource async_hooks see for every delivery, made once rather than per wake-up.
  Napi::Object resource = Napi::Object::New(env);
  NAPI_THROW_IF_FAILED(env, napi_create_reference(env, resource, 1, &wake->resource_), nullptr);
  NAPI_THROW_IF_FAILED(env, napi_async_init(env, resource, Napi::String::New(env, name), &wake->asyncContext_),
                       nullptr);
  wake->async_.reset(new char[uv_handle_size(kUvAsync)]);
  uv_async_s* async = reinterpret_cast<uv_async_s*>(wake->async_.get());
  if (uv_async_init(loop, async, onAsync) != 0) throw Error("ERR_INTERNAL", "uv_async_init failed");
  uv_handle_set_data(asHandle(async), wake.get());
  wake->self_ = wake;
  NAPI_THROW_IF_FAILED(env, napi_add_env_cleanup_hook(env, onTeardown, wake.get()), nullptr);
  return wake;
}

void JsWake::send() {
  if (senders_.fetch_add(1, std::memory_order_acquire) & kClosed) {
    senders_.fetch_sub(1, std::memory_order_release);
    return;
  }
  uv_async_send(reinterpret_cast<uv_async_s*>(async_.get()));
  senders_.fetch_sub(1, std::memory_order_release);
}

void JsWake::close() {
  if (senders_.fetch_or(kClosed, std::memory_order_acq_rel) & kClosed) return;
  // A send() that got in before the flag is one system call from done.
  while ((senders_.load(std::memory_order_acquire) & ~kClosed) != 0) std::this_thread::yield();
  napi_remove_env_cleanup_hook(env_, onTeardown, this);
  napi_async_destroy(env_, asyncContext_);
  napi_delete_reference(env_, resource_);
  uv_close(reinterpret_cast<uv_handle_s*>(async_.get()), onClosed);
}

void JsWake::onTeardown(void* self) { static_cast<JsWake*>(self)->close(); }

void JsWake::onClosed(uv_handle_s* handle) {
  auto* wake = static_cast<JsWake*>(uv_handle_get_data(handle));
  // Senders may still hold it; they find it closed.
  std::shared_ptr<JsWake> last = std::move(wake->self_);
}

void JsWake::onAsync(uv_async_s* handle) {
  auto* wake = static_cast<JsWake*>(uv_handle_get_data(asHandle(handle)));
  if (wake->senders_.load(std::memory_order_acquire) & kClosed) return;
  napi_env env = wake->env_;
  Napi::HandleScope handles(env);
  napi_value resource = nullptr;
  napi_callback_scope scope = nullptr;
  if (napi_get_reference_value(env, wake->resource_, &resource) != napi_ok ||
      napi_open_callback_scope(env, resource, wake->asyncContext_, &scope) != napi_ok)
    return;
  try {
    wake->onWake_(Napi::Env(env));
  } catch (const Napi::Error& error) {
    error.ThrowAsJavaScriptException();
  } catch (...) {
    toJsError(env, caughtError()).ThrowAsJavaScriptException();
  }
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
    napi_value error = nullptr;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
  napi_close_callback_scope(env, scope);
}

}  // namespace turbocam
