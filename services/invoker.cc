#include "services/invoker.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <utility>

#include <fmt/format.h>

#include "sandbox/bundle.h"
#include "sandbox/host_interface.h"
#include "sandbox/invocation.h"
#include "sandbox/isolate_executor.h"
#include "sandbox/js_workers.h"
#include "sandbox/limits.h"
#include "services/app.h"
#include "services/app_cache.h"
#include "services/app_log.h"
#include "services/host.h"
#include "services/host_calls.h"

namespace ck::services {

// The text of sdk-js/backendless.js, embedded at build time.
extern const std::string_view kSdkJs;

namespace {

using nlohmann::json;

// What the host attaches to one invocation; handed back with every host call
// the invocation's code makes. Grows the caller and the effective principal
// with the access layer.
struct CallContext final : sandbox::InvocationContext {
  CallContext(std::string app, std::string id, InvokeAs as, std::optional<Principal> server)
      : appId(std::move(app)), requestId(std::move(id)), as(std::move(as)), serverCode(std::move(server)) {}
  const std::string appId;
  const std::string requestId;
  const InvokeAs as;
  // ServerCodeUser of as.service; nullopt when the invocation names no service.
  const std::optional<Principal> serverCode;
};

// A bundle's version: FNV-1a over its files and entries, so the same code
// deployed twice has the same version (and may share code caches).
std::string bundleVersion(const sandbox::Bundle& bundle) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // separator: ("ab","c") and ("a","bc") differ
    h *= 1099511628211ull;
  };
  for (const auto& [path, source] : bundle.files) {
    mix(path);
    mix(source);
  }
  mix("entries");
  for (const std::string& e : bundle.entries) mix(e);
  return fmt::format("{:016x}", h);
}

// An operation name from JS, shortened for messages and logs.
std::string shortOp(std::string_view op) {
  constexpr size_t kMax = 64;
  return op.size() <= kMax ? std::string(op) : std::string(op.substr(0, kMax)) + "...";
}

}  // namespace

class Invoker::Impl final : public sandbox::HostInterface {
 public:
  Impl(InvokerConfig config, Logger& log, Host* host, const ServerCodeCapability& capability)
      : log_(log),
        host_(host),
        capability_(capability),
        factory_(*this, log, {sandbox::IntrinsicScript{"cloudkeep:sdk.js", kSdkJs}}),
        workers_({.workers = config.workers,
                  .appQueueLimit = config.appQueueLimit,
                  .appConcurrency = config.appConcurrency},
                 factory_, log) {}

  ~Impl() override { workers_.stop(); }

  Status setAppCode(const std::string& appId, std::map<std::string, std::string> files,
                    std::vector<std::string> entries, const CodeLimits& limits) {
    if (entries.empty()) return Status(ErrorCode::kInvalidArgument, "The code needs at least one entry module");
    for (const std::string& entry : entries) {
      if (!files.count(entry)) {
        return Status(ErrorCode::kInvalidArgument, fmt::format("Entry module {} is not among the files", entry));
      }
    }
    auto bundle = std::make_shared<sandbox::Bundle>();
    bundle->files = std::move(files);
    bundle->entries = std::move(entries);
    bundle->version = bundleVersion(*bundle);
    auto code = std::make_shared<sandbox::AppCode>();
    code->limits = resolve(limits);
    code->bundle = std::move(bundle);
    {
      std::lock_guard lock(mu_);
      limits_[appId] = code->limits;
    }
    log_.info("app code installed", {{"app", appId}, {"version", code->bundle->version},
                                      {"files", static_cast<uint64_t>(code->bundle->files.size())}});
    workers_.setApp(appId, std::move(code));
    return {};
  }

  void removeAppCode(const std::string& appId) {
    {
      std::lock_guard lock(mu_);
      limits_.erase(appId);
    }
    workers_.removeApp(appId);
  }

