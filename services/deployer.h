#pragma once

// Deploys and versions of an app's cloud code (DESIGN.md "Operations"): a
// version is a bundle (the app folder's files that services/*.js need) and
// the cloudkeep.json that goes with it. A deploy checks everything first:
// file paths, the policy, the sources' JSDoc, and the bundle loaded on a JS
// worker under a scratch name with `__describe()` answered; a bundle that
// fails is refused whole (kBundleError naming file and line) and nothing
// changes. Then the app switches: the policy is applied (App::applyPolicy),
// the code installed (Invoker::setAppCode: invocations already running
// finish on the old code) and the catalog the service routes match against
// replaced. The last `keepVersions` versions stay on disk under
// <data>/apps/<id>/versions/<n>/bundle.json, with versions/index.json
// naming the active one; rollback() makes the version before the active one
// active again, policy included. restoreAll() puts every app's active
// version back in the Invoker when the server starts.
//
// Owned by the server core; outlived by the Host and the Invoker it uses.
// Thread-safe. deploy() and rollback() block while the bundle loads on a JS
// worker: call them on a direct-lane worker, never on the loop thread.
// Disk failures throw (std::runtime_error / std::filesystem::filesystem_error).

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "base/status.h"
#include "services/call_info.h"
#include "services/service_catalog.h"

namespace ck::services {

class Host;
class Invoker;

// The version an app serves: its number and catalog. Immutable; shared with
// the requests that matched against it.
struct ActiveVersion {
  int number = 0;
  ServiceCatalog catalog;
};

struct DeployOutcome {
  int version = 0;
  nlohmann::json catalog;             // ServiceCatalog::toJson()
  std::vector<std::string> warnings;  // from applying the policy
};

class Deployer {
 public:
  Deployer(Host& host, Invoker& invoker, Logger& log, size_t keepVersions = 10);
  ~Deployer();
  Deployer(const Deployer&) = delete;
  Deployer& operator=(const Deployer&) = delete;

  // Deploys `files` (bundle path -> source, checkBundlePath) with
  // `policyText` (cloudkeep.json; nullopt keeps the policy in force) as a
  // new version. kAppNotFound, kInvalidArgument (a path, the policy),
  // kBundleError (JSDoc, load, __describe), kCodeTimeout while loading.
  Result<DeployOutcome> deploy(const std::string& appId, std::map<std::string, std::string> files,
                               std::optional<std::string> policyText, const CallInfo& call);

  // Makes the version before the active one active again. kNotFound when
  // there is none.
  Result<DeployOutcome> rollback(const std::string& appId, const CallInfo& call);

  // {"active": n | null, "versions": [{"version", "created", "files"}]}, newest first.
  Result<nlohmann::json> versions(const std::string& appId);

  // Installs every app's active version; failures are logged and skipped.
  void restoreAll();

  // What `appId` serves now; null before its first deploy.
  std::shared_ptr<const ActiveVersion> active(std::string_view appId) const;

 private:
  struct Stored;
  std::string versionsDir(const std::string& appId) const;
  nlohmann::json readIndex(const std::string& appId) const;
  void writeIndex(const std::string& appId, const nlohmann::json& index) const;
  // Loads the bundle under a scratch app id and asks __describe.
  Result<nlohmann::json> describe(const std::string& appId, const std::map<std::string, std::string>& files);
  // Installs a checked version's code and catalog.
  Status install(const std::string& appId, std::map<std::string, std::string> files, int number,
                 ServiceCatalog catalog);

  Host& host_;
  Invoker& invoker_;
  Logger& log_;
  const size_t keepVersions_;
  std::mutex deployMu_;  // one deploy or rollback at a time (they are rare)
  uint64_t scratch_ = 0;  // GUARDED_BY(deployMu_)
  mutable std::mutex activeMu_;
  std::map<std::string, std::shared_ptr<const ActiveVersion>, std::less<>> active_;  // GUARDED_BY(activeMu_)
};

}  // namespace ck::services
