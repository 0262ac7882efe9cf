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
};
// `cloudkeep dev APP_DIR`: the local dev runner; runs until SIGINT/SIGTERM.
int runDev(runtime::Config config, const DevOptions& options);

// Admin commands: talk to the running server found in the data folder.
int runAppCreate(const std::string& dataDir, const std::string& name, bool json);
int runAppList(const std::string& dataDir, bool json);

}  // namespace ck::tools
