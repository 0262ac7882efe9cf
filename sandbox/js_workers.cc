#include "sandbox/js_workers.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <list>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace ck::sandbox {
namespace {

InvocationResult refused(ErrorCode code, std::string message) {
  InvocationResult r;
  r.status = Status(code, std::move(message));
  return r;
}

double msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

class JsWorkers::Impl {
 public:
  Impl(JsWorkersConfig config, ExecutorFactory& factory, Logger& log)
      : config_(config), factory_(factory), log_(log) {
    if (config_.workers == 0) {
      config_.workers = std::max<size_t>(4, std::thread::hardware_concurrency());
    }
    if (config_.appConcurrency == 0) config_.appConcurrency = std::max<size_t>(1, config_.workers - 1);
    threads_.reserve(config_.workers);
    for (size_t i = 0; i < config_.workers; ++i) threads_.emplace_back([this, i] { runWorker(i); });
  }

  ~Impl() { stop(); }

  void setApp(const std::string& appId, std::shared_ptr<const AppCode> code) {
    if (!code || !code->bundle) throw std::invalid_argument("JsWorkers::setApp: code and bundle are required");
    {
      std::lock_guard lock(mu_);
      std::unique_ptr<App>& slot = apps_[appId];
      if (!slot) {
        slot = std::make_unique<App>();
        slot->id = appId;
      }
      slot->code = std::move(code);
      slot->version = ++lastVersion_;
      ++epoch_;
    }
    cv_.notify_all();  // idle workers drop executors built from the old code
  }

  void removeApp(const std::string& appId) {
    std::deque<Pending> dropped;
    {
      std::lock_guard lock(mu_);
      auto it = apps_.find(appId);
      if (it == apps_.end() || !it->second->code) return;
      App& app = *it->second;
      app.code = nullptr;
      dropped.swap(app.queue);
      queued_ -= dropped.size();
      leaveRing(app);
      if (app.running == 0) apps_.erase(it);
      ++epoch_;
    }
    cv_.notify_all();
    for (Pending& p : dropped) {
      deliver(p, refused(ErrorCode::kAppNotFound, fmt::format("App {} was removed", appId)));
    }
  }

  void submit(const std::string& appId, InvocationRequest request, std::function<void(InvocationResult)> done) {
    Pending pending{std::move(request), std::move(done)};
    InvocationResult refusal;
    {
      std::lock_guard lock(mu_);
      auto it = apps_.find(appId);
      if (stopping_) {
        refusal = refused(ErrorCode::kShuttingDown, "The JavaScript lane is shutting down");
      } else if (it == apps_.end() || !it->second->code) {
        refusal = refused(ErrorCode::kAppNotFound, fmt::format("App {} has no code installed", appId));
      } else if (it->second->queue.size() >= config_.appQueueLimit) {
        refusal = refused(ErrorCode::kAppBusy,
                          fmt::format("App {} already has {} invocations waiting; try again later", appId,
                                      it->second->queue.size()));
      } else {
        App& app = *it->second;
        app.queue.push_back(std::move(pending));
        ++queued_;
        if (enterRingIfRunnable(app)) wakeOneLocked();
        return;
      }
    }
    deliver(pending, std::move(refusal));
  }

