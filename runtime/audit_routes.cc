#include "runtime/audit_routes.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/routes.h"
#include "services/audit.h"

namespace ck::runtime {
namespace {

using nlohmann::json;

// Fills `query` from the request's parameters; an error Response naming the
// first bad one.
std::optional<http::Response> parseQuery(const http::Request& req, services::AuditQuery* query) {
  if (auto bad = parseSinceParam(req, &query->sinceMs)) return bad;
  if (auto user = req.queryParam("user")) {
    if (user->empty()) return badParameter("user", "must be an email");
    query->userEmail = std::string(*user);
  }
  if (auto userId = req.queryParam("userId")) {
    if (userId->empty()) return badParameter("userId", "must be a user id");
    query->userId = std::string(*userId);
  }
  if (auto after = req.queryParam("after")) {
    std::optional<int64_t> id = parseCount(*after);
    if (!id) return badParameter("after", "must be an entry id (0 or more)");
    query->afterId = *id;
  }
  if (auto limit = req.queryParam("limit")) {
    std::optional<int64_t> n = parseCount(*limit);
    if (!n || *n < 1) return badParameter("limit", "must be a positive integer");
    query->limit = static_cast<size_t>(std::min<int64_t>(*n, services::kMaxAuditQueryLimit));
  }
  return std::nullopt;
}

}  // namespace

void addAuditRoutes(http::Router& router, services::Host& host, AuditLogFor auditLogFor) {
  router.add("GET", "/admin/apps/{id}/audit",
             adminOnly(host, [auditLogFor = std::move(auditLogFor)](http::Request& req) {
               services::AuditLog* log = auditLogFor(req.pathParam("id"));
               if (log == nullptr) return http::Response::error(ErrorCode::kAppNotFound);
               services::AuditQuery query;
               if (auto bad = parseQuery(req, &query)) return *bad;
               std::vector<services::AuditEntry> entries = log->query(query);
               json list = json::array();
               for (const services::AuditEntry& e : entries) list.push_back(e.toJson());
               json next = entries.empty() ? json(nullptr) : json(entries.back().id);
               return http::Response::json(200, {{"entries", std::move(list)}, {"next", std::move(next)}});
             }));
}

}  // namespace ck::runtime
