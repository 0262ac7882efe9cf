#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "sandbox/app_isolate.h"
#include "sandbox/host_interface.h"
#include "sandbox/js_workers.h"

namespace ck::sandbox {

// The production ExecutorFactory of JsWorkers: each executor is an
// AppIsolate running the app's bundle, built on the JS worker that asks and
// used and destroyed there only. Failures to build one (kBundleError with
// file, line and column; kInternal) are returned as values.
//
// Owned by whoever owns the JsWorkers, and must outlive them. Thread-safe
// (create() runs on several workers at once). `host` answers every binding
// call of every isolate it builds, from their worker threads, and must
// outlive them. Internal errors of bindings are logged in full to `log`.
// `intrinsics` run in every context after the prelude (AppIsolate::Options).
class IsolateExecutorFactory final : public ExecutorFactory {
 public:
  IsolateExecutorFactory(HostInterface& host, Logger& log, std::vector<IntrinsicScript> intrinsics = {})
      : host_(host), log_(log), intrinsics_(std::move(intrinsics)) {}
  Result<std::unique_ptr<Executor>> create(const std::string& appId, const AppCode& code) override;

 private:
  HostInterface& host_;
  Logger& log_;
  const std::vector<IntrinsicScript> intrinsics_;
};

}  // namespace ck::sandbox
