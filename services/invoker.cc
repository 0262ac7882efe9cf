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
#include "services/host.h"

namespace ck::services {
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

// Arguments of a data host call.
Result<std::string> stringArg(const json& args, const char* name, bool required) {
  if (!args.is_object()) return Status(ErrorCode::kInvalidArgument, "arguments must be an object");
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) {
    if (required) return Status(ErrorCode::kInvalidArgument, fmt::format("\"{}\" is required", name));
    return std::string();
  }
  if (!it->is_string()) return Status(ErrorCode::kInvalidArgument, fmt::format("\"{}\" must be a string", name));
  return it->get<std::string>();
}

Result<std::vector<std::string>> stringListArg(const json& args, const char* name) {
  std::vector<std::string> out;
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return out;
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
    return out;
  }
  if (!it->is_array()) return Status(ErrorCode::kInvalidArgument, fmt::format("\"{}\" must be a list of strings", name));
  for (const json& item : *it) {
    if (!item.is_string()) {
      return Status(ErrorCode::kInvalidArgument, fmt::format("\"{}\" must be a list of strings", name));
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<int64_t> intArg(const json& args, const char* name, int64_t fallback) {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) return Status(ErrorCode::kInvalidArgument, fmt::format("\"{}\" must be an integer", name));
  return it->get<int64_t>();
}

// Runs one data host call through `data` for `principal`.
Result<json> dataCall(DataService& data, const Principal& principal, const CallInfo& call, std::string_view op,
                      const json& args) {
  Result<std::string> table = stringArg(args, "table", true);
  if (!table.ok()) return table.status();
  if (op == "data.find") {
    storage::FindQuery query;
    Result<std::string> where = stringArg(args, "where", false);
    Result<std::vector<std::string>> sortBy = stringListArg(args, "sortBy");
    Result<std::vector<std::string>> props = stringListArg(args, "props");
    Result<int64_t> pageSize = intArg(args, "pageSize", storage::kDefaultPageSize);
    Result<int64_t> offset = intArg(args, "offset", 0);
    for (const Status* s : {&where.status(), &sortBy.status(), &props.status(), &pageSize.status(), &offset.status()}) {
      if (!s->ok()) return *s;
    }
    query.where = *where;
    query.sortBy = *sortBy;
    query.props = *props;
    query.pageSize = *pageSize;
    query.offset = *offset;
    return data.find(principal, call, *table, std::move(query));
  }
  if (op == "data.count") {
    Result<std::string> where = stringArg(args, "where", false);
    if (!where.ok()) return where.status();
    Result<int64_t> n = data.count(principal, call, *table, *where);
    if (!n.ok()) return n.status();
    return json(*n);
  }
  if (op == "data.findById" || op == "data.remove") {
    Result<std::string> id = stringArg(args, "objectId", true);
    if (!id.ok()) return id.status();
    if (op == "data.findById") return data.findById(principal, call, *table, *id);
    Result<int64_t> deleted = data.remove(principal, call, *table, *id);
    if (!deleted.ok()) return deleted.status();
    return json{{"deletionTime", *deleted}};
  }
  if (op == "data.save") {
    auto object = args.find("object");
    if (object == args.end() || !object->is_object()) {
      return Status(ErrorCode::kInvalidArgument, "\"object\" must be an object");
    }
    auto id = object->find("objectId");
    if (id != object->end() && id->is_string() && !id->get_ref<const std::string&>().empty()) {
      return data.update(principal, call, *table, id->get<std::string>(), *object);
    }
    return data.create(principal, call, *table, *object);
  }
  return Status(ErrorCode::kNotImplemented, fmt::format("Unknown host operation: {}", op));
}

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
        factory_(*this, log),
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

  void invoke(const std::string& appId, const std::string& function, json args, Callback done,
              const std::string& requestId, InvokeAs as) {
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
    if (!args.is_array()) {
      done(Status(ErrorCode::kInvalidArgument, "Arguments must be a JSON array"));
      return;
    }
    sandbox::InvocationRequest request;
    request.id = requestId.empty() ? fmt::format("inv-{}", ++lastId_) : requestId;
    request.function = function;
    request.args = std::move(args);
    std::optional<Principal> serverCode;
    if (!as.service.empty()) {
      serverCode = Principal::serverCode(capability_, as.service, as.caller ? &*as.caller : nullptr);
    }
    request.context = std::make_shared<CallContext>(appId, request.id, std::move(as), std::move(serverCode));
    {
      std::lock_guard lock(mu_);
      auto it = limits_.find(appId);
      const sandbox::Limits& limits = it == limits_.end() ? kDefaultLimits : it->second;
      request.cpuMs = limits.cpuMs;
      request.wallMs = limits.wallMs;
    }
    std::string id = request.id;
    workers_.submit(appId, std::move(request),
                    [this, appId, function, id, done = std::move(done)](sandbox::InvocationResult r) {
                      report(appId, function, id, r);
                      if (r.status.ok()) {
                        done(std::move(r.value));
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

  // sandbox::HostInterface, on a JS worker thread while an invocation runs.
  Result<json> call(sandbox::InvocationContext& invocation, std::string_view op, const json& args) override {
    if (op == "echo") return args;
    if (op.substr(0, 5) == "data." && host_ != nullptr) {
      // Only this class makes CallContexts, so the cast is sound.
      auto& ctx = static_cast<CallContext&>(invocation);
      App* app = host_->app(ctx.appId);
      if (app == nullptr) return Status::error(ErrorCode::kAppNotFound);
      AppLease lease = app->lease();
      const Principal* principal = effectivePrincipal(ctx, lease.policy());
      if (principal == nullptr) {
        return Status(ErrorCode::kInvalidArgument, "Data calls need an invocation that runs as a service");
      }
      CallInfo call{Channel::kService, ctx.requestId, "", ctx.as.service, ctx.as.method, ctx.as.devMode};
      DataService data = lease.data();
      return dataCall(data, *principal, call, op, args);
    }
    return Status(ErrorCode::kNotImplemented, fmt::format("Unknown host operation: {}", shortOp(op)));
  }

 private:
  static constexpr sandbox::Limits kDefaultLimits{};

  // ServerCodeUser of the service, or its caller when the service runs as
  // the caller ("runAs": "caller" and a caller to run as); null when the
  // invocation names no service.
  static const Principal* effectivePrincipal(const CallContext& ctx, const BoundPolicy& policy) {
    if (!ctx.serverCode) return nullptr;
    const auto& services = policy.policy().services;
    auto it = services.find(ctx.as.service);
    if (it != services.end() && it->second.runAs == RunAs::kCaller && ctx.as.caller) return &*ctx.as.caller;
    return &*ctx.serverCode;
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
  void report(const std::string& appId, const std::string& function, const std::string& id,
              const sandbox::InvocationResult& r) {
    for (const std::string& rejection : r.unhandledRejections) {
      log_.warn("unhandled promise rejection", {{"app", appId}, {"function", function}, {"id", id},
                                                {"detail", rejection}});
    }
    if (r.status.ok()) {
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
                                         {"code", errorInfo(r.status.code()).name}, {"detail", r.detail}});
        return;
      default:
        log_.info("invocation failed", {{"app", appId}, {"function", function}, {"id", id},
                                        {"code", errorInfo(r.status.code()).name}, {"message", r.status.message()},
                                        {"detail", r.detail}, {"cpuMs", r.cpuMs}, {"wallMs", r.wallMs}});
    }
  }

  Logger& log_;
  Host* const host_;
  const ServerCodeCapability& capability_;
  std::atomic<uint64_t> lastId_{0};
  std::mutex mu_;
  std::map<std::string, sandbox::Limits> limits_;  // GUARDED_BY(mu_): per app, for its invocations
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
  impl_->invoke(appId, function, std::move(args), std::move(done), requestId, std::move(as));
}
void Invoker::stop() { impl_->stop(); }
size_t Invoker::workers() const { return impl_->workers(); }
InvokeLoad Invoker::load(const std::string& appId) const { return impl_->load(appId); }

}  // namespace ck::services
