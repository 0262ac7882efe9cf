// `cloudkeep policy apply|show|test` and `cloudkeep explain`: the policy
// admin API (runtime/policy_routes.h) from the command line, through the
// server found in the data folder (tools/admin_client.h). `policy test`
// also runs offline, against the file and its dev users.

#include <cstdio>
#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "services/policy.h"
#include "services/policy_bind.h"
#include "services/policy_tests.h"
#include "tools/admin_client.h"
#include "tools/commands.h"
#include "tools/files.h"

namespace ck::tools {
namespace {

using nlohmann::json;

int fail(int code, const std::string& reason) {
  std::fprintf(stderr, "cloudkeep: %s\n", reason.c_str());
  return code;
}

std::string policyPath(const std::string& appDir) { return appDir + "/cloudkeep.json"; }

// The app to talk about: --app, else the dev runner's app; "" (reason printed) when neither.
std::string resolveAppId(const std::string& dataDir, const std::string& appId) {
  if (!appId.empty()) return appId;
  std::string id = devAppId(dataDir);
  if (id.empty()) {
    std::fprintf(stderr, "cloudkeep: --app ID is required (no app id in %s/dev.json)\n", dataDir.c_str());
  }
  return id;
}

// The server and the app, or the exit code after printing why not.
int reachApp(const std::string& dataDir, const std::string& appIdFlag, AdminTarget* target, std::string* appId) {
  Result<AdminTarget> found = findAdminServer(dataDir);
  if (!found.ok()) return fail(kExitNoServer, found.status().message());
  *target = std::move(*found);
  *appId = resolveAppId(dataDir, appIdFlag);
  return appId->empty() ? kExitUsage : kExitOk;
}

int printFailures(size_t failed) {
  if (failed == 0) return kExitOk;
  return fail(kExitFailure, fmt::format("{} policy test{} failed", failed, failed == 1 ? "" : "s"));
}

// The file's tests against its own dev users, without a server.
int testOffline(services::Policy policy) {
  services::PolicyTestUserLookup users = services::devUserLookup(policy);
  services::UserIdLookup ids = services::devUserIdLookup(policy);
  services::BoundPolicy bound = services::bindPolicy(std::move(policy), ids);
  std::vector<services::PolicyTestResult> results = services::runPolicyTests(bound, users);
  std::printf("%s", services::policyTestReport(results).c_str());
  size_t failed = 0;
  for (const services::PolicyTestResult& r : results) failed += r.passed ? 0 : 1;
  return printFailures(failed);
}

}  // namespace

std::string appDataDir(const std::string& explicitDataDir, const std::string& appDir, const std::string& fallback) {
  if (!explicitDataDir.empty()) return explicitDataDir;
  std::string inApp = appDir + "/.cloudkeep";
  std::error_code ec;
  if (!appDir.empty() && std::filesystem::is_directory(inApp, ec)) return inApp;
  return fallback;
}

int runPolicyApply(const std::string& dataDir, const PolicyOptions& options) {
  std::string text;
  if (!readWholeFile(policyPath(options.appDir), &text)) {
    return fail(kExitUsage, fmt::format("{}: cannot read (no such file?)", policyPath(options.appDir)));
  }
  AdminTarget target;
  std::string appId;
  if (int rc = reachApp(dataDir, options.appId, &target, &appId); rc != kExitOk) return rc;
  AdminReply reply = callAdmin(target, "PUT", "/admin/apps/" + appId + "/policy", text);
  if (reply.exitCode != kExitOk) {
    return fail(reply.exitCode, reply.exitCode == kExitRefused
                                    ? fmt::format("{}: {}", policyPath(options.appDir), reply.error)
                                    : reply.error);
  }
  std::printf("policy of %s applied to app %s\n", policyPath(options.appDir).c_str(), appId.c_str());
  if (reply.body.contains("warnings") && reply.body["warnings"].is_array()) {
    for (const json& w : reply.body["warnings"]) {
      if (w.is_string()) std::printf("  warning: %s\n", w.get<std::string>().c_str());
    }
  }
  return kExitOk;
}

int runPolicyShow(const std::string& dataDir, const PolicyOptions& options) {
  AdminTarget target;
  std::string appId;
  if (int rc = reachApp(dataDir, options.appId, &target, &appId); rc != kExitOk) return rc;
  AdminReply reply = callAdmin(target, "GET", "/admin/apps/" + appId + "/policy", "");
  if (reply.exitCode != kExitOk) return fail(reply.exitCode, reply.error);
  // The text as it was applied, layout and comments included.
  std::string text = std::move(reply.text);
  if (text.empty() || text.back() != '\n') text += '\n';
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

int runPolicyTest(const std::string& dataDir, const PolicyOptions& options) {
  const std::string path = policyPath(options.appDir);
  std::string text;
  if (!readWholeFile(path, &text)) return fail(kExitUsage, fmt::format("{}: cannot read (no such file?)", path));
  Result<services::Policy> policy = services::parsePolicy(text);
  if (!policy.ok()) return fail(kExitUsage, fmt::format("{}: {}", path, policy.status().message()));
  if (options.offline) return testOffline(std::move(*policy));

  Result<AdminTarget> target = findAdminServer(dataDir);
  AdminReply reply;
  if (target.ok()) {
    std::string appId = resolveAppId(dataDir, options.appId);
    if (appId.empty()) return kExitUsage;
    reply = callAdmin(*target, "POST", "/admin/apps/" + appId + "/policy/test", text);
    if (reply.exitCode == kExitOk) {
      const json& report = reply.body["report"];
      std::printf("%s", report.is_string() ? report.get<std::string>().c_str() : "");
      const json& failed = reply.body["failed"];
      return printFailures(failed.is_number_unsigned() ? failed.get<size_t>() : 0);
    }
    if (reply.exitCode != kExitNoServer) return fail(reply.exitCode, reply.error);
  }
  std::printf("no server running for the data folder %s: testing %s offline, with its dev users\n",
              dataDir.c_str(), path.c_str());
  return testOffline(std::move(*policy));
}

int runExplain(const std::string& dataDir, const ExplainOptions& options) {
  if (!options.role.empty() && (!options.asUser.empty() || !options.service.empty())) {
    return fail(kExitUsage, "--role goes alone (not with --as or --service)");
  }
  json as = json::object();
  if (!options.asUser.empty()) as["user"] = options.asUser;
  if (!options.role.empty()) as["role"] = options.role;
  if (!options.service.empty()) as["service"] = options.service;
  json body = {{"op", options.op}, {"resource", options.resource}};
  if (!as.empty()) body["as"] = as;
  if (!options.key.empty()) body["key"] = options.key;

  AdminTarget target;
  std::string appId;
  if (int rc = reachApp(dataDir, options.appId, &target, &appId); rc != kExitOk) return rc;
  AdminReply reply = callAdmin(target, "POST", "/admin/apps/" + appId + "/explain", body.dump());
  if (reply.exitCode != kExitOk) return fail(reply.exitCode, reply.error);
  if (options.json) {
    reply.body.erase("text");
    std::printf("%s\n", reply.body.dump(2).c_str());
  } else {
    const json& text = reply.body["text"];
    std::printf("%s", text.is_string() ? text.get<std::string>().c_str() : reply.body.dump(2).c_str());
  }
  return kExitOk;
}

}  // namespace ck::tools
