// Runs blocking native work (opening devices, joining threads) on the libuv pool and settles a
// promise with the result, so the JS thread never waits on a device.
#pragma once

#include <napi.h>

#include <functional>
#include <optional>

#include "error.h"
#include "napi/js_error.h"

namespace turbocam {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<void()>;
  using Resolve = std::function<Napi::Value(Napi::Env)>;
  using Reject = std::function<void()>;

  // Queues the work; returns the promise. onReject runs on the JS thread before a rejection.
  static Napi::Promise run(Napi::Env env, Work work, Resolve resolve, Reject onReject = nullptr) {
    auto* worker = new PromiseWorker(env, std::move(work), std::move(resolve), std::move(onReject));
    Napi::Promise promise = worker->deferred_.Promise();
    worker->Queue();
    return promise;
  }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (...) {
      error_ = caughtError();
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (error_) {
      try {
        if (onReject_) onReject_();
      } catch (...) {
        // Clean-up that failed too: the promise still rejects, with the error that caused it.
      }
      deferred_.Reject(toJsError(env, *error_).Value());
      return;
    }
    try {
      deferred_.Resolve(guardJs(env, [&] { return resolve_(env); }));
    } catch (const Napi::Error& error) {
      deferred_.Reject(error.Value());
    }
  }

 private:
  PromiseWorker(Napi::Env env, Work work, Resolve resolve, Reject onReject)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)),
        resolve_(std::move(resolve)),
        onReject_(std::move(onReject)) {}

  Napi::Promise::Deferred deferred_;
  Work work_;
  Resolve resolve_;
  Reject onReject_;
  std::optional<Error> error_;
};

}  // namespace turbocam
