#pragma once

// The CLI's way to a running server's admin API: the server is found
// through the data folder (<data>/server.json written by `serve`, else
// <data>/dev.json written by `dev`) and the admin token read from
// <data>/admin.token (DESIGN.md "Operations"). Blocking; one call at a time.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace ck::tools {

struct AdminTarget {
  std::string host;
  int port = 0;
  std::string token;
};

// The server named in the data folder, with the admin token. An error
// Status (the one-line reason) when there is no marker or no token. A
// marker does not prove the server runs: dev.json stays after `dev` stops.
Result<AdminTarget> findAdminServer(const std::string& dataDir);

// The outcome of one admin API call.
struct AdminReply {
  // kExitOk (tools/commands.h), kExitNoServer (nothing answered),
  // kExitRefused (an HTTP error status) or kExitFailure (not JSON).
  int exitCode = 0;
  std::string error;  // the one-line reason, when exitCode is not kExitOk
  int httpStatus = 0;
  std::string text;     // the answer as sent
  nlohmann::json body;  // the answer, parsed (discarded when not JSON)
};

// Calls `method path` with `body` (JSON text; empty: none) and the token.
AdminReply callAdmin(const AdminTarget& target, const std::string& method, const std::string& path,
                     const std::string& body);

// Finds the server of `dataDir` and calls it: kExitOk with the answer in
// `out`, or the exit code after printing the one-line reason to stderr.
int runAdminCall(const std::string& dataDir, const std::string& method, const std::string& path,
                 const std::string& body, nlohmann::json* out);

// An admin API time (epoch ms) as the CLI prints it: "2026-11-28T16:00:00.123Z".
std::string isoUtc(int64_t ms);
// The string member `key` of an admin API object, or "" when absent or not a string.
std::string jsonText(const nlohmann::json& object, const char* key);

// The app id in <data>/dev.json, or "" when there is none.
std::string devAppId(const std::string& dataDir);

}  // namespace ck::tools
