#pragma once

#include <functional>
#include <memory>

#include "runtime/http/message.h"

namespace ck::http {

struct AsyncCall;

// The answer to one request on an asynchronous route (Lane::kAsync): a
// one-shot that may be sent from any thread, later than the handler's return.
//
// Move-only; whoever holds it owns the duty to answer. send() hands the
// Response to the loop thread (through a uv_async_t), which writes it in the
// connection's request order. Destroying a Responder that was never sent
// answers 500 ("Internal error, ref <request id>", logged as a dropped
// responder), so a lost callback never leaves a client hanging. When the
// connection closed first (client gone, or cut at the shutdown grace
// deadline), the answer is discarded; a Responder may safely outlive the
// connection and the server.
//
// Callbacks that must be copyable (std::function) can hold it through a
// std::shared_ptr<Responder>: the request is answered by the first send(),
// or with 500 when the last copy goes.
class Responder {
 public:
  Responder() = default;  // empty: nothing to answer
  Responder(Responder&& other) noexcept = default;
  // An unanswered Responder on the left is dropped (500) first.
  Responder& operator=(Responder&& other) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  // Answers the request. Thread-safe with respect to the loop; the Responder
  // is empty afterwards, and send() on an empty one does nothing.
  void send(Response response);
  // Whether an answer is still owed.
  explicit operator bool() const { return call_ != nullptr; }

 private:
  friend class AsyncLane;
  explicit Responder(std::shared_ptr<AsyncCall> call) : call_(std::move(call)) {}
  // shared with the loop's AsyncLane, which may need it after the connection
  // (and even the server) is gone: see AsyncCall.
  std::shared_ptr<AsyncCall> call_;
};

// A handler of an asynchronous route. Runs on the loop thread and must not
// block: it starts the work (e.g. submits a JS invocation) and returns; the
// work answers through the Responder. `Request` is valid only during the
// call: copy what the work needs.
using AsyncHandler = std::function<void(Request&, Responder)>;

}  // namespace ck::http
