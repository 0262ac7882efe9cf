#pragma once

#include <uv.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "base/log.h"
#include "runtime/http/message.h"
#include "runtime/http/responder.h"

namespace ck::http {

struct Exchange;
class AsyncMailbox;

// One request handed to an asynchronous handler. Shared by its Responder
// (any thread) and the loop; outlives both the connection and the server
// when a Responder is kept that long.
struct AsyncCall {
  std::shared_ptr<AsyncMailbox> mailbox;
  // Loop thread only. The exchange waiting for this answer; null once it was
  // answered or its connection let go of it (the answer is then discarded).
  Exchange* exchange = nullptr;
};

// Where Responders leave their answers for the loop thread. Thread-safe.
// Shared (std::shared_ptr) by the AsyncLane and every AsyncCall, because a
// Responder may be answered after the server closed its handle: then the
// answer is dropped here instead of touching a closed uv_async_t.
class AsyncMailbox {
 public:
  struct Delivery {
    std::shared_ptr<AsyncCall> call;
    std::optional<Response> response;  // nullopt: the Responder was dropped
  };

  explicit AsyncMailbox(uv_async_t* async) : async_(async) {}
  // Any thread. Queues the delivery and wakes the loop; dropped when closed.
  void post(Delivery delivery);
  // Loop thread: everything posted so far, oldest first.
  std::vector<Delivery> take();
  // Loop thread: no more wake-ups; what is queued and what comes later is
  // discarded. Called before the handle is closed.
  void close();

 private:
  std::mutex mu_;
  uv_async_t* async_;                // GUARDED_BY(mu_): null once closed
  std::vector<Delivery> deliveries_;  // GUARDED_BY(mu_)
};

// The loop side of asynchronous routes for one HttpServer: starts calls,
// receives their answers through one uv_async_t and hands each to its
// connection. The handle keeps the loop alive only while a call is
// outstanding. Loop thread only.
class AsyncLane {
 public:
  explicit AsyncLane(Logger& log) : log_(log) {}
  ~AsyncLane();  // closes the handle if close() was not called
  AsyncLane(const AsyncLane&) = delete;
  AsyncLane& operator=(const AsyncLane&) = delete;

  // Creates the handle. REQUIRES: not open yet.
  void open(uv_loop_t* loop);
  bool isOpen() const { return handle_ != nullptr && !closing_; }
  // Discards every answer still to come and closes the handle; `done` runs
  // once it is closed (on a later loop iteration).
  void close(std::function<void()> done);

  // Marks `ex` as waiting for an answer and returns the Responder that owes
  // it. REQUIRES: open.
  Responder begin(Exchange& ex);
  // The connection lets go of `ex` (it closes): its answer will be dropped.
  void detach(Exchange& ex);
  size_t outstanding() const { return outstanding_; }

 private:
  static void onAsync(uv_async_t* handle);
  void drain();
  void release();

  Logger& log_;
  uv_async_t* handle_ = nullptr;  // heap: its close callback may run after this is gone
  bool closing_ = false;
  std::shared_ptr<AsyncMailbox> mailbox_;
  std::function<void()> onClosed_;
  size_t outstanding_ = 0;  // calls begun, neither answered nor detached
};

}  // namespace ck::http
