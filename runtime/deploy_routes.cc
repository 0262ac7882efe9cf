#include "runtime/deploy_routes.h"

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/routes.h"
#include "services/deployer.h"

namespace ck::runtime {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// A bundle may be large; it is parsed on a direct-lane worker.
constexpr size_t kMaxDeployBodyBytes = 32 * 1024 * 1024;

http::Response outcomeResponse(const std::string& appId, const services::DeployOutcome& outcome) {
  return http::Response::json(200, {{"app", appId},
                                    {"version", outcome.version},
                                    {"services", outcome.catalog["services"]},
                                    {"warnings", outcome.warnings}});
}

}  // namespace

void addDeployRoutes(http::Router& router, services::Host& host, services::Deployer& deployer) {
  router.add(
      "POST", "/admin/apps/{id}/deploy",
      adminOnly(host,
                [&deployer](http::Request& req) {
                  // Ordered, so the policy keeps the author's key order when stored.
                  ordered_json body = ordered_json::parse(req.body, nullptr, /*allow_exceptions=*/false);
                  if (body.is_discarded() || !body.is_object()) {
                    return http::Response::error(ErrorCode::kBadRequest, "Body must be a JSON object");
                  }
                  if (!body.contains("files") || !body["files"].is_object()) {
                    return http::Response::error(ErrorCode::kInvalidArgument,
                                                 "\"files\" must be an object of path: source");
                  }
                  std::map<std::string, std::string> files;
                  for (const auto& [path, source] : body["files"].items()) {
                    if (!source.is_string()) {
                      return http::Response::error(ErrorCode::kInvalidArgument,
                                                   "\"files." + path + "\" must be a string");
                    }
                    files.emplace(path, source.get<std::string>());
                  }
                  std::optional<std::string> policy;
                  if (body.contains("policy") && !body["policy"].is_null()) {
                    if (body["policy"].is_object()) {
                      policy = body["policy"].dump(2);
                    } else if (body["policy"].is_string()) {
                      policy = body["policy"].get<std::string>();
                    } else {
                      return http::Response::error(ErrorCode::kInvalidArgument,
                                                   "\"policy\" must be the cloudkeep.json object");
                    }
                  }
                  const std::string& appId = req.pathParam("id");
                  Result<services::DeployOutcome> outcome =
                      deployer.deploy(appId, std::move(files), std::move(policy), adminCall(req));
                  if (!outcome.ok()) return http::Response::error(outcome.status());
                  return outcomeResponse(appId, *outcome);
                }),
      {.maxBodyBytes = kMaxDeployBodyBytes});

  router.add("POST", "/admin/apps/{id}/rollback", adminOnly(host, [&deployer](http::Request& req) {
               const std::string& appId = req.pathParam("id");
               Result<services::DeployOutcome> outcome = deployer.rollback(appId, adminCall(req));
               if (!outcome.ok()) return http::Response::error(outcome.status());
               return outcomeResponse(appId, *outcome);
             }));

  router.add("GET", "/admin/apps/{id}/versions", adminOnly(host, [&deployer](http::Request& req) {
               Result<json> versions = deployer.versions(req.pathParam("id"));
               if (!versions.ok()) return http::Response::error(versions.status());
               return http::Response::json(200, *versions);
             }));
}

}  // namespace ck::runtime
