#pragma once

#include <cstddef>
#include <functional>
#include <memory>

typedef struct uv_loop_s uv_loop_t;

namespace ck::http {

// A fixed pool of threads for handlers that run no JavaScript (the "direct"
// lane). `post` queues work from the loop thread; `work` runs on a pool
// thread, then `done` runs back on the loop thread (woken through one
// uv_async_t, which keeps the loop alive only while work is outstanding).
// Owned by the server core; stop() joins the threads after the queue drains
// and closes its loop handle.
class WorkerPool {
 public:
  // `threads` of 0 means 1.
  WorkerPool(uv_loop_t* loop, size_t threads);
  // Calls stop() if it was not called. REQUIRES: on the loop thread.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // REQUIRES: called on the loop thread, before stop(). `work` must not throw
  // (an exception escaping it terminates the process); callers catch their own.
  void post(std::function<void()> work, std::function<void()> done);
  // Runs `fn` on the loop thread soon, after every `done` already queued.
  // Callable from any thread, but only while some posted work is still
  // outstanding (e.g. from inside `work`), so the loop is sure to wake.
  void runOnLoop(std::function<void()> fn);
  // Finishes queued work, joins the threads, runs the remaining `done`
  // callbacks, closes the async handle (the close completes on the next loop
  // iteration). Idempotent.
  void stop();
  size_t threads() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ck::http
