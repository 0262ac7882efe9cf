#include "tools/invoke_command.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "runtime/http/url.h"
#include "tools/admin_client.h"
#include "tools/commands.h"

namespace ck::tools {

using nlohmann::json;

CLI::App* addInvokeCommand(CLI::App& app, InvokeOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "invoke", "Invoke a service method as a user of the app (or nobody signed in) and print its value");
  cmd->add_option("METHOD", options.target, "Service.method")->required();
  cmd->add_option("--as", options.as, "As this user (email) of the app, with their roles (default: nobody signed in)");
  cmd->add_option("--args", options.args,
                  "The arguments as JSON, as a client's POST body carries them: one parameter takes the value "
                  "itself, two or more an object keyed by the @param names");
  cmd->add_option("--key", options.key, "The API key kind the call comes with (default REST)")
      ->check(CLI::IsMember({"REST", "JS", "IOS", "ANDROID"}));
  cmd->add_option("--app", options.appId, "The app's id (default: the appId in <data>/dev.json)");
  return cmd;
}

int runInvoke(const std::string& dataDir, const InvokeOptions& options) {
  size_t dot = options.target.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == options.target.size()) {
    std::fprintf(stderr, "cloudkeep: %s: give the method as Service.method\n", options.target.c_str());
    return kExitUsage;
  }
  json body = {{"service", options.target.substr(0, dot)}, {"method", options.target.substr(dot + 1)}};
  if (!options.args.empty()) {
    json args = json::parse(options.args, nullptr, /*allow_exceptions=*/false);
    if (args.is_discarded()) {
      std::fprintf(stderr, "cloudkeep: --args: not valid JSON (a string needs its quotes: '\"ana\"')\n");
      return kExitUsage;
    }
    body["args"] = std::move(args);
  }
  if (!options.as.empty()) body["as"] = options.as;
  if (!options.key.empty()) body["key"] = options.key;
  Result<AdminTarget> target = findAdminServer(dataDir);
  if (!target.ok()) {
    std::fprintf(stderr, "cloudkeep: %s\n", target.status().message().c_str());
    return kExitNoServer;
  }
  std::string appId = options.appId.empty() ? devAppId(dataDir) : options.appId;
  if (appId.empty()) {
    std::fprintf(stderr, "cloudkeep: --app ID is required (no app id in %s/dev.json)\n", dataDir.c_str());
    return kExitUsage;
  }
  AdminReply reply = callAdmin(*target, "POST", "/admin/apps/" + http::percentEncode(appId) + "/invoke", body.dump());
  if (reply.exitCode == kExitNoServer) {
    std::fprintf(stderr, "cloudkeep: %s\n", reply.error.c_str());
    return kExitNoServer;
  }
  if (reply.exitCode != kExitOk) {
    // The invocation's error as the server answered it: `code message`.
    const json& b = reply.body;
    if (b.is_object() && b.contains("code") && !b["code"].is_null()) {
      std::string code = b["code"].is_string() ? b["code"].get<std::string>() : b["code"].dump();
      std::fprintf(stderr, "%s %s\n", code.c_str(), jsonText(b, "message").c_str());
    } else {
      std::fprintf(stderr, "cloudkeep: %s\n", reply.error.c_str());
    }
    return kExitFailure;
  }
  std::printf("%s\n", reply.body.dump(2).c_str());
  return kExitOk;
}

}  // namespace ck::tools
