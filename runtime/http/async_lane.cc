#include "runtime/http/async_lane.h"

#include <string>
#include <utility>

#include "runtime/http/connection.h"
#include "runtime/http/exchange.h"

namespace ck::http {

// ---------------------------------------------------------------------------
// Responder (any thread)

namespace {

// Hands `call`'s answer to the loop. The mailbox is held here because the
// delivery may be the last owner of the call, and so of the mailbox.
void deliver(std::shared_ptr<AsyncCall> call, std::optional<Response> response) {
  std::shared_ptr<AsyncMailbox> mailbox = call->mailbox;
  mailbox->post({std::move(call), std::move(response)});
}

}  // namespace

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (call_) deliver(std::move(call_), std::nullopt);
    call_ = std::move(other.call_);
  }
  return *this;
}

Responder::~Responder() {
  if (call_) deliver(std::move(call_), std::nullopt);
}

void Responder::send(Response response) {
  if (!call_) return;
  deliver(std::move(call_), std::move(response));
}

// ---------------------------------------------------------------------------
// AsyncMailbox

void AsyncMailbox::post(Delivery delivery) {
  std::lock_guard lock(mu_);
  if (!async_) return;  // closed: the answer has nowhere to go
  deliveries_.push_back(std::move(delivery));
  // Under the lock: close() clears async_ under it before the handle closes.
  uv_async_send(async_);
}

std::vector<AsyncMailbox::Delivery> AsyncMailbox::take() {
  std::vector<Delivery> out;
  std::lock_guard lock(mu_);
  out.swap(deliveries_);
  return out;
}

void AsyncMailbox::close() {
  std::vector<Delivery> dropped;
  std::lock_guard lock(mu_);
  async_ = nullptr;
  dropped.swap(deliveries_);
}

// ---------------------------------------------------------------------------
// AsyncLane (loop thread)

AsyncLane::~AsyncLane() {
  if (!handle_) return;
  handle_->data = nullptr;
  if (!closing_) {
    mailbox_->close();
    uv_close(reinterpret_cast<uv_handle_t*>(handle_), [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
  }
}

void AsyncLane::open(uv_loop_t* loop) {
  handle_ = new uv_async_t;
  uv_async_init(loop, handle_, &AsyncLane::onAsync);
  handle_->data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
  mailbox_ = std::make_shared<AsyncMailbox>(handle_);
}

void AsyncLane::close(std::function<void()> done) {
  if (!handle_ || closing_) {
    if (done) done();
    return;
  }
  closing_ = true;
  mailbox_->close();
  onClosed_ = std::move(done);
  uv_close(reinterpret_cast<uv_handle_t*>(handle_), [](uv_handle_t* h) {
    auto* self = static_cast<AsyncLane*>(h->data);
    delete reinterpret_cast<uv_async_t*>(h);
    if (!self) return;
    self->handle_ = nullptr;
    std::function<void()> fn = std::move(self->onClosed_);
    if (fn) fn();  // may destroy the server, and this with it
  });
}

Responder AsyncLane::begin(Exchange& ex) {
  auto call = std::make_shared<AsyncCall>();
  call->mailbox = mailbox_;
  call->exchange = &ex;
  ex.async = call;
  if (outstanding_++ == 0) uv_ref(reinterpret_cast<uv_handle_t*>(handle_));
  return Responder(std::move(call));
}

void AsyncLane::detach(Exchange& ex) {
  if (!ex.async) return;
  ex.async->exchange = nullptr;
  ex.async.reset();
  release();
}

void AsyncLane::release() {
  if (--outstanding_ == 0 && handle_ && !closing_) uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
}

void AsyncLane::onAsync(uv_async_t* handle) {
  if (auto* self = static_cast<AsyncLane*>(handle->data)) self->drain();
}

void AsyncLane::drain() {
  for (AsyncMailbox::Delivery& d : mailbox_->take()) {
    Exchange* ex = d.call->exchange;
    if (!ex) continue;  // its connection closed first
    d.call->exchange = nullptr;
    ex->async.reset();
    release();
    Response response;
    if (d.response) {
      response = std::move(*d.response);
    } else {
      std::string_view id(ex->id, RequestIdGenerator::kLength);
      log_.error("async handler dropped its responder", {{"id", id}, {"route", ex->route->pattern}});
      response = Response::error(ErrorCode::kInternal, "Internal error, ref " + std::string(id));
    }
    ex->conn->onAsyncDone(*ex, std::move(response));  // may delete that connection
  }
}

}  // namespace ck::http
