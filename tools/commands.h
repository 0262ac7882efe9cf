#pragma once

#include <string>

#include "runtime/config.h"

namespace ck::tools {

// Each command returns the process exit code and prints a one-line reason on
// failure. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or input,
// 3 no running server / unreachable, 4 refused by the server.
enum ExitCode { kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitNoServer = 3, kExitRefused = 4 };

// `cloudkeep serve`: the production server; runs until SIGINT/SIGTERM.
int runServe(const runtime::Config& config);

struct DevOptions {
  std::string appDir;
  int port = 8080;
  std::string dataDir;  // empty: <appDir>/.cloudkeep
  // Load seed/<Table>.json again: the seeded tables' rows are deleted first.
  // Without it, seeds load only on the first start of the dev runner on
  // the data folder.
  bool reseed = false;
  // Do not watch the folder: changes are deployed with `cloudkeep deploy`.
  bool noWatch = false;
};
// `cloudkeep dev APP_DIR`: the local dev runner; runs until SIGINT/SIGTERM.
int runDev(runtime::Config config, const DevOptions& options);

// Admin commands: talk to the running server found in the data folder.
int runAppCreate(const std::string& dataDir, const std::string& name, bool json);
int runAppList(const std::string& dataDir, bool json);

// The data folder of a command given an app folder: `explicitDataDir`
// (--data) when given, else APP_DIR/.cloudkeep when it exists (so commands
// run in an app folder under `cloudkeep dev` need no flags), else
// `fallback` (CLOUDKEEP_DATA, then ./.cloudkeep).
std::string appDataDir(const std::string& explicitDataDir, const std::string& appDir, const std::string& fallback);

// `cloudkeep policy apply|show|test` (tools/policy_commands.cc).
struct PolicyOptions {
  std::string appDir;    // apply, test: the app folder holding cloudkeep.json
  std::string appId;     // empty: the appId of <data>/dev.json
  bool offline = false;  // test: evaluate the file without a server
};
// PUT the folder's cloudkeep.json as the app's policy; refused (4) naming the field.
int runPolicyApply(const std::string& dataDir, const PolicyOptions& options);
// Print the cloudkeep.json text in force.
int runPolicyShow(const std::string& dataDir, const PolicyOptions& options);
// Run the folder's policy tests against the app's users; without a server
// (or offline), against the file's dev users. Exit 1 when a test fails,
// printing each failure's explain trace.
int runPolicyTest(const std::string& dataDir, const PolicyOptions& options);

// `cloudkeep explain`: the decision and rule trace for one request.
struct ExplainOptions {
  std::string appId;    // empty: the appId of <data>/dev.json
  std::string asUser;   // --as EMAIL
  std::string role;     // --role ROLE
  std::string service;  // --service NAME (with --as: the calling user)
  std::string key;      // --key REST|JS|IOS|ANDROID; empty: REST
  std::string op;
  std::string resource;
  bool json = false;
};
int runExplain(const std::string& dataDir, const ExplainOptions& options);

}  // namespace ck::tools
