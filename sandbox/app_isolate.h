#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "sandbox/bundle.h"
#include "sandbox/host_interface.h"
#include "sandbox/invocation.h"
#include "sandbox/limits.h"

namespace ck::sandbox {

// JavaScript the host adds to every app context after the prelude has
// installed `Host` and before it deep-freezes the intrinsics (the SDK): run
// once per context, as the body of a function with no parameters, in
// order; whatever it puts on the global object is frozen with the rest.
// `source` must outlive every isolate built with it (a constant of the
// binary). A script that throws makes the isolate fail with kInternal.
struct IntrinsicScript {
  std::string name;         // in stack traces, e.g. "cloudkeep:sdk.js"
  std::string_view source;
};

// Initialises V8 once per process: flags (no WebAssembly, no
// SharedArrayBuffer, ...) before V8::Initialize, and the platform, whose
// clock JS sees frozen during an invocation (Date.now() does not move while
// code runs; it moves forward after each host call). Thread-safe and
// idempotent; every AppIsolate::create calls it. The flags are in
// v8_platform.cc and are process-wide.
void initializeV8();

// One V8 isolate with one locked-down context running one app's bundle.
//
// Created, used and destroyed on one thread (its JS worker) and never
// entered from another. One invocation at a time, start to finish. Reused
// across invocations: the intrinsics, globals and SDK are frozen, so nothing
// an invocation does to them reaches the next. After a heap OOM the isolate
// is retired(): the owner must destroy it and create a fresh one. No failure
// of JS code takes the process down.
class AppIsolate {
 public:
  struct Options {
    std::string appId;
    std::shared_ptr<const Bundle> bundle;
    Limits limits;  // heap, ArrayBuffer and stack limits apply to the isolate;
                    // cpuMs and wallMs bound the loading of the entries
    // Where internal errors of bindings (C++ exceptions, shown to JS only as
    // "internal error, ref <id>") are logged in full. May be null.
    Logger* log = nullptr;
    std::vector<IntrinsicScript> intrinsics;
  };

  // Builds the isolate, the context and the bindings, and runs the bundle's
  // entry modules. kBundleError names the file, line and column of a
  // compile or load error.
  static Result<std::unique_ptr<AppIsolate>> create(const Options& options, HostInterface& host);
  ~AppIsolate();
  AppIsolate(const AppIsolate&) = delete;
  AppIsolate& operator=(const AppIsolate&) = delete;

  // Runs `request.function` of the bundle with `request.args` and waits for
  // its result to settle (microtasks run inside the CPU budget).
  InvocationResult invoke(const InvocationRequest& request);

  // True once the isolate must not be used again (heap exhausted).
  bool retired() const;
  // V8 heap in use, for benchmarks and stats.
  size_t heapUsedBytes() const;

 private:
  class Impl;
  explicit AppIsolate(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ck::sandbox
