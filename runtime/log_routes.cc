#include "runtime/log_routes.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/routes.h"
#include "services/app_log.h"
#include "services/audit.h"
#include "services/host.h"

namespace ck::runtime {
namespace {

using nlohmann::json;

std::optional<http::Response> parseQuery(const http::Request& req, services::AppLogQuery* query) {
  std::optional<int64_t> since;
  if (auto bad = parseSinceParam(req, &since)) return bad;
  if (since) query->sinceMs = *since;
  if (auto after = req.queryParam("after")) {
    std::optional<int64_t> seq = parseCount(*after);
    if (!seq) return badParameter("after", "must be a sequence number (0 or more)");
    query->afterSeq = *seq;
  }
  if (auto limit = req.queryParam("limit")) {
    std::optional<int64_t> n = parseCount(*limit);
    if (!n || *n < 1) return badParameter("limit", "must be a positive integer");
    query->limit = static_cast<size_t>(std::min<int64_t>(*n, services::kMaxAppLogQueryLimit));
  }
  if (auto follow = req.queryParam("follow")) {
    if (*follow != "" && *follow != "true" && *follow != "false" && *follow != "1" && *follow != "0") {
      return badParameter("follow", "must be true or false");
    }
  }
  return std::nullopt;
}

}  // namespace

void addLogRoutes(http::Router& router, services::Host& host) {
  router.add("GET", "/admin/apps/{id}/logs", adminOnly(host, [&host](http::Request& req) {
               std::string appId(req.pathParam("id"));
               if (host.app(appId) == nullptr) return http::Response::error(ErrorCode::kAppNotFound);
               services::AppLogQuery query;
               if (auto bad = parseQuery(req, &query)) return *bad;
               std::vector<services::AppLogLine> lines =
                   services::readAppLog(services::appLogDir(host.dataDir(), appId), query);
               json list = json::array();
               for (const services::AppLogLine& l : lines) list.push_back(l.toJson());
               int64_t next = lines.empty() ? query.afterSeq : lines.back().seq;
               return http::Response::json(200, {{"lines", std::move(list)}, {"next", next}});
             }));
}

}  // namespace ck::runtime
