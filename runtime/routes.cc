#include "runtime/routes.h"

#include <nlohmann/json.hpp>

#include "services/host.h"

namespace ck::runtime {
namespace {

using nlohmann::json;

json appJson(const services::AppInfo& app) {
  json keys = json::object();
  for (const auto& [kind, key] : app.keys) keys[std::string(services::clientKindName(kind))] = key;
  return {{"id", app.id}, {"name", app.name}, {"created", app.createdMs}, {"keys", keys}};
}

// Wraps an admin handler: answers 401 unless the request carries the admin token.
http::Handler adminOnly(services::Host& host, http::Handler handler) {
  return [&host, handler = std::move(handler)](http::Request& req) -> http::Response {
    std::string_view token;
    if (auto auth = req.header("authorization")) {
      constexpr std::string_view kBearer = "Bearer ";
      if (auth->substr(0, kBearer.size()) == kBearer) token = auth->substr(kBearer.size());
    }
    if (!host.checkAdminToken(token)) return http::Response::error(ErrorCode::kUnauthorized);
    return handler(req);
  };
}

// Parses a JSON object body; an error Response when it is not one.
std::optional<http::Response> parseObject(const http::Request& req, json* out) {
  *out = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded() || !out->is_object()) {
    return http::Response::error(ErrorCode::kBadRequest, "Body must be a JSON object");
  }
  return std::nullopt;
}

}  // namespace

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
               return http::Response::json(200, {{"key", req.pathParam("key")}, {"value", body["value"]}});
             }));
}

}  // namespace ck::runtime
