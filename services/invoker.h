#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "base/status.h"
#include "services/access_principal.h"

namespace ck::services {

struct InvokerConfig {
  size_t workers = 0;          // JS worker threads; 0: max(4, hardware threads)
  size_t appQueueLimit = 256;  // invocations waiting per app; beyond: kAppBusy at once
  size_t appConcurrency = 0;   // invocations running per app; 0: workers - 1 (at least 1)
};

// One app's share of the JS lane at one moment (for stats and tests).
struct InvokeLoad {
  size_t queued = 0;   // waiting for a worker
  size_t running = 0;  // on a worker
};

// An app's limits; what is unset takes the default (DESIGN.md "Limits").
struct CodeLimits {
  std::optional<uint64_t> cpuMs;     // CPU time per invocation; default 5 s
  std::optional<uint64_t> wallMs;    // wall time per invocation; default 2x CPU, at most 60 s
  std::optional<size_t> heapBytes;   // V8 heap per isolate; default 128 MB
};

// The JavaScript lane as the rest of the host sees it: owns the JS workers
// (sandbox::JsWorkers) running each app's code in V8 isolates, and answers
// the code's host calls (sandbox::HostInterface): `echo` (returns its
// arguments, for tests) and the SDK's data, files, users, cache and log
// operations (services/host_calls.h), for the invocation's principals (see
// InvokeAs). Every app context gets the SDK (sdk-js/backendless.js) after
// the sandbox prelude, frozen with the intrinsics. Each app has a bounded
// cache (app_cache.h) and a log (app_log.h, under <data>/apps/<id>/logs/)
// holding its code's output and its failed invocations.
//
// Owned by the server core. Thread-safe. invoke() never blocks: it may be
// called on the loop thread. Expected failures come back as a Status through
// the callback; the JS error's stack and other details a client must not see
// go to the log.
class Host;

// On whose behalf an invocation runs (DESIGN.md "The principal model"): its
// code's host calls are evaluated for ServerCodeUser of `service` (limited
// by that service's grants), or for the caller when the service has
// "runAs": "caller"; `caller` is who invoked it (a client principal, or
// none for the admin and timers). Objects the code creates are owned by the
// caller's user.
struct InvokeAs {
  std::string service;             // empty: host calls to data are refused
  std::string method;
  std::optional<Principal> caller;  // REQUIRES: a client principal when set
  bool devMode = false;
  // This invocation's CPU limit instead of the app's (a method's
  // @executionTimeoutInSeconds); its wall limit is then twice that, at most 60 s.
  std::optional<uint64_t> cpuMs;
  std::string callerToken;  // the caller's user-token, if any: redacted from the app log
};

class Invoker {
 public:
  using Callback = std::function<void(Result<nlohmann::json>)>;
  // The settled value as JSON text, as the code's JSON.stringify wrote it
  // (object keys in the code's order), for answers that only send it on.
  using TextCallback = std::function<void(Result<std::string>)>;

  // `host` answers the code's data calls (`data.*` host operations); null:
  // only `echo`.
  Invoker(InvokerConfig config, Logger& log, Host* host = nullptr);
  ~Invoker();  // stop()
  Invoker(const Invoker&) = delete;
  Invoker& operator=(const Invoker&) = delete;

  // Installs or replaces an app's code: `files` maps relative paths
  // ("main.js", "lib/util.js") to sources, `entries` are the modules run at
  // load, whose exports are invocable. Invocations that start afterwards run
  // the new code; running ones finish on the old. kInvalidArgument when
  // there is no entry or an entry is not among the files. Compile errors
  // show at the first invocation (kBundleError, naming file, line, column),
  // since code only ever runs on a JS worker.
  Status setAppCode(const std::string& appId, std::map<std::string, std::string> files,
                    std::vector<std::string> entries, const CodeLimits& limits = {});
  void removeAppCode(const std::string& appId);

  // Runs `function` (an export of an entry module) of the app's code with
  // positional `args` (a JSON array) on a JS worker. `done` gets the settled
  // value, or an error Status: kAppNotFound (no code installed), kAppBusy
  // (the app's queue is full), kShuttingDown, kNoSuchFunction, kScriptError,
  // kCodeTimeout, kHeapExhausted, kNeverSettles, kBundleError, kInternal.
  // `done` runs at once on the calling thread when the invocation is refused
  // before it queues, otherwise on the JS worker thread; it must be short.
  // `requestId` names the invocation in logs.
  void invoke(const std::string& appId, const std::string& function, nlohmann::json args, Callback done,
              const std::string& requestId = "", InvokeAs as = {});
  // invoke(), answering the value as JSON text.
  void invokeText(const std::string& appId, const std::string& function, nlohmann::json args, TextCallback done,
                  const std::string& requestId = "", InvokeAs as = {});
  // invokeText() with the arguments as the JSON text of an array, for
  // callers that write it directly, followed by `textArgs` as strings
  // (sandbox::InvocationRequest::textArgs). REQUIRES: `argsJson` is valid JSON.
  void invokeJson(const std::string& appId, const std::string& function, std::string argsJson, TextCallback done,
                  const std::string& requestId = "", InvokeAs as = {}, std::vector<std::string> textArgs = {});

  // Refuses new invocations, finishes queued and running ones, joins the
  // workers. Idempotent. REQUIRES: not called from a `done` callback.
  void stop();
  size_t workers() const;
  InvokeLoad load(const std::string& appId) const;

 private:
  class Impl;
  // The one capability to make ServerCodeUser principals; never leaves the
  // Invoker (Impl borrows it).
  ServerCodeCapability capability_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ck::services
