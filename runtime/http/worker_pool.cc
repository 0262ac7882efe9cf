#include "runtime/http/worker_pool.h"

#include <uv.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace ck::http {

class WorkerPool::Impl {
 public:
  Impl(uv_loop_t* loop, size_t threads) : async_(new uv_async_t) {
    uv_async_init(loop, async_, &Impl::onAsync);
    async_->data = this;
    uv_unref(reinterpret_cast<uv_handle_t*>(async_));
    if (threads == 0) threads = 1;
    threads_.reserve(threads);
    for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { runWorker(); });
  }

  ~Impl() { stop(); }

  void post(std::function<void()> work, std::function<void()> done) {
    if (outstanding_++ == 0) uv_ref(reinterpret_cast<uv_handle_t*>(async_));
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks_.push_back(Task{std::move(work), std::move(done)});
    }
    cv_.notify_one();
  }

  void runOnLoop(std::function<void()> fn) { complete(Completion{std::move(fn), false}); }

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
    drainCompletions();
    async_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(async_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
  }

  size_t threads() const { return threads_.size(); }

 private:
  struct Task {
    std::function<void()> work;
    std::function<void()> done;
  };
  struct Completion {
    std::function<void()> fn;
    bool isDone;  // ends a post() (vs. a runOnLoop())
  };

  void runWorker() {
    while (true) {
      Task task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task.work();
      complete(Completion{std::move(task.done), true});
    }
  }

  void complete(Completion c) {
    {
      std::lock_guard<std::mutex> lock(doneMu_);
      completions_.push_back(std::move(c));
    }
    uv_async_send(async_);
  }

  static void onAsync(uv_async_t* handle) {
    if (auto* self = static_cast<Impl*>(handle->data)) self->drainCompletions();
  }

  // Loop thread: runs what the workers finished, in order.
  void drainCompletions() {
    std::vector<Completion> batch;
    {
      std::lock_guard<std::mutex> lock(doneMu_);
      batch.swap(completions_);
    }
    for (Completion& c : batch) {
      if (c.fn) c.fn();
      if (c.isDone && --outstanding_ == 0 && !stopped_) uv_unref(reinterpret_cast<uv_handle_t*>(async_));
    }
  }

  uv_async_t* async_;  // heap: its close callback may run after this is gone
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> tasks_;  // GUARDED_BY(mu_)
  bool stopping_ = false;   // GUARDED_BY(mu_)
  std::mutex doneMu_;
  std::vector<Completion> completions_;  // GUARDED_BY(doneMu_)
  size_t outstanding_ = 0;  // loop thread only: posted, `done` not yet run
  bool stopped_ = false;    // loop thread only
};

WorkerPool::WorkerPool(uv_loop_t* loop, size_t threads) : impl_(std::make_unique<Impl>(loop, threads)) {}
WorkerPool::~WorkerPool() = default;
void WorkerPool::post(std::function<void()> work, std::function<void()> done) {
  impl_->post(std::move(work), std::move(done));
}
void WorkerPool::runOnLoop(std::function<void()> fn) { impl_->runOnLoop(std::move(fn)); }
void WorkerPool::stop() { impl_->stop(); }
size_t WorkerPool::threads() const { return impl_->threads(); }

}  // namespace ck::http
