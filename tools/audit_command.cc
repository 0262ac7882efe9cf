// `cloudkeep audit`: reads GET /admin/apps/{id}/audit of the server found
// through the data folder (tools/admin_client.h).

#include "tools/audit_command.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "services/audit.h"
#include "tools/admin_client.h"
#include "tools/commands.h"

namespace ck::tools {
namespace {

using nlohmann::json;

// A query-string value: everything but unreserved characters as %XX.
std::string percentEncode(std::string_view in) {
  std::string out;
  for (unsigned char c : in) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// "2026-11-28T16:00:00.123Z".
std::string isoUtc(int64_t ms) {
  int64_t secs = ms / 1000;
  int64_t rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    secs -= 1;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, rem);
}

std::string text(const json& entry, const char* key) {
  auto it = entry.find(key);
  return it != entry.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void printEntry(const json& e) {
  std::string caller = text(e, "callerEmail");
  if (caller.empty()) caller = text(e, "callerUserId");
  if (caller.empty()) caller = "-";
  int64_t timeMs = e.value("timeMs", int64_t{0});
  bool allowed = e.value("allowed", false);
  std::printf("%s  %s  %s  %s  %s  %s  %s  %s\n", isoUtc(timeMs).c_str(), text(e, "channel").c_str(),
              caller.c_str(), text(e, "principal").c_str(), text(e, "op").c_str(), text(e, "resource").c_str(),
              allowed ? "grant" : "deny", text(e, "rule").c_str());
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
    query += percentEncode(value);
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
  if (int rc = runAdminCall(dataDir, "GET", "/admin/apps/" + percentEncode(appId) + "/audit" + query, "", &page);
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
