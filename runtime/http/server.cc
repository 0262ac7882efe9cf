#include "runtime/http/server.h"

#include <signal.h>
#include <uv.h>

#include <atomic>
#include <random>
#include <unordered_set>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "runtime/http/connection.h"
#include "runtime/http/server_context.h"

namespace ck::http {
namespace {

uint64_t randomSeed() {
  std::random_device rd;
  uint64_t seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  return seed ^ uv_hrtime();
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(uv_loop_t* loop, ServerConfig config, const Router& router, WorkerPool& pool, Logger& log,
       const Clock& clock)
      : ctx_(loop, std::move(config), router, pool, log, clock, randomSeed()) {
    ctx_.onConnectionDone = [this](Connection* c) {
      connections_.erase(c);
      delete c;
      maybeFinishShutdown();
    };
  }

  ~Impl() {
    if (!connections_.empty()) {
      // Their handles are still in the loop; freeing them here would leave it
      // pointing at freed memory. A bug in the caller: shutdown() first.
      ctx_.log.error("HttpServer destroyed with open connections (shutdown() not completed)",
                     {{"connections", static_cast<uint64_t>(connections_.size())}});
    }
    if (listener_) {
      listener_->data = nullptr;
      if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(listener_))) {
        uv_close(reinterpret_cast<uv_handle_t*>(listener_), &Impl::onListenerClosed);
      }
    }
    if (graceTimer_) graceTimer_->data = nullptr;
  }

