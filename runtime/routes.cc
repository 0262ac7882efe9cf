#include "runtime/routes.h"

#include <charconv>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/http/worker_pool.h"
#include "services/audit.h"
#include "services/host.h"
#include "services/invoker.h"

namespace ck::runtime {
namespace {

using nlohmann::json;

json appJson(const services::AppInfo& app) {
  json keys = json::object();
  for (const auto& [kind, key] : app.keys) keys[std::string(services::clientKindName(kind))] = key;
  return {{"id", app.id}, {"name", app.name}, {"created", app.createdMs}, {"keys", keys}};
}

// Invocation arguments are parsed on the loop thread: keep them small.
constexpr size_t kMaxInvokeBodyBytes = 1024 * 1024;

// Whether the request carries the admin token (a hash comparison, no I/O:
// safe on the loop thread).
bool hasAdminToken(const services::Host& host, const http::Request& req) {
  std::string_view token;
  if (auto auth = req.header("authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    if (auth->substr(0, kBearer.size()) == kBearer) token = auth->substr(kBearer.size());
  }
  return host.checkAdminToken(token);
}

}  // namespace

http::Handler adminOnly(services::Host& host, http::Handler handler) {
  return [&host, handler = std::move(handler)](http::Request& req) -> http::Response {
    if (!hasAdminToken(host, req)) return http::Response::error(ErrorCode::kUnauthorized);
    return handler(req);
  };
}

http::AsyncHandler adminOnlyAsync(services::Host& host, http::AsyncHandler handler) {
  return [&host, handler = std::move(handler)](http::Request& req, http::Responder responder) {
    if (!hasAdminToken(host, req)) {
      responder.send(http::Response::error(ErrorCode::kUnauthorized));
      return;
    }
    handler(req, std::move(responder));
  };
}

void runGuarded(Logger& log, const char* what, const DirectLaneWork& work, const http::Request& req,
                const std::shared_ptr<http::Responder>& answerTo) {
  std::string error;
  try {
    work(req, answerTo);
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {  // escaping a pool's work would end the process
    error = "a non-standard exception";
  }
  if (!error.empty()) {
    log.error(what, {{"id", req.requestId}, {"error", error}});
    answerTo->send(http::Response::error(ErrorCode::kInternal, "Internal error, ref " + req.requestId));
  }
}

http::AsyncHandler onDirectLane(http::WorkerPool& pool, Logger& log, const char* what, DirectLaneWork work) {
  return [&pool, &log, what, work = std::move(work)](http::Request& req, http::Responder responder) {
    // WorkerPool takes copyable functions: share the request copy and the one-shot.
    auto request = std::make_shared<http::Request>(req);
    auto answerTo = std::make_shared<http::Responder>(std::move(responder));
    pool.post([&log, what, work, request, answerTo] { runGuarded(log, what, work, *request, answerTo); }, nullptr);
  };
}

namespace {

// Parses a JSON object body; an error Response when it is not one.
std::optional<http::Response> parseObject(const http::Request& req, json* out) {
  *out = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded() || !out->is_object()) {
    return http::Response::error(ErrorCode::kBadRequest, "Body must be a JSON object");
  }
  return std::nullopt;
}

// Reads the optional "limits" object of a code upload.
std::optional<http::Response> parseLimits(const json& body, services::CodeLimits* out) {
  if (!body.contains("limits")) return std::nullopt;
  const json& limits = body["limits"];
  if (!limits.is_object()) return http::Response::error(ErrorCode::kInvalidArgument, "\"limits\" must be an object");
  for (const auto& [name, value] : limits.items()) {
    if (!value.is_number_unsigned() || value.get<uint64_t>() == 0) {
      return http::Response::error(ErrorCode::kInvalidArgument,
                                   "\"limits." + name + "\" must be a positive integer");
    }
    uint64_t v = value.get<uint64_t>();
    if (name == "cpuMs") {
      out->cpuMs = v;
    } else if (name == "wallMs") {
      out->wallMs = v;
    } else if (name == "heapBytes") {
      out->heapBytes = static_cast<size_t>(v);
    } else {
      return http::Response::error(ErrorCode::kInvalidArgument, "Unknown limit \"" + name + "\"");
    }
  }
  return std::nullopt;
}

}  // namespace

http::Response badParameter(std::string_view name, std::string_view why) {
  return http::Response::error(ErrorCode::kInvalidArgument,
                               "Query parameter \"" + std::string(name) + "\": " + std::string(why));
}

std::optional<int64_t> parseCount(std::string_view text) {
  int64_t value = 0;
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<http::Response> parseSinceParam(const http::Request& req, std::optional<int64_t>* out) {
  if (auto since = req.queryParam("since")) {
    Result<int64_t> ms = services::parseAuditTime(*since);
    if (!ms.ok()) return badParameter("since", ms.status().message() + " (epoch ms or a date such as 2026-11-28)");
    *out = *ms;
  }
  return std::nullopt;
}

services::CallInfo adminCall(const http::Request& req) {
  services::CallInfo call;
  call.channel = services::Channel::kAdmin;
  call.requestId = req.requestId;
  call.clientAddress = req.remoteAddr;
  return call;
}

void addHealthRoutes(http::Router& router) {
  router.add(
      "GET", "/health",
      [](http::Request&) {
        http::Response r;
        r.body = R"({"status":"ok"})";
        r.header("Content-Type", "application/json");
        return r;
      },
      {.lane = http::Lane::kLoop});
}

void addAdminRoutes(http::Router& router, services::Host& host) {
  router.add("GET", "/admin/apps", adminOnly(host, [&host](http::Request&) {
               json list = json::array();
               for (const services::AppInfo& app : host.listApps()) list.push_back(appJson(app));
               return http::Response::json(200, list);
             }));

  router.add("POST", "/admin/apps", adminOnly(host, [&host](http::Request& req) {
               json body;
               if (auto bad = parseObject(req, &body)) return *bad;
               if (!body.contains("name") || !body["name"].is_string()) {
                 return http::Response::error(ErrorCode::kInvalidArgument, "\"name\" must be a string");
               }
               Result<services::AppInfo> app = host.createApp(body["name"].get<std::string>());
               if (!app.ok()) return http::Response::error(app.status());
               if (services::App* created = host.app(app->id)) {
                 created->auditAdmin(adminCall(req), "app.create", "app", app->name);
               }
               return http::Response::json(201, appJson(*app));
             }));

  router.add("GET", "/admin/apps/{id}", adminOnly(host, [&host](http::Request& req) {
               auto app = host.findApp(req.pathParam("id"));
               if (!app) return http::Response::error(ErrorCode::kAppNotFound);
               return http::Response::json(200, appJson(*app));
             }));

  router.add("GET", "/admin/apps/{id}/settings", adminOnly(host, [&host](http::Request& req) {
               auto settings = host.appSettings(req.pathParam("id"));
               if (!settings.ok()) return http::Response::error(settings.status());
               json out = json::object();
               for (const auto& [k, v] : *settings) out[k] = v;
               return http::Response::json(200, out);
             }));

  router.add("PUT", "/admin/apps/{id}/settings/{key}", adminOnly(host, [&host](http::Request& req) {
               json body;
               if (auto bad = parseObject(req, &body)) return *bad;
               if (!body.contains("value") || !body["value"].is_string()) {
                 return http::Response::error(ErrorCode::kInvalidArgument, "\"value\" must be a string");
               }
               Status st = host.setAppSetting(req.pathParam("id"), req.pathParam("key"),
                                              body["value"].get<std::string>());
               if (!st.ok()) return http::Response::error(st);
               if (services::App* app = host.app(req.pathParam("id"))) {
                 app->auditAdmin(adminCall(req), "setting.set", "setting:" + req.pathParam("key"),
                                 std::to_string(body["value"].get_ref<const std::string&>().size()) + " bytes");
               }
               return http::Response::json(200, {{"key", req.pathParam("key")}, {"value", body["value"]}});
             }));
}

void addAdminCodeRoutes(http::Router& router, services::Host& host, services::Invoker& invoker) {
  router.add("POST", "/admin/apps/{id}/code", adminOnly(host, [&host, &invoker](http::Request& req) {
               json body;
               if (auto bad = parseObject(req, &body)) return *bad;
               const std::string& appId = req.pathParam("id");
               if (!host.findApp(appId)) return http::Response::error(ErrorCode::kAppNotFound);
               std::map<std::string, std::string> files;
               const json& filesJson = body.contains("files") ? body["files"] : json();
               if (!filesJson.is_object()) {
                 return http::Response::error(ErrorCode::kInvalidArgument,
                                              "\"files\" must be an object of path: source");
               }
               for (const auto& [path, source] : filesJson.items()) {
                 if (!source.is_string()) {
                   return http::Response::error(ErrorCode::kInvalidArgument,
                                                "\"files." + path + "\" must be a string");
                 }
                 files.emplace(path, source.get<std::string>());
               }
               std::vector<std::string> entries;
               const json& entriesJson = body.contains("entries") ? body["entries"] : json();
               if (!entriesJson.is_array()) {
                 return http::Response::error(ErrorCode::kInvalidArgument, "\"entries\" must be an array of paths");
               }
               for (const json& e : entriesJson) {
                 if (!e.is_string()) {
                   return http::Response::error(ErrorCode::kInvalidArgument, "\"entries\" must be an array of paths");
                 }
                 entries.push_back(e.get<std::string>());
               }
               services::CodeLimits limits;
               if (auto bad = parseLimits(body, &limits)) return *bad;
               size_t fileCount = files.size();
               if (Status st = invoker.setAppCode(appId, std::move(files), entries, limits); !st.ok()) {
                 return http::Response::error(st);
               }
               if (services::App* app = host.app(appId)) {
                 app->auditAdmin(adminCall(req), "code.install", "app", std::to_string(fileCount) + " files");
               }
               return http::Response::json(200, {{"app", appId}, {"files", fileCount}, {"entries", entries}});
             }));

  // On the loop thread up to invoker.invoke(), which only queues.
  router.addAsync(
      "POST", "/admin/apps/{id}/invoke/{function}",
      adminOnlyAsync(host,
                     [&invoker](http::Request& req, http::Responder responder) {
                       json args = json::array();
                       if (!req.body.empty()) {
                         args = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
                         if (args.is_discarded() || !args.is_array()) {
                           responder.send(http::Response::error(ErrorCode::kBadRequest,
                                                                "Body must be a JSON array of arguments"));
                           return;
                         }
                       }
                       // The invoker's callback is a std::function (copyable): share the
                       // one-shot. Whichever copy goes last answers 500 if nobody sent.
                       auto shared = std::make_shared<http::Responder>(std::move(responder));
                       // `?service=Name`: the code's data calls run as ServerCodeUser of
                       // that service (no caller: the admin is not a client).
                       services::InvokeAs as;
                       if (auto service = req.queryParam("service")) as.service = std::string(*service);
                       as.method = req.pathParam("function");
                       invoker.invoke(
                           req.pathParam("id"), req.pathParam("function"), std::move(args),
                           [shared](Result<json> result) {
                             if (result.ok()) {
                               shared->send(http::Response::json(200, {{"value", std::move(result).value()}}));
                             } else {
                               shared->send(http::Response::error(result.status()));
                             }
                           },
                           req.requestId, std::move(as));
                     }),
      {.maxBodyBytes = kMaxInvokeBodyBytes});
}

}  // namespace ck::runtime
