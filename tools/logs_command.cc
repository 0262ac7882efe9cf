// `cloudkeep logs`: reads GET /admin/apps/{id}/logs of the server found
// through the data folder (tools/admin_client.h); with -f, asks again every
// second with after=<next>.

#include "tools/logs_command.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include "runtime/http/url.h"
#include "services/audit.h"
#include "tools/admin_client.h"
#include "tools/commands.h"

namespace ck::tools {
namespace {

using nlohmann::json;


void printLine(const json& l, bool asJson) {
  if (asJson) {
    std::printf("%s\n", l.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    std::printf("%s  %-5s  %s  %s  %s\n", isoUtc(l.value("timeMs", int64_t{0})).c_str(), jsonText(l, "level").c_str(),
                jsonText(l, "invocationId").c_str(), jsonText(l, "source").c_str(), jsonText(l, "message").c_str());
  }
  std::fflush(stdout);
}

}  // namespace

CLI::App* addLogsCommand(CLI::App& app, LogsOptions& options) {
  CLI::App* cmd = app.add_subcommand("logs", "Show an app's service-code log (console, loggers, failed invocations)");
  cmd->add_option("--app", options.appId, "The app's id (default: the appId in <data>/dev.json)");
  cmd->add_option("--since", options.since, "Lines at or after: epoch ms or a date (2026-11-28, ...; UTC)");
  cmd->add_flag("-f,--follow", options.follow, "Keep printing new lines as they come (Ctrl-C to stop)");
  cmd->add_flag("--json", options.json, "Print each line as the admin API's JSON");
  return cmd;
}

int runLogs(const std::string& dataDir, const LogsOptions& options) {
  std::string since;
  if (!options.since.empty()) {
    Result<int64_t> ms = services::parseAuditTime(options.since);
    if (!ms.ok()) {
      std::fprintf(stderr, "cloudkeep: --since: %s (give epoch ms or a date such as 2026-11-28)\n",
                   ms.status().message().c_str());
      return kExitUsage;
    }
    since = "&since=" + std::to_string(*ms);
  }
  std::string appId = options.appId.empty() ? devAppId(dataDir) : options.appId;
  if (appId.empty()) {
    std::fprintf(stderr, "cloudkeep: --app ID is required (no app id in %s/dev.json)\n", dataDir.c_str());
    return kExitUsage;
  }
  int64_t after = 0;
  for (;;) {
    json page;
    std::string path = "/admin/apps/" + http::percentEncode(appId) + "/logs?after=" + std::to_string(after) + since +
                       (options.follow ? "&follow=true" : "");
    if (int rc = runAdminCall(dataDir, "GET", path, "", &page); rc != kExitOk) return rc;
    auto lines = page.is_object() ? page.find("lines") : page.end();
    if (lines == page.end() || !lines->is_array()) {
      std::fprintf(stderr, "cloudkeep: the server's answer is not a log page\n");
      return kExitFailure;
    }
    for (const json& l : *lines) {
      if (l.is_object()) printLine(l, options.json);
    }
    if (auto next = page.find("next"); next != page.end() && next->is_number_integer()) after = next->get<int64_t>();
    // A full page: ask again at once; otherwise stop, or wait when following.
    if (lines->size() >= 1000) continue;
    if (!options.follow) return kExitOk;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace ck::tools
