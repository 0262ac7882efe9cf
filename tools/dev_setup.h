#pragma once

// The dev runner's setup of its app from the app folder (DESIGN.md "What a
// user writes: the app folder", "Commands"), run once the app exists and
// before dev.json is written, so that dev.json appearing means the app is
// ready:
//   1. APP_DIR/cloudkeep.json is parsed (by readDevFolder, with seed/ and
//      files/, before a server starts); an invalid one is refused, naming
//      the field with its line and column.
//   2. Its `dev.users` are registered when missing (an existing user keeps
//      its password) and given their roles.
//   3. The policy is applied (App::applyPolicy), after the users exist, so
//      its user subjects bind to them in the one apply.
//   4. APP_DIR/seed/<Table>.json (each a JSON array of objects) are loaded
//      as the admin, in one transaction, when they were never loaded into
//      this app (the app setting `devSeeded` records the first load) or
//      with `reseed` (the seeded tables' rows are deleted first). One line
//      per table says how many rows were loaded.
//   5. At the same times, APP_DIR/files/ is loaded into the app's file
//      storage as the admin (same paths; a file of the same path is
//      replaced, others stay; symlinks are skipped). One line says how many.
// Every file is checked before anything is written. Prints the reason and
// returns kExitUsage for a broken file; kExitOk otherwise.

#include <memory>
#include <string>

#include "base/status.h"

namespace ck::services {
class App;
class Deployer;
class Host;
struct Policy;
}

namespace ck::tools {

// The app folder's files (cloudkeep.json, seed/, files/), read and checked
// by readDevFolder() before a server starts, so a broken file is refused and
// nothing is started.
struct DevFolder;

// Reads and checks APP_DIR's files. Prints the reason and returns null for a
// broken file (the caller exits with kExitUsage).
std::shared_ptr<const DevFolder> readDevFolder(const std::string& appDir);

// Sets the app up from `folder` (read by readDevFolder). With `deployer`,
// after step 3 the app folder's services are deployed as a new version
// (tools/deploy_commands.h deployDevApp); a broken bundle is refused like a
// broken file, naming file and line.
int setUpDevApp(services::Host& host, const std::string& appId, const DevFolder& folder, bool reseed,
                services::Deployer* deployer = nullptr);

// Step 2 alone: registers the policy's dev users that are missing (an
// existing user keeps its password) and gives each its roles, as the admin.
// The reason, naming dev.users[i], when one is refused.
Status ensureDevUsers(services::App& app, const services::Policy& policy);

}  // namespace ck::tools
