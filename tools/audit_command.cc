// `cloudkeep audit`: reads GET /admin/apps/{id}/audit of the server found
// through the data folder (tools/admin_client.h).

#include "tools/audit_command.h"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "runtime/http/url.h"
#include "services/audit.h"
#include "tools/admin_client.h"
#include "tools/commands.h"

namespace ck::tools {
namespace {

using nlohmann::json;

void printEntry(const json& e) {
  std::string caller = jsonText(e, "callerEmail");
  if (caller.empty()) caller = jsonText(e, "callerUserId");
  if (caller.empty()) caller = "-";
  int64_t timeMs = e.value("timeMs", int64_t{0});
  bool allowed = e.value("allowed", false);
  std::printf("%s  %s  %s  %s  %s  %s  %s  %s\n", isoUtc(timeMs).c_str(), jsonText(e, "channel").c_str(),
              caller.c_str(), jsonText(e, "principal").c_str(), jsonText(e, "op").c_str(), jsonText(e, "resource").c_str(),
              allowed ? "grant" : "deny", jsonText(e, "rule").c_str());
}

}  // namespace

CLI::App* addAuditCommand(CLI::App& app, AuditOptions& options) {
  CLI::App* cmd = app.add_subcommand("audit", "Show an app's audit log, oldest first");
  cmd->add_option("--app", options.appId, "The app's id (default: the appId in <data>/dev.json)");
  cmd->add_option("--since", options.since, "Entries at or after: epoch ms or a date (2026-11-28, ...; UTC)");
  cmd->add_option("--user", options.user, "Only entries whose caller has this email (any case)");
  cmd->add_option("--after", options.after, "Only entries with a larger id (paging)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--limit", options.limit, "At most this many entries (default 1000, at most 10000)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", options.json, "Print the admin API's JSON");
  return cmd;
}

int runAudit(const std::string& dataDir, const AuditOptions& options) {
  std::string query;
  auto add = [&query](std::string_view name, const std::string& value) {
    query += query.empty() ? '?' : '&';
    query += name;
    query += '=';
    query += http::percentEncode(value);
  };
  if (!options.since.empty()) {
    Result<int64_t> since = services::parseAuditTime(options.since);
    if (!since.ok()) {
      std::fprintf(stderr, "cloudkeep: --since: %s (give epoch ms or a date such as 2026-11-28)\n",
                   since.status().message().c_str());
      return kExitUsage;
    }
    add("since", std::to_string(*since));
  }
  if (!options.user.empty()) add("user", options.user);
  if (options.after > 0) add("after", std::to_string(options.after));
  if (options.limit > 0) add("limit", std::to_string(options.limit));

  std::string appId = options.appId.empty() ? devAppId(dataDir) : options.appId;
  if (appId.empty()) {
    std::fprintf(stderr, "cloudkeep: --app ID is required (no app id in %s/dev.json)\n", dataDir.c_str());
    return kExitUsage;
  }
  json page;
  if (int rc = runAdminCall(dataDir, "GET", "/admin/apps/" + http::percentEncode(appId) + "/audit" + query, "", &page);
      rc != kExitOk) {
    return rc;
  }
  auto entriesIt = page.is_object() ? page.find("entries") : page.end();
  if (entriesIt == page.end() || !entriesIt->is_array()) {
    std::fprintf(stderr, "cloudkeep: the server's answer is not an audit page\n");
    return kExitFailure;
  }
  if (options.json) {
    std::printf("%s\n", page.dump(2, ' ', false, json::error_handler_t::replace).c_str());
    return kExitOk;
  }
  const json& entries = *entriesIt;
  if (entries.empty()) std::printf("no entries\n");
  for (const json& e : entries) {
    if (e.is_object()) printEntry(e);
  }
  // A full page may have more behind it.
  const int64_t limit = std::min<int64_t>(options.limit > 0 ? options.limit : services::AuditQuery{}.limit,
                                          services::kMaxAuditQueryLimit);
  auto next = page.find("next");
  if (static_cast<int64_t>(entries.size()) >= limit && next != page.end() && next->is_number_integer()) {
    std::fprintf(stderr, "(more entries may follow: --after %lld)\n", static_cast<long long>(next->get<int64_t>()));
  }
  return kExitOk;
}

}  // namespace ck::tools
