#include "runtime/server.h"

#include <uv.h>

#include <exception>
#include <future>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "runtime/audit_routes.h"
#include "runtime/data_routes.h"
#include "runtime/deploy_routes.h"
#include "runtime/file_routes.h"
#include "runtime/http/router.h"
#include "runtime/http/server.h"
#include "runtime/http/worker_pool.h"
#include "runtime/invoke_admin_routes.h"
#include "runtime/log_routes.h"
#include "runtime/policy_routes.h"
#include "runtime/routes.h"
#include "runtime/service_routes.h"
#include "runtime/user_routes.h"
#include "services/deployer.h"
#include "services/host.h"
#include "services/invoker.h"

namespace ck::runtime {

namespace {

services::AppConfig appConfig(const Config& config) {
  services::AppConfig app;
  app.users.password = {config.passwordOpsLimit, config.passwordMemBytes};
  app.users.sessionTimeoutMs = config.sessionTimeoutSeconds * 1000;
  app.loginThrottle.freeFailures = config.loginFreeFailures;
  app.loginThrottle.baseDelayMs = config.loginDelayMs;
  app.loginThrottle.maxDelayMs = config.loginMaxDelayMs;
  app.audit.maxEntries = config.auditMaxEntries;
  app.audit.maxAgeMs = config.auditMaxAgeDays * 24 * 3600 * 1000;
  app.dynamicSchema = config.devMode;
  app.users.allowNewColumns = config.devMode;
  app.devMode = config.devMode;
  app.files.maxFileBytes = config.maxFileBytes;
  return app;
}

}  // namespace

class Server::Impl {
 public:
  Impl(Config config, Logger& log, const Clock& clock, Random& random)
      : config_(std::move(config)), log_(log), clock_(clock), random_(random) {}

  ~Impl() { stop(); }

  Status start() {
    if (running_) return Status(ErrorCode::kInvalidArgument, "server already started");
    http::ServerConfig httpConfig = config_.http;
    if (Status st = parseListen(config_.listen, &httpConfig.host, &httpConfig.port); !st.ok()) return st;
    try {
      host_ = services::Host::open(config_.dataDir, random_, clock_, log_, appConfig(config_));
    } catch (const std::exception& e) {
      log_.error("cannot open data folder", {{"dataDir", config_.dataDir}, {"error", e.what()}});
      return Status(ErrorCode::kInternal, fmt::format("cannot open data folder {}: {}", config_.dataDir, e.what()));
    }

    invoker_ = std::make_unique<services::Invoker>(
        services::InvokerConfig{.workers = config_.jsWorkers}, log_, host_.get());
    // Each app's active version back in the JS lane (code lives in memory).
    deployer_ = std::make_unique<services::Deployer>(*host_, *invoker_, log_);
    deployer_->restoreAll();
    addDeployRoutes(router_, *host_, *deployer_);
    addHealthRoutes(router_);
    addAdminRoutes(router_, *host_);
    addPolicyRoutes(router_, *host_);
    addAdminCodeRoutes(router_, *host_, *invoker_);
    addAdminUserRoutes(router_, *host_);
    addFileRoutes(router_, *host_, config_.maxFileBytes);
    addDataRoutes(router_, *host_);
    addAppInfoRoute(router_, *host_);
    addLogRoutes(router_, *host_);
    addAuditRoutes(router_, *host_, [host = host_.get()](std::string_view appId) -> services::AuditLog* {
      services::App* app = host->app(appId);
      return app != nullptr ? &app->audit() : nullptr;
    });

    // Everything below is set up on this thread before the loop thread
    // starts; from then on only the loop thread touches the loop.
    if (int rc = uv_loop_init(&loop_); rc != 0) throw std::runtime_error(uv_strerror(rc));
    loopInitialised_ = true;
    pool_ = std::make_unique<http::WorkerPool>(&loop_, config_.directWorkers);
    // Logins and registrations (argon2id) have a pool of their own, so they
    // never hold a direct-lane worker; their routes need it, hence here.
    loginPool_ = std::make_unique<http::WorkerPool>(&loop_, config_.loginWorkers);
    addUserRoutes(router_, *host_, *loginPool_, config_.loginQueue, log_);
    addServiceRoutes(router_, *host_, *invoker_, *deployer_, *pool_, log_);
    addInvokeAsRoute(router_, *host_, *invoker_, *deployer_, *pool_, log_);
    http_ = std::make_unique<http::HttpServer>(&loop_, httpConfig, router_, *pool_, log_, clock_);
    uv_async_init(&loop_, &stopAsync_, [](uv_async_t* handle) {
      static_cast<Impl*>(handle->data)->onStopRequested();
    });
    stopAsync_.data = this;
    // The loop thread's log lines (the access log, mostly) go out once per
    // loop iteration, before the loop waits (LogBatchScope).
    uv_prepare_init(&loop_, &flushLog_);
    flushLog_.data = this;
    uv_prepare_start(&flushLog_, [](uv_prepare_t* handle) { static_cast<Impl*>(handle->data)->log_.flush(); });
    uv_unref(reinterpret_cast<uv_handle_t*>(&flushLog_));
    if (Status st = http_->listen(); !st.ok()) {
      // Nothing runs yet: close what was opened and let the loop finish it.
      onStopRequested();
      uv_run(&loop_, UV_RUN_DEFAULT);
      teardownLoop();
      invoker_->stop();
      return st;
    }
    port_ = http_->port();
    running_ = true;
    thread_ = std::thread([this] {
      LogBatchScope batch;
      uv_run(&loop_, UV_RUN_DEFAULT);
      log_.flush();
    });
    log_.info("listening", {{"url", url()}, {"dataDir", config_.dataDir},
                            {"directWorkers", static_cast<uint64_t>(config_.directWorkers)},
                            {"jsWorkers", static_cast<uint64_t>(invoker_->workers())}});
    return {};
  }

