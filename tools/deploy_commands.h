#pragma once

// `cloudkeep deploy APP_DIR --app ID` and `cloudkeep rollback --app ID`
// (DESIGN.md "Commands", "Operations"): the deploy admin API
// (runtime/deploy_routes.h) from the command line, through the server found
// in the data folder; and the app folder's bundle as a deploy sends it.

#include <map>
#include <string>

#include "base/status.h"

namespace CLI {
class App;
}

namespace ck::services {
class Deployer;
}

namespace ck::tools {

struct DeployOptions {
  std::string appDir;  // deploy: the app folder
  std::string appId;   // empty: the appId of <data>/dev.json
  bool json = false;
};

// APP_DIR/services/*.js and what they require (services::collectBundle),
// read from disk; a file whose real path leaves APP_DIR (a symlink) is
// refused. kBundleError naming the file and line.
Result<std::map<std::string, std::string>> collectAppFolder(const std::string& appDir);

// Sends the bundle and APP_DIR/cloudkeep.json as a new version. Exit 4 with
// the server's reason (file and line for a broken bundle) when refused.
int runDeploy(const std::string& dataDir, const DeployOptions& options);
// Makes the version before the active one active again.
int runRollback(const std::string& dataDir, const DeployOptions& options);

// The dev runner's deploy of APP_DIR's services on start, in-process (the
// policy in force, applied just before, goes with it). Prints the reason
// and returns kExitUsage for a broken bundle; kExitOk otherwise.
int deployDevApp(services::Deployer& deployer, const std::string& appId, const std::string& appDir);

}  // namespace ck::tools
