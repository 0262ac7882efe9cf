#pragma once

// `cloudkeep logs`: an app's service-code log from a running server's admin
// API (GET /admin/apps/{id}/logs).

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace ck::tools {

struct LogsOptions {
  std::string appId;  // empty: the appId in <data>/dev.json
  std::string since;  // epoch ms or a date; empty: from the oldest kept
  bool follow = false;  // -f: keep polling for new lines (every second) until interrupted
  bool json = false;
};

// Adds the `logs` subcommand to `app`, its flags filling `options`.
CLI::App* addLogsCommand(CLI::App& app, LogsOptions& options);

// Prints the lines, oldest first: time in UTC, level, invocation id, source,
// message; or one JSON object per line with `json`. Exit codes as in
// tools/commands.h.
int runLogs(const std::string& dataDir, const LogsOptions& options);

}  // namespace ck::tools