  Status listen() {
    if (listener_ || ctx_.shuttingDown) return Status(ErrorCode::kInvalidArgument, "listen() called twice");
    // Writing to a socket the peer has reset raises SIGPIPE, whose default
    // action kills the process; libuv does not mask it.
    ::signal(SIGPIPE, SIG_IGN);
    const ServerConfig& cfg = ctx_.config;
    sockaddr_storage addr{};
    std::string host = cfg.host == "localhost" ? "127.0.0.1" : cfg.host;
    if (uv_ip4_addr(host.c_str(), cfg.port, reinterpret_cast<sockaddr_in*>(&addr)) != 0 &&
        uv_ip6_addr(host.c_str(), cfg.port, reinterpret_cast<sockaddr_in6*>(&addr)) != 0) {
      return Status(ErrorCode::kInvalidArgument, fmt::format("not an IP address to listen on: {}", cfg.host));
    }
    if (cfg.port < 0 || cfg.port > 65535) {
      return Status(ErrorCode::kInvalidArgument, fmt::format("not a port: {}", cfg.port));
    }
    listener_ = new uv_tcp_t;
    uv_tcp_init(ctx_.loop, listener_);
    listener_->data = this;
    int rc = uv_tcp_bind(listener_, reinterpret_cast<const sockaddr*>(&addr), 0);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(listener_), 511, &Impl::onConnection);
    if (rc != 0) {
      closeListener();
      ErrorCode code = rc == UV_EADDRINUSE ? ErrorCode::kAlreadyExists : ErrorCode::kInvalidArgument;
      return Status(code, fmt::format("cannot listen on {}:{}: {}", cfg.host, cfg.port, uv_strerror(rc)));
    }
    ctx_.async.open(ctx_.loop);
    sockaddr_storage bound{};
    int len = sizeof bound;
    uv_tcp_getsockname(listener_, reinterpret_cast<sockaddr*>(&bound), &len);
    port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    return {};
  }

  int port() const { return port_.load(); }

  void shutdown(std::function<void()> done) {
    if (done) doneCallbacks_.push_back(std::move(done));
    if (ctx_.shuttingDown) {
      maybeFinishShutdown();
      return;
    }
    ctx_.shuttingDown = true;
    closeListener();
    graceTimer_ = new uv_timer_t;
    uv_timer_init(ctx_.loop, graceTimer_);
    graceTimer_->data = this;
    uv_timer_start(graceTimer_, &Impl::onGraceExpired, ctx_.config.shutdownGraceMs, 0);
    // beginShutdown never deletes a connection synchronously, so iterating is safe.
    for (Connection* c : connections_) c->beginShutdown();
    maybeFinishShutdown();
  }

  size_t openConnections() const { return connections_.size(); }
  const ServerStats& stats() const { return ctx_.stats; }

 private:
  static void onConnection(uv_stream_t* server, int status) {
    auto* self = static_cast<Impl*>(server->data);
    if (!self) return;
    if (status < 0) {
      self->ctx_.log.warn("accept failed", {{"error", uv_strerror(status)}});
      return;
    }
    auto* conn = new Connection(self->ctx_);
    self->connections_.insert(conn);
    if (uv_accept(server, conn->stream()) != 0) {
      conn->closeNow();
      return;
    }
    ++self->ctx_.stats.connectionsAccepted;
    conn->start(self->connections_.size() > self->ctx_.config.maxConnections);
  }

  void closeListener() {
    if (!listener_ || uv_is_closing(reinterpret_cast<uv_handle_t*>(listener_))) return;
    uv_close(reinterpret_cast<uv_handle_t*>(listener_), &Impl::onListenerClosed);
  }

  static void onListenerClosed(uv_handle_t* handle) {
    auto* self = static_cast<Impl*>(handle->data);
    delete reinterpret_cast<uv_tcp_t*>(handle);
    if (!self) return;
    self->listener_ = nullptr;
    self->maybeFinishShutdown();
  }

  static void onGraceExpired(uv_timer_t* timer) {
    auto* self = static_cast<Impl*>(timer->data);
    if (!self) return;
    if (!self->connections_.empty()) {
      self->ctx_.log.warn("shutdown grace expired; closing connections",
                          {{"connections", static_cast<uint64_t>(self->connections_.size())}});
    }
    for (Connection* c : self->connections_) c->closeNow();
  }

  // Once the listener and every connection are gone: closes the grace timer
  // and the async lane (answers still owed are dropped), then finishes.
  void maybeFinishShutdown() {
    if (!ctx_.shuttingDown || finishing_ || listener_ || !connections_.empty()) return;
    finishing_ = true;
    closesPending_ = 1;  // released below, after starting the closes
    if (graceTimer_) {
      ++closesPending_;
      uv_close(reinterpret_cast<uv_handle_t*>(graceTimer_), [](uv_handle_t* h) {
        auto* self = static_cast<Impl*>(h->data);
        delete reinterpret_cast<uv_timer_t*>(h);
        if (!self) return;
        self->graceTimer_ = nullptr;
        self->closed();
      });
    }
    if (ctx_.async.isOpen()) {
      ++closesPending_;
      ctx_.async.close([this] { closed(); });
    }
    closed();
  }

  void closed() {
    if (--closesPending_ == 0) finish();
  }

  // Runs the shutdown callbacks; one of them may destroy this server.
  void finish() {
    std::vector<std::function<void()>> callbacks;
    callbacks.swap(doneCallbacks_);
    for (auto& cb : callbacks) cb();
  }

  ServerContext ctx_;
  uv_tcp_t* listener_ = nullptr;    // heap: freed in its close callback
  uv_timer_t* graceTimer_ = nullptr;  // heap: freed in its close callback
  std::unordered_set<Connection*> connections_;  // owned; deleted via onConnectionDone
  std::vector<std::function<void()>> doneCallbacks_;
  bool finishing_ = false;
  int closesPending_ = 0;  // handles still closing once finishing_
  std::atomic<int> port_{0};
};

HttpServer::HttpServer(uv_loop_t* loop, ServerConfig config, const Router& router, WorkerPool& pool, Logger& log,
                       const Clock& clock)
    : impl_(std::make_unique<Impl>(loop, std::move(config), router, pool, log, clock)) {}
HttpServer::~HttpServer() = default;
Status HttpServer::listen() { return impl_->listen(); }
int HttpServer::port() const { return impl_->port(); }
void HttpServer::shutdown(std::function<void()> done) { impl_->shutdown(std::move(done)); }
size_t HttpServer::openConnections() const { return impl_->openConnections(); }
const ServerStats& HttpServer::stats() const { return impl_->stats(); }

}  // namespace ck::http