  // `argsJson`, when not empty, is used instead of `args`; `textArgs` follow.
  void invoke(const std::string& appId, const std::string& function, json args, std::string argsJson,
              TextCallback done, const std::string& requestId, InvokeAs as, std::vector<std::string> textArgs = {}) {
    if (as.caller && !as.caller->isClient()) {
      done(Status(ErrorCode::kInvalidArgument, "The caller of an invocation is a client principal"));
      return;
    }
    if (!as.service.empty()) {
      if (std::string why = checkServiceName(as.service); !why.empty()) {
        done(Status(ErrorCode::kInvalidArgument, "\"" + as.service + "\" " + why));
        return;
      }
    }
    if (argsJson.empty() ? !args.is_array() : argsJson.front() != '[' || argsJson.back() != ']') {
      done(Status(ErrorCode::kInvalidArgument, "Arguments must be a JSON array"));
      return;
    }
    sandbox::InvocationRequest request;
    request.id = requestId.empty() ? fmt::format("inv-{}", ++lastId_) : requestId;
    request.function = function;
    request.args = std::move(args);
    request.argsJson = std::move(argsJson);
    request.textArgs = std::move(textArgs);
    request.envelope = function == "__dispatch";  // the SDK's envelope (sdk-js/README.md)
    request.measureCpu = log_.enabled(LogLevel::kDebug);  // only "invocation done" shows a success's
    std::optional<Principal> serverCode;
    if (!as.service.empty()) {
      serverCode = Principal::serverCode(capability_, as.service, as.caller ? &*as.caller : nullptr);
    }
    const std::optional<uint64_t> cpuOverride = as.cpuMs;
    std::string token = as.callerToken;  // for the app log's redaction
    // What the logs call it: the service method a service route dispatches
    // to (sdk-js/README.md), else the export.
    std::string what =
        function == "__dispatch" && !as.service.empty() && !as.method.empty() ? as.service + "." + as.method : function;
    request.context = std::make_shared<CallContext>(appId, request.id, std::move(as), std::move(serverCode));
    {
      std::lock_guard lock(mu_);
      auto it = limits_.find(appId);
      const sandbox::Limits& limits = it == limits_.end() ? kDefaultLimits : it->second;
      request.cpuMs = limits.cpuMs;
      request.wallMs = limits.wallMs;
    }
    if (cpuOverride) {
      request.cpuMs = *cpuOverride;
      request.wallMs = std::min<uint64_t>(2 * request.cpuMs, 60'000);
    }
    std::string id = request.id;
    workers_.submit(appId, std::move(request),
                    [this, appId, what, id, token, done = std::move(done)](sandbox::InvocationResult r) {
                      report(appId, what, id, r, token);
                      if (r.status.ok()) {
                        done(std::move(r.valueJson));
                      } else {
                        done(std::move(r.status));
                      }
                    });
  }

  void stop() { workers_.stop(); }
  size_t workers() const { return workers_.workers(); }
  InvokeLoad load(const std::string& appId) const {
    sandbox::AppLoad l = workers_.load(appId);
    return {l.queued, l.running};
  }

  // sandbox::HostInterface, on a JS worker thread while an invocation runs:
  // finds the app and its state, then host_calls.h answers.
  Result<sandbox::HostValue> call(sandbox::InvocationContext& invocation, std::string_view op,
                                  const json& args) override {
    if (op == "echo") return sandbox::HostValue(args);
    if (host_ == nullptr) return Status(ErrorCode::kNotImplemented, fmt::format("Unknown host operation: {}", shortOp(op)));
    // Only this class makes CallContexts, so the cast is sound.
    auto& ctx = static_cast<CallContext&>(invocation);
    App* app = host_->app(ctx.appId);
    if (app == nullptr) return Status::error(ErrorCode::kAppNotFound);
    AppState& state = stateOf(ctx.appId);
    HostCallContext hc;
    hc.requestId = ctx.requestId;
    hc.service = ctx.as.service;
    hc.method = ctx.as.method;
    hc.devMode = ctx.as.devMode;
    hc.caller = ctx.as.caller ? &*ctx.as.caller : nullptr;
    hc.serverCode = ctx.serverCode ? &*ctx.serverCode : nullptr;
    hc.callerToken = ctx.as.callerToken;
    Result<sandbox::HostValue> r = hostCall(*app, state.cache, state.log.get(), hc, op, args);
    if (!r.ok() && r.status().code() == ErrorCode::kNotImplemented) {
      return Status(ErrorCode::kNotImplemented, fmt::format("Unknown host operation: {}", shortOp(op)));
    }
    return r;
  }

 private:
  static constexpr sandbox::Limits kDefaultLimits{};

  // What the host keeps per app for its code: the cache and the log.
  struct AppState {
    AppCache cache;
    std::unique_ptr<AppLog> log;  // null without a Host
  };

  AppState& stateOf(const std::string& appId) {
    std::lock_guard lock(mu_);
    std::unique_ptr<AppState>& state = states_[appId];
    if (!state) {
      state = std::make_unique<AppState>();
      App* app = host_ != nullptr ? host_->app(appId) : nullptr;
      if (app != nullptr) state->log = std::make_unique<AppLog>(appLogDir(host_->dataDir(), appId), app->clock());
    }
    return *state;
  }

  // The app's log, without making state for code the host has no app for
  // (a deploy's scratch copy, `<id>~deploy-N`): one entry per deploy would
  // otherwise stay in states_ for good.
  AppLog* logOf(const std::string& appId) {
    {
      std::lock_guard lock(mu_);
      auto it = states_.find(appId);
      if (it != states_.end()) return it->second->log.get();
    }
    if (host_->app(appId) == nullptr) return nullptr;
    return stateOf(appId).log.get();
  }

  // Fills what `limits` leaves open with the defaults; wall time defaults to
  // twice the CPU time, at most 60 s.
  static sandbox::Limits resolve(const CodeLimits& limits) {
    sandbox::Limits out;
    if (limits.cpuMs) {
      out.cpuMs = *limits.cpuMs;
      out.wallMs = std::min<uint64_t>(2 * out.cpuMs, 60'000);
    }
    if (limits.wallMs) out.wallMs = *limits.wallMs;
    if (limits.heapBytes) out.heapBytes = *limits.heapBytes;
    return out;
  }

  // The app's log: what a client is not shown (the JS stack, what was cut).
  // The app's own log gets the same. The caller's token is redacted from
  // both: the code may have put it in an error's message or stack.
  void report(const std::string& appId, const std::string& function, const std::string& id,
              const sandbox::InvocationResult& r, const std::string& token) {
    const ErrorCode code = r.status.code();
    AppLog* log = host_ == nullptr || code == ErrorCode::kAppBusy || code == ErrorCode::kAppNotFound ||
                          code == ErrorCode::kShuttingDown
                      ? nullptr
                      : logOf(appId);
    if (log != nullptr) {
      for (const std::string& rejection : r.unhandledRejections) {
        log->write("warn", "invocation", id, "Unhandled promise rejection in " + function + ": " + rejection, token);
      }
      if (!r.status.ok()) {
        std::string text = function + " failed: " + r.status.message();
        if (!r.detail.empty()) text += "\n" + r.detail;
        log->write("error", "invocation", id, std::move(text), token);
      }
    }
    for (const std::string& rejection : r.unhandledRejections) {
      log_.warn("unhandled promise rejection", {{"app", appId}, {"function", function}, {"id", id},
                                                {"detail", redact(rejection, token)}});
    }
    if (r.status.ok()) {
      if (!log_.enabled(LogLevel::kDebug)) return;  // the fields cost more than the call
      log_.debug("invocation done", {{"app", appId}, {"function", function}, {"id", id}, {"cpuMs", r.cpuMs},
                                     {"wallMs", r.wallMs}});
      return;
    }
    switch (r.status.code()) {
      case ErrorCode::kAppBusy:
      case ErrorCode::kAppNotFound:
      case ErrorCode::kShuttingDown:
        return;  // refused before running; the caller's answer says it all
      case ErrorCode::kInternal:
        log_.error("invocation failed", {{"app", appId}, {"function", function}, {"id", id},
                                         {"code", errorInfo(r.status.code()).name}, {"detail", redact(r.detail, token)}});
        return;
      default:
        log_.info("invocation failed", {{"app", appId}, {"function", function}, {"id", id},
                                        {"code", errorInfo(r.status.code()).name},
                                        {"message", redact(r.status.message(), token)},
                                        {"detail", redact(r.detail, token)}, {"cpuMs", r.cpuMs}, {"wallMs", r.wallMs}});
    }
  }

  Logger& log_;
  Host* const host_;
  const ServerCodeCapability& capability_;
  std::atomic<uint64_t> lastId_{0};
  std::mutex mu_;
  std::map<std::string, sandbox::Limits> limits_;  // GUARDED_BY(mu_): per app, for its invocations
  std::map<std::string, std::unique_ptr<AppState>> states_;  // GUARDED_BY(mu_); entries never removed while running
  sandbox::IsolateExecutorFactory factory_;  // before workers_: outlives them
  sandbox::JsWorkers workers_;
};

Invoker::Invoker(InvokerConfig config, Logger& log, Host* host)
    : impl_(std::make_unique<Impl>(config, log, host, capability_)) {}
Invoker::~Invoker() = default;
Status Invoker::setAppCode(const std::string& appId, std::map<std::string, std::string> files,
                           std::vector<std::string> entries, const CodeLimits& limits) {
  return impl_->setAppCode(appId, std::move(files), std::move(entries), limits);
}
void Invoker::removeAppCode(const std::string& appId) { impl_->removeAppCode(appId); }
void Invoker::invoke(const std::string& appId, const std::string& function, nlohmann::json args, Callback done,
                     const std::string& requestId, InvokeAs as) {
  auto parsed = [done = std::move(done)](Result<std::string> r) {
    if (!r.ok()) return done(r.status());
    done(nlohmann::json::parse(*r));
  };
  impl_->invoke(appId, function, std::move(args), "", std::move(parsed), requestId, std::move(as));
}
void Invoker::invokeText(const std::string& appId, const std::string& function, nlohmann::json args,
                         TextCallback done, const std::string& requestId, InvokeAs as) {
  impl_->invoke(appId, function, std::move(args), "", std::move(done), requestId, std::move(as));
}
void Invoker::invokeJson(const std::string& appId, const std::string& function, std::string argsJson,
                         TextCallback done, const std::string& requestId, InvokeAs as,
                         std::vector<std::string> textArgs) {
  impl_->invoke(appId, function, nlohmann::json::array(), std::move(argsJson), std::move(done), requestId,
                std::move(as), std::move(textArgs));
}
void Invoker::stop() { impl_->stop(); }
size_t Invoker::workers() const { return impl_->workers(); }
InvokeLoad Invoker::load(const std::string& appId) const { return impl_->load(appId); }

}  // namespace ck::services