  void stop() {
    if (!running_) return;
    running_ = false;
    uv_async_send(&stopAsync_);
    thread_.join();
    teardownLoop();
    // Answers of what is still queued have nowhere to go; the work finishes.
    invoker_->stop();
    log_.info("stopped");
  }

  int port() const { return port_; }
  std::string url() const {
    std::string listenHost;
    int ignored = 0;
    (void)parseListen(config_.listen, &listenHost, &ignored);
    if (listenHost == "0.0.0.0") listenHost = "127.0.0.1";
    return fmt::format("http://{}:{}", listenHost, port_);
  }
  services::Host& host() { return *host_; }
  services::Invoker& invoker() { return *invoker_; }
  services::Deployer& deployer() { return *deployer_; }

 private:
  // On the loop thread: shut the HTTP server down, then the pools, then our own handle.
  void onStopRequested() {
    http_->shutdown([this] {
      pool_->stop();
      loginPool_->stop();
      uv_close(reinterpret_cast<uv_handle_t*>(&stopAsync_), nullptr);
      uv_close(reinterpret_cast<uv_handle_t*>(&flushLog_), nullptr);
    });
  }

  void teardownLoop() {
    http_.reset();
    pool_.reset();
    loginPool_.reset();
    if (loopInitialised_) {
      int rc = uv_loop_close(&loop_);
      if (rc != 0) log_.error("event loop closed with handles still open", {{"error", uv_strerror(rc)}});
      loopInitialised_ = false;
    }
  }

  Config config_;
  Logger& log_;
  const Clock& clock_;
  Random& random_;
  std::unique_ptr<services::Host> host_;
  std::unique_ptr<services::Invoker> invoker_;  // routes hold references to it
  std::unique_ptr<services::Deployer> deployer_;  // uses host_ and invoker_; routes hold references to it
  http::Router router_;
  uv_loop_t loop_{};
  bool loopInitialised_ = false;
  uv_async_t stopAsync_{};
  uv_prepare_t flushLog_{};
  std::unique_ptr<http::WorkerPool> pool_;
  std::unique_ptr<http::WorkerPool> loginPool_;  // the login lane (register, login)
  std::unique_ptr<http::HttpServer> http_;
  std::thread thread_;
  bool running_ = false;
  int port_ = 0;
};

Server::Server(Config config, Logger& log, const Clock& clock, Random& random)
    : impl_(std::make_unique<Impl>(std::move(config), log, clock, random)) {}
Server::~Server() = default;
Status Server::start() { return impl_->start(); }
void Server::stop() { impl_->stop(); }
int Server::port() const { return impl_->port(); }
std::string Server::url() const { return impl_->url(); }
services::Host& Server::host() { return impl_->host(); }
services::Invoker& Server::invoker() { return impl_->invoker(); }
services::Deployer& Server::deployer() { return impl_->deployer(); }

}  // namespace ck::runtime
