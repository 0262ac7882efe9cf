#include "tools/deploy_commands.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "services/deployer.h"
#include "services/service_bundle.h"
#include "tools/admin_client.h"
#include "tools/commands.h"
#include "tools/files.h"

namespace ck::tools {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

int fail(int code, const std::string& reason) {
  std::fprintf(stderr, "cloudkeep: %s\n", reason.c_str());
  return code;
}

std::string resolveAppId(const std::string& dataDir, const std::string& appId) {
  if (!appId.empty()) return appId;
  std::string id = devAppId(dataDir);
  if (id.empty()) std::fprintf(stderr, "cloudkeep: --app ID is required (no app id in %s/dev.json)\n", dataDir.c_str());
  return id;
}

void printOutcome(const char* what, const std::string& appId, const json& body, bool asJson) {
  if (asJson) {
    std::printf("%s\n", body.dump(2).c_str());
    return;
  }
  std::printf("%s app %s: version %s is active\n", what, appId.c_str(), body.value("version", json()).dump().c_str());
  if (body.contains("services") && body["services"].is_array()) {
    for (const json& s : body["services"]) {
      std::printf("  %s %s\n", s.value("name", std::string()).c_str(), s.value("version", std::string()).c_str());
      if (!s.contains("methods")) continue;
      for (const json& m : s["methods"]) {
        std::printf("    %-6s %s  (%s)\n", m.value("verb", std::string()).c_str(), m.value("route", std::string()).c_str(),
                    m.value("name", std::string()).c_str());
      }
    }
  }
  if (body.contains("warnings") && body["warnings"].is_array()) {
    for (const json& w : body["warnings"]) {
      if (w.is_string()) std::printf("  warning: %s\n", w.get<std::string>().c_str());
    }
  }
}

}  // namespace

Result<std::map<std::string, std::string>> collectAppFolder(const std::string& appDir) {
  std::error_code ec;
  fs::path root = fs::canonical(appDir, ec);
  if (ec) return Status(ErrorCode::kInvalidArgument, fmt::format("{}: no such folder", appDir));
  std::vector<std::string> services;
  fs::path dir = root / "services";
  if (fs::is_directory(dir, ec)) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.is_regular_file() && entry.path().extension() == ".js") {
        services.push_back("services/" + entry.path().filename().string());
      }
    }
  }
  std::sort(services.begin(), services.end());
  services::BundleReader read = [root](const std::string& path) -> std::optional<std::string> {
    std::error_code ec2;
    fs::path real = fs::canonical(root / path, ec2);
    if (ec2 || !fs::is_regular_file(real, ec2)) return std::nullopt;
    // A symlink out of the folder reads as no file.
    auto rel = real.lexically_relative(root);
    if (rel.empty() || *rel.begin() == "..") return std::nullopt;
    std::string text;
    if (!readWholeFile(real.string(), &text)) return std::nullopt;
    return text;
  };
  return services::collectBundle(services, read);
}

int runDeploy(const std::string& dataDir, const DeployOptions& options) {
  const std::string policyPath = options.appDir + "/cloudkeep.json";
  std::string policy;
  if (!readWholeFile(policyPath, &policy)) return fail(kExitUsage, policyPath + ": cannot read (no such file?)");
  Result<std::map<std::string, std::string>> files = collectAppFolder(options.appDir);
  if (!files.ok()) return fail(kExitUsage, options.appDir + "/" + files.status().message());
  Result<AdminTarget> target = findAdminServer(dataDir);
  if (!target.ok()) return fail(kExitNoServer, target.status().message());
  std::string appId = resolveAppId(dataDir, options.appId);
  if (appId.empty()) return kExitUsage;
  json body = {{"files", *files}, {"policy", policy}};
  AdminReply reply = callAdmin(*target, "POST", "/admin/apps/" + appId + "/deploy", body.dump());
  if (reply.exitCode != kExitOk) return fail(reply.exitCode, reply.error);
  printOutcome("deployed to", appId, reply.body, options.json);
  return kExitOk;
}

int runRollback(const std::string& dataDir, const DeployOptions& options) {
  Result<AdminTarget> target = findAdminServer(dataDir);
  if (!target.ok()) return fail(kExitNoServer, target.status().message());
  std::string appId = resolveAppId(dataDir, options.appId);
  if (appId.empty()) return kExitUsage;
  AdminReply reply = callAdmin(*target, "POST", "/admin/apps/" + appId + "/rollback", "");
  if (reply.exitCode != kExitOk) return fail(reply.exitCode, reply.error);
  printOutcome("rolled back", appId, reply.body, options.json);
  return kExitOk;
}

int deployDevApp(services::Deployer& deployer, const std::string& appId, const std::string& appDir) {
  Result<std::map<std::string, std::string>> files = collectAppFolder(appDir);
  if (!files.ok()) return fail(kExitUsage, appDir + "/" + files.status().message());
  services::CallInfo call;
  call.channel = services::Channel::kAdmin;
  call.requestId = "dev";
  call.devMode = true;
  Result<services::DeployOutcome> outcome = deployer.deploy(appId, std::move(*files), std::nullopt, call);
  if (!outcome.ok()) return fail(kExitUsage, appDir + ": deploy refused: " + outcome.status().message());
  size_t methods = 0;
  for (const json& s : outcome->catalog["services"]) methods += s["methods"].size();
  std::printf("cloudkeep dev: services deployed as version %d (%zu service%s, %zu method%s)\n", outcome->version,
              outcome->catalog["services"].size(), outcome->catalog["services"].size() == 1 ? "" : "s", methods,
              methods == 1 ? "" : "s");
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace ck::tools
