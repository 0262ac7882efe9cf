#pragma once

// `cloudkeep audit`: an app's audit log from a running server's admin API.

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace ck::tools {

struct AuditOptions {
  std::string appId;  // empty: the appId in <data>/dev.json
  std::string since;  // epoch ms or a date; empty: from the oldest
  std::string user;   // the caller's email, any case; empty: everyone
  int64_t after = 0;  // entries with a larger id
  int64_t limit = 0;  // 0: the server's default (1000)
  bool json = false;
};

// Adds the `audit` subcommand to `app`, its flags filling `options`.
CLI::App* addAuditCommand(CLI::App& app, AuditOptions& options);

// Prints the entries, oldest first: one line each (time in UTC, channel,
// caller, principal, op, resource, grant/deny, rule), or the admin API's
// JSON with `json`. Exit codes as in tools/commands.h.
int runAudit(const std::string& dataDir, const AuditOptions& options);

}  // namespace ck::tools
