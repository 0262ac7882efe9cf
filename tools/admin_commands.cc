// `cloudkeep app create|list`: calls on the running server's admin API
// (tools/admin_client.h finds it and its token through the data folder).

#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tools/admin_client.h"
#include "tools/commands.h"

namespace ck::tools {
namespace {

using nlohmann::json;

void printApp(const json& app) {
  std::printf("%s  %s\n", app["id"].get<std::string>().c_str(), app["name"].get<std::string>().c_str());
  for (const auto& [kind, key] : app["keys"].items()) {
    std::printf("  %-8s %s\n", kind.c_str(), key.get<std::string>().c_str());
  }
}

}  // namespace

int runAppCreate(const std::string& dataDir, const std::string& name, bool asJson) {
  json app;
  if (int rc = runAdminCall(dataDir, "POST", "/admin/apps", json{{"name", name}}.dump(), &app); rc != kExitOk) return rc;
  if (asJson) {
    std::printf("%s\n", app.dump(2).c_str());
  } else {
    printApp(app);
  }
  return kExitOk;
}

int runAppList(const std::string& dataDir, bool asJson) {
  json apps;
  if (int rc = runAdminCall(dataDir, "GET", "/admin/apps", "", &apps); rc != kExitOk) return rc;
  if (asJson) {
    std::printf("%s\n", apps.dump(2).c_str());
    return kExitOk;
  }
  if (apps.empty()) std::printf("no apps\n");
  for (const json& app : apps) printApp(app);
  return kExitOk;
}

}  // namespace ck::tools
