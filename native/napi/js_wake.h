// Wakes the JS thread from native threads without taking a lock, and runs a callback there.
// A thread-safe function (napi_call_threadsafe_function) holds its queue's mutex across the
// eventfd write that wakes the JS thread, which then blocks on that mutex at once and sleeps a
// second time: on two cores, for most frames (a FIFO at 720p30: 55 context switches a second
// with the thread-safe function, 34 with this). uv_async_send is an atomic flag and the same
// write; sends made before the JS thread runs come to one call, as a latest-frame-wins slot wants.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

struct uv_async_s;
struct uv_handle_s;

namespace turbocam {

class JsWake {
 public:
  using Callback = std::function<void(Napi::Env)>;

  // On the JS thread. The callback runs in a callback scope (promise jobs and nextTicks run
  // after it); what it throws is reported as an uncaught exception. The open wake keeps the
  // event loop alive, as a camera that delivers frames should.
  static std::shared_ptr<JsWake> open(Napi::Env env, const char* name, Callback onWake);

  JsWake(const JsWake&) = delete;
  JsWake& operator=(const JsWake&) = delete;
  ~JsWake();

  // Any thread. Does nothing once close() has begun.
  void send();
  // On the JS thread; again, or at the environment's teardown, it does nothing. Waits for a
  // send() under way on another thread, then hands the handle back to libuv.
  void close();

 private:
  JsWake(Napi::Env env, Callback onWake);
  static void onAsync(uv_async_s* handle);
  static void onClosed(uv_handle_s* handle);
  static void onTeardown(void* self);

  static constexpr uint32_t kClosed = 1u << 31;

  napi_env env_;
  Callback onWake_;
  napi_async_context asyncContext_ = nullptr;
  napi_ref resource_ = nullptr;
  // A uv_async_t, sized by libuv itself (see js_wake.cc).
  std::unique_ptr<char[]> async_;
  // kClosed, plus the number of send() calls inside uv_async_send right now.
  std::atomic<uint32_t> senders_{0};
  // Itself, from open() until libuv has closed the handle.
  std::shared_ptr<JsWake> self_;
};

}  // namespace turbocam
