#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "base/log.h"
#include "base/status.h"
#include "sandbox/bundle.h"
#include "sandbox/invocation.h"
#include "sandbox/limits.h"

namespace ck::sandbox {

// An app's current code and isolate limits. Replaced whole on deploy.
struct AppCode {
  std::shared_ptr<const Bundle> bundle;
  Limits limits;
};

// Runs invocations of one app on one worker thread: an AppIsolate in
// production, a fake in scheduler tests. Created, used and destroyed on its
// worker thread.
class Executor {
 public:
  virtual ~Executor() = default;
  virtual InvocationResult invoke(const InvocationRequest& request) = 0;
  // True when the executor must be replaced before the next invocation.
  virtual bool retired() const = 0;
};

class ExecutorFactory {
 public:
  virtual ~ExecutorFactory() = default;
  // Called on the worker thread that will own the executor. An error Status
  // (e.g. kBundleError) is the result of the invocation that asked for it.
  virtual Result<std::unique_ptr<Executor>> create(const std::string& appId, const AppCode& code) = 0;
};

struct JsWorkersConfig {
  size_t workers = 0;         // 0: max(4, hardware threads)
  size_t appQueueLimit = 256; // invocations waiting per app; beyond: kAppBusy at once
  size_t appConcurrency = 0;  // invocations running per app at once; 0: workers - 1 (at least 1)
};

// One app's share of the lane at one moment, for tests and stats.
struct AppLoad {
  size_t queued = 0;   // submitted, not yet taken by a worker
  size_t running = 0;  // taken by a worker and not finished (counted down just after `done` returns)
};

// The JavaScript lane: a pool of JS worker threads. Each worker owns at most
// one executor (isolate) per app, made on first use and never touched by
// another thread. Each app has a bounded queue and a concurrency cap, so one
// app cannot occupy every worker and a looping invocation does not stall the
// rest of its own app.
//
// Thread-safe. submit() never blocks: when the app's queue is full, or the
// app is unknown, `done` runs at once on the calling thread with kAppBusy /
// kAppNotFound. Otherwise `done` runs on the worker thread that ran the
// invocation; it must be short (post the result elsewhere).
//
// Scheduling: within an app, invocations start in submission order (FIFO).
// Across apps, round-robin: apps with waiting work and a running count under
// their cap form a ring; a free worker takes the oldest invocation of the app
// at the front, and that app goes to the back of the ring if it still has
// runnable work. So an app's backlog never delays another app by more than
// one turn, and with every worker but one held by a looping app, the last
// worker serves the other apps.
//
// An executor (isolate) is created on the worker thread on the app's first
// invocation there, and replaced when the app's code changed since it was
// built (setApp) or when it reports retired(). Executors of removed or
// replaced apps are destroyed by their own worker as soon as it is idle.
// A failure to create one (kBundleError, ...) is the result of the
// invocation that asked for it; the next invocation tries again. An
// executor or factory that throws is a bug: the invocation gets kInternal,
// the worker keeps serving.
class JsWorkers {
 public:
  JsWorkers(JsWorkersConfig config, ExecutorFactory& factory, Logger& log);
  ~JsWorkers();  // stop()
  JsWorkers(const JsWorkers&) = delete;
  JsWorkers& operator=(const JsWorkers&) = delete;

  // Installs or replaces an app's code. Invocations that start after this
  // run on the new code (workers rebuild their executor lazily); running
  // ones finish on the old. REQUIRES: `code` and its bundle are not null.
  void setApp(const std::string& appId, std::shared_ptr<const AppCode> code);
  // Forgets the app: later submissions get kAppNotFound, invocations still
  // waiting get kAppNotFound (their `done` runs on this calling thread),
  // running ones finish. Workers drop its executors. No-op for an unknown app.
  void removeApp(const std::string& appId);

  // Queues one invocation of `appId`. After stop() began, `done` runs at once
  // on the calling thread with kShuttingDown.
  void submit(const std::string& appId, InvocationRequest request, std::function<void(InvocationResult)> done);

  // Rejects new submissions, lets queued and running invocations finish,
  // joins the threads (destroying their executors). Idempotent; a second
  // caller waits for the first. REQUIRES: not called from a worker thread
  // (not from `done`).
  void stop();

  size_t workers() const;
  // The effective per-app concurrency cap (config.appConcurrency resolved).
  size_t appConcurrency() const;
  AppLoad load(const std::string& appId) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ck::sandbox
