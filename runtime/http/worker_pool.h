#pragma once

#include <cstddef>
#include <functional>
#include <memory>

typedef struct uv_loop_s uv_loop_t;

namespace ck::http {

// A fixed pool of threads for handlers that run no JavaScript (the "direct"
// lane). `post` queues work from the loop thread; `work` runs on a pool
// thread, then `done` runs back on the loop thread. Owned by the server core;
// stop() joins the threads after the queue drains and closes its loop handle.
class WorkerPool {
 public:
  WorkerPool(uv_loop_t* loop, size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // REQUIRES: called on the loop thread, before stop().
  void post(std::function<void()> work, std::function<void()> done);
  // Finishes queued work, joins the threads, closes the async handle (the
  // close completes on the next loop iteration).
  void stop();
  size_t threads() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ck::http
