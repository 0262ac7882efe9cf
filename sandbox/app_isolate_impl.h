#pragma once

// Internal to sandbox/: the state behind AppIsolate. app_isolate.cc builds
// and destroys it; app_isolate_invoke.cc runs invocations.

#include <v8.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/app_isolate.h"
#include "sandbox/binding.h"
#include "sandbox/host_api.h"
#include "sandbox/json_v8.h"
#include "sandbox/limited_allocator.h"
#include "sandbox/module_loader.h"
#include "sandbox/v8_platform.h"
#include "sandbox/watchdog.h"

namespace ck::sandbox {

// Address space reserved for each isolate's machine code. V8's default on
// x64 is 128 MB per isolate (there is no pointer-compression cage in this
// build); 32 MB is far more than the JIT code of a bundle and lets hundreds
// of isolates fit a modest RLIMIT_AS. Regular expressions are interpreted
// (v8_platform.cc), so scripts cannot fill it with compiled RegExps.
constexpr size_t kCodeRangeBytes = 32u << 20;

// Unhandled rejections kept per invocation; the rest are counted.
constexpr size_t kMaxTrackedRejections = 64;

class AppIsolate::Impl {
 public:
  Impl(const Options& options, HostInterface& host);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // Builds the isolate and context, runs the prelude and the entries.
  Status init();
  InvocationResult invoke(const InvocationRequest& request);
  bool retired() const { return retired_; }
  size_t heapUsedBytes() const;

 private:
  // One stretch of JS execution under limits: the watchdog armed with the
  // CPU and wall budgets (terminating the isolate when one runs out), the JS
  // stack limit, the frozen clock, the host API bound to the invocation, and
  // rejection tracking. finish() disarms and then always cancels any pending
  // termination, so none can reach the next run. Lives on the stack of
  // init() / invoke(), inside the isolate's scopes.
  class Run {
   public:
    Run(Impl& impl, uint64_t cpuMs, uint64_t wallMs, InvocationContext* invocation);
    ~Run() { finish(); }
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;

    // True once this run must stop running JS: the watchdog fired, the heap
    // ran out, or V8 is terminating.
    bool stopped();
    // Disarms and cancels termination; drops microtasks a terminated run
    // left queued (they would otherwise run in the next invocation, with its
    // caller). Idempotent; returns the budget that ran out, if any.
    Watchdog::Expiry finish();
    // The thread's CPU time when the run started (one clock read serves both).
    int64_t cpuStartNs() const { return arm_.cpuStartNs(); }

   private:
    Impl& impl_;
    FrozenClock clock_;
    Watchdog::Arm arm_;
    bool finished_ = false;
    Watchdog::Expiry expiry_ = Watchdog::Expiry::kNone;
  };

  struct Rejection {
    v8::Global<v8::Promise> promise;
    v8::Global<v8::Value> reason;
  };

  // init() steps.
  Status runPrelude(v8::Local<v8::Context> context, Run& run);
  Status loadEntries(v8::Local<v8::Context> context, Run& run);
  // The status of a run that stopped (timeout, heap) or failed to load.
  Status stoppedStatus(Watchdog::Expiry expiry, const char* during) const;

  // invoke() steps; see app_isolate_invoke.cc.
  Status findFunction(v8::Local<v8::Context> context, const std::string& name, v8::Local<v8::Function>* fn,
                      v8::Local<v8::Value>* receiver);
  void settle(v8::Local<v8::Context> context, v8::TryCatch& tryCatch, v8::MaybeLocal<v8::Value> returned,
              bool envelope, Run& run, InvocationResult& result);
  ToJson writeEnvelope(v8::Local<v8::Context> context, v8::Local<v8::Array> envelope, size_t maxBytes,
                       std::string* out);
  void reportRejections(v8::Local<v8::Context> context, v8::Local<v8::Value> returned, InvocationResult& result);

  // V8 callbacks (the Impl is isolate data slot 0).
  static size_t nearHeapLimit(void* data, size_t currentLimit, size_t initialLimit);
  static void promiseRejected(v8::PromiseRejectMessage message);
  static v8::MaybeLocal<v8::Promise> importDynamically(v8::Local<v8::Context> context, v8::Local<v8::Data> options,
                                                       v8::Local<v8::Value> resourceName,
                                                       v8::Local<v8::String> specifier,
                                                       v8::Local<v8::FixedArray> assertions);
  static bool allowWasm(v8::Local<v8::Context> context, v8::Local<v8::String> source);

  Options options_;
  HostInterface& host_;
  std::shared_ptr<LimitedAllocator> allocator_;
  v8::Isolate* isolate_ = nullptr;
  v8::Global<v8::Context> context_;
  std::unique_ptr<BindingTemplates> templates_;
  HostApi hostApi_;
  std::unique_ptr<ModuleLoader> loader_;
  std::vector<v8::Global<v8::Value>> entryExports_;  // module.exports of Bundle::entries, in order
  // The name findFunction looked up last, internalized: a host invokes the
  // same function (the SDK's __dispatch) again and again, and a new string
  // is hashed and looked up in the string table at every property lookup.
  std::string lastFunctionName_;
  v8::Global<v8::String> lastFunctionKey_;

  bool codeCachesStored_ = false;  // after the first completed invocation
  bool heapExhausted_ = false;     // set by nearHeapLimit on this thread
  bool retired_ = false;
  bool tracking_ = false;  // rejections are recorded only while a Run is alive
  std::vector<Rejection> rejections_;
  size_t untrackedRejections_ = 0;
};

}  // namespace ck::sandbox
