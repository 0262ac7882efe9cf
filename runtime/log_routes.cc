#include "runtime/log_routes.h"

#include <algorithm>
#include <charconv>
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

std::optional<http::Response> parseQuery(const http::Request& req, services::AppLogQuery* query) {
  if (auto since = req.queryParam("since")) {
    Result<int64_t> ms = services::parseAuditTime(*since);
    if (!ms.ok()) return badParameter("since", ms.status().message() + " (epoch ms or a date such as 2026-11-28)");
    query->sinceMs = *ms;
  }
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
