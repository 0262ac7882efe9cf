#pragma once

// The dev runner's hot reload (DESIGN.md "Commands": `dev` watches the
// folder and redeploys on change): after the app folder changed
// (tools/dev_watch.h), APP_DIR/cloudkeep.json and the services are deployed
// together as one new version, its new dev users created first. A broken
// change (JSON, policy, a service file that does not load) prints one line
// naming the file, the line where there is one, and the message, and the
// active version keeps serving; success prints one line with the version.
// Inputs identical to the last ones tried (an editor saving twice, a touch)
// deploy nothing and print nothing.
//
// Owned by the dev runner; reload() runs on the watcher thread, one at a
// time. The Host and Deployer outlive it.

#include <map>
#include <optional>
#include <string>

namespace ck::services {
class Deployer;
class Host;
}  // namespace ck::services

namespace ck::tools {

class DevReloader {
 public:
  // Remembers the folder as it is now (just deployed by setUpDevApp) as
  // the last inputs tried.
  DevReloader(services::Host& host, services::Deployer& deployer, std::string appId, std::string appDir);

  // Redeploys when the folder differs from the last inputs tried; prints
  // what happened (one line) to stdout, or the failure to stderr.
  void reload();

 private:
  struct Inputs {
    std::map<std::string, std::string> files;  // the bundle
    std::string policy;                        // cloudkeep.json's text
    bool operator==(const Inputs&) const = default;
  };
  // The active version's number, for messages ("version 3 keeps serving").
  std::string activeText() const;

  services::Host& host_;
  services::Deployer& deployer_;
  const std::string appId_;
  const std::string appDir_;
  std::optional<Inputs> lastTried_;
};

}  // namespace ck::tools