  void stop() {
    std::lock_guard stopLock(stopMu_);
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  size_t workers() const { return config_.workers; }
  size_t appConcurrency() const { return config_.appConcurrency; }

  AppLoad load(const std::string& appId) const {
    std::lock_guard lock(mu_);
    auto it = apps_.find(appId);
    if (it == apps_.end()) return {};
    return {it->second->queue.size(), it->second->running};
  }

 private:
  struct Pending {
    InvocationRequest request;
    std::function<void(InvocationResult)> done;
  };

  // One app's code and scheduling state. An App whose code is null has been
  // removed; it stays in apps_ only until its running invocations finish, so
  // a worker can always find it again to count its invocation as finished.
  struct App {
    std::string id;
    std::shared_ptr<const AppCode> code;  // null once removed
    uint64_t version = 0;                 // which setApp installed `code`
    std::deque<Pending> queue;            // oldest first
    size_t running = 0;
    bool inRing = false;
    std::list<App*>::iterator ringPos;    // valid while inRing
  };

  // What a worker took: one invocation plus the code it must run on.
  struct Task {
    App* app;  // stays in apps_ while running > 0
    std::string appId;
    std::shared_ptr<const AppCode> code;
    uint64_t version;
    Pending pending;
  };

  // A worker's executor for one app. Worker thread only.
  struct Slot {
    std::unique_ptr<Executor> executor;
    uint64_t version = 0;  // App::version it was built from
  };
  using Slots = std::unordered_map<std::string, Slot>;

  // REQUIRES: mu_ held. Puts `app` at the back of the ring when it has
  // waiting work and room under its cap; returns whether it is in the ring.
  bool enterRingIfRunnable(App& app) {
    if (!app.inRing && !app.queue.empty() && app.running < config_.appConcurrency) {
      app.ringPos = ring_.insert(ring_.end(), &app);
      app.inRing = true;
    }
    return app.inRing;
  }

  // REQUIRES: mu_ held.
  void leaveRing(App& app) {
    if (!app.inRing) return;
    ring_.erase(app.ringPos);
    app.inRing = false;
  }

  // REQUIRES: mu_ held, ring_ not empty.
  Task take() {
    App& app = *ring_.front();
    leaveRing(app);
    Task task{&app, app.id, app.code, app.version, std::move(app.queue.front())};
    app.queue.pop_front();
    --queued_;
    ++app.running;
    enterRingIfRunnable(app);  // round-robin: back of the ring
    return task;
  }

  // REQUIRES: mu_ held. Counts the task's invocation as finished.
  void finish(Task& task) {
    App& app = *task.app;
    --app.running;
    if (!app.code) {
      if (app.running == 0) {
        std::string id = app.id;  // erase() must not read the key it destroys
        apps_.erase(id);
      }
      return;
    }
    if (enterRingIfRunnable(app)) wakeOneLocked();
  }

  // REQUIRES: mu_ held. Wakes one waiting worker for runnable work, unless a
  // wake is already on its way. A woken worker takes work in a loop and
  // passes the wake on when it leaves work behind (runWorker), so every
  // runnable invocation still has a worker coming, but a burst of
  // submissions costs one wake-up instead of one per invocation. Waking a
  // worker per submission kept every worker cycling through futex waits and
  // context switches (5.7 futex calls per request with four workers on one
  // core, 0.1 with one), and spread one app's calls over every worker's
  // isolate, each with its own cold caches.
  void wakeOneLocked() {
    if (wakePending_ || waiting_ == 0) return;
    wakePending_ = true;
    cv_.notify_one();
  }

  void runWorker(size_t index) {
    std::string name = fmt::format("ck-js-{}", index);
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    // A woken worker does not preempt the thread that woke it (the loop
    // thread, mostly): the loop goes on reading and queueing, and the worker
    // takes the queue as a batch when the loop waits. With the default policy
    // each hand-off preempted the other thread, a context switch per call in
    // each direction. Only wake-up preemption changes: the CPU share is the
    // same. Best effort: refused, the default stays.
    sched_param param{};
    (void)sched_setscheduler(0, SCHED_BATCH, &param);
    Slots slots;  // this thread's executors; no other thread touches them
    uint64_t seenEpoch = 0;
    std::unique_lock lock(mu_);
    while (true) {
      if (seenEpoch != epoch_) {
        seenEpoch = epoch_;
        std::vector<std::unique_ptr<Executor>> stale = collectStale(slots);
        if (!stale.empty()) {
          lock.unlock();
          stale.clear();  // destroyed here, on their own thread, outside the lock
          lock.lock();
        }
        continue;  // the epoch may have moved again meanwhile
      }
      if (!ring_.empty()) {
        Task task = take();
        if (!ring_.empty()) wakeOneLocked();  // work is left for another worker
        lock.unlock();
        run(task, slots, index);
        lock.lock();
        finish(task);
        continue;
      }
      if (stopping_ && queued_ == 0) break;
      ++waiting_;
      cv_.wait(lock);
      --waiting_;
      wakePending_ = false;  // whichever wake this was, the next one may go out
    }
    // Another worker may be waiting for a queue that only this one's exit
    // could not empty; nothing is queued, so they all leave too.
    lock.unlock();
    cv_.notify_all();
    slots.clear();  // executors die on the thread that made them
  }

  // REQUIRES: mu_ held. Takes the executors of apps that were removed or got
  // new code out of `slots`.
  std::vector<std::unique_ptr<Executor>> collectStale(Slots& slots) {
    std::vector<std::unique_ptr<Executor>> stale;
    for (auto it = slots.begin(); it != slots.end();) {
      auto app = apps_.find(it->first);
      bool current = app != apps_.end() && app->second->code && app->second->version == it->second.version;
      if (current) {
        ++it;
        continue;
      }
      stale.push_back(std::move(it->second.executor));
      it = slots.erase(it);
    }
    return stale;
  }

  // Worker thread, mu_ not held.
  void run(Task& task, Slots& slots, size_t index) {
    auto start = std::chrono::steady_clock::now();
    InvocationResult result;
    Slot& slot = slots[task.appId];
    if (slot.executor && (slot.version != task.version || slot.executor->retired())) slot.executor.reset();
    if (!slot.executor) {
      try {
        Result<std::unique_ptr<Executor>> made = factory_.create(task.appId, *task.code);
        if (made.ok()) {
          slot.executor = std::move(made).value();
          slot.version = task.version;
          log_.debug("executor created", {{"app", task.appId}, {"worker", static_cast<uint64_t>(index)},
                                          {"ms", msSince(start)}});
        } else {
          result.status = made.status();
        }
      } catch (const std::exception& e) {
        log_.error("executor factory threw", {{"app", task.appId}, {"error", e.what()}});
        result.status = Status::error(ErrorCode::kInternal);
      } catch (...) {
        log_.error("executor factory threw", {{"app", task.appId}, {"error", "a non-standard exception"}});
        result.status = Status::error(ErrorCode::kInternal);
      }
    }
    if (slot.executor) {
      try {
        result = slot.executor->invoke(task.pending.request);
      } catch (const std::exception& e) {
        log_.error("executor threw", {{"app", task.appId}, {"id", task.pending.request.id}, {"error", e.what()}});
        result = refused(ErrorCode::kInternal, errorInfo(ErrorCode::kInternal).defaultMessage);
      } catch (...) {
        log_.error("executor threw",
                   {{"app", task.appId}, {"id", task.pending.request.id}, {"error", "a non-standard exception"}});
        result = refused(ErrorCode::kInternal, errorInfo(ErrorCode::kInternal).defaultMessage);
      }
      // A retired executor (heap exhausted) is freed now rather than at the
      // app's next invocation on this worker, which may never come.
      if (slot.executor->retired()) slot.executor.reset();
    }
    if (!slot.executor) slots.erase(task.appId);
    deliver(task.pending, std::move(result));
  }

  void deliver(Pending& pending, InvocationResult result) {
    try {
      pending.done(std::move(result));
    } catch (const std::exception& e) {
      log_.error("invocation callback threw", {{"id", pending.request.id}, {"error", e.what()}});
    } catch (...) {
      log_.error("invocation callback threw", {{"id", pending.request.id}, {"error", "a non-standard exception"}});
    }
  }

  JsWorkersConfig config_;  // resolved in the constructor; immutable afterwards
  ExecutorFactory& factory_;
  Logger& log_;
  std::vector<std::thread> threads_;
  std::mutex stopMu_;  // serialises stop()

  mutable std::mutex mu_;
  std::condition_variable cv_;  // work became runnable, the apps changed, or stopping
  std::map<std::string, std::unique_ptr<App>> apps_;  // GUARDED_BY(mu_)
  std::list<App*> ring_;      // GUARDED_BY(mu_): apps with runnable work, next first
  size_t queued_ = 0;         // GUARDED_BY(mu_): waiting invocations of every app
  uint64_t lastVersion_ = 0;  // GUARDED_BY(mu_)
  uint64_t epoch_ = 0;        // GUARDED_BY(mu_): bumped when any app's code changes or goes
  bool stopping_ = false;     // GUARDED_BY(mu_)
  size_t waiting_ = 0;        // GUARDED_BY(mu_): workers blocked on cv_
  bool wakePending_ = false;  // GUARDED_BY(mu_): notified, not yet woken (wakeOneLocked)
};

JsWorkers::JsWorkers(JsWorkersConfig config, ExecutorFactory& factory, Logger& log)
    : impl_(std::make_unique<Impl>(config, factory, log)) {}
JsWorkers::~JsWorkers() = default;
void JsWorkers::setApp(const std::string& appId, std::shared_ptr<const AppCode> code) {
  impl_->setApp(appId, std::move(code));
}
void JsWorkers::removeApp(const std::string& appId) { impl_->removeApp(appId); }
void JsWorkers::submit(const std::string& appId, InvocationRequest request,
                       std::function<void(InvocationResult)> done) {
  impl_->submit(appId, std::move(request), std::move(done));
}
void JsWorkers::stop() { impl_->stop(); }
size_t JsWorkers::workers() const { return impl_->workers(); }
size_t JsWorkers::appConcurrency() const { return impl_->appConcurrency(); }
AppLoad JsWorkers::load(const std::string& appId) const { return impl_->load(appId); }

}  // namespace ck::sandbox
