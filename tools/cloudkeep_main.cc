// The `cloudkeep` command line: maps subcommands to calls on library classes.
// Flags override environment variables, which override the defaults in
// runtime::Config.

#include <cstdio>
#include <cstdlib>
#include <exception>

#include <CLI/CLI.hpp>

#include "runtime/config.h"
#include "tools/audit_command.h"
#include "tools/logs_command.h"
#include "tools/commands.h"
#include "tools/deploy_commands.h"
#include "tools/invoke_command.h"
#include "tools/new_command.h"

namespace {

// Flags shared by every subcommand that starts or finds a server.
struct CommonFlags {
  std::string dataDir;
  std::string logLevel;
  std::string logFormat;
};

void addDataFlag(CLI::App* cmd, CommonFlags& flags) {
  cmd->add_option("--data", flags.dataDir, "Data folder (default: $CLOUDKEEP_DATA, then ./.cloudkeep)");
}

void addLogFlags(CLI::App* cmd, CommonFlags& flags) {
  cmd->add_option("--log-level", flags.logLevel, "debug, info, warn or error (default info)")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  cmd->add_option("--log-format", flags.logFormat, "human or json (default human)")
      ->check(CLI::IsMember({"human", "json"}));
}

// Defaults, then the environment, then the flags.
bool buildConfig(const CommonFlags& flags, ck::runtime::Config* config) {
  ck::Status st = ck::runtime::applyEnvironment(*config, [](const char* n) { return std::getenv(n); });
  if (!st.ok()) {
    std::fprintf(stderr, "cloudkeep: %s\n", st.message().c_str());
    return false;
  }
  if (!flags.dataDir.empty()) config->dataDir = flags.dataDir;
  if (!flags.logLevel.empty()) ck::parseLogLevel(flags.logLevel, &config->logLevel);
  if (!flags.logFormat.empty()) ck::runtime::parseLogFormat(flags.logFormat, &config->logFormat);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cloudkeep: a self-hosted cloud-code host"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "cloudkeep 0.1.0");

  CommonFlags flags;
  std::string listen;
  auto* serve = app.add_subcommand("serve", "Run the production server (many apps) until SIGINT/SIGTERM");
  addDataFlag(serve, flags);
  addLogFlags(serve, flags);
  serve->add_option("--listen", listen, "HOST:PORT to listen on (default 127.0.0.1:8080; $CLOUDKEEP_LISTEN)");

  ck::tools::DevOptions dev;
  auto* devCmd = app.add_subcommand("dev", "Run the local dev runner on an app folder");
  devCmd->add_option("APP_DIR", dev.appDir, "The app folder (holds cloudkeep.json)")->required();
  devCmd->add_option("--port", dev.port, "Port on 127.0.0.1 (default 8080; 0 takes a free one)")
      ->check(CLI::Range(0, 65535));
  devCmd->add_option("--data", dev.dataDir, "Data folder (default APP_DIR/.cloudkeep)");
  addLogFlags(devCmd, flags);
  devCmd->add_flag("--reseed", dev.reseed,
                   "Load seed/<Table>.json again, deleting those tables' rows first (seeds otherwise load only "
                   "on the first start on the data folder)");
  devCmd->add_flag("--no-watch", dev.noWatch,
                   "Do not redeploy when the folder changes (deploy with `cloudkeep deploy` instead)");

  // Policy commands. Those given an APP_DIR use APP_DIR/.cloudkeep as the data
  // folder when it exists and --data is not given; --app defaults to dev.json's app.
  ck::tools::PolicyOptions policy;
  auto* policyCmd = app.add_subcommand("policy", "Apply, show or test an app's policy (cloudkeep.json)");
  policyCmd->require_subcommand(1);
  auto* policyApply = policyCmd->add_subcommand("apply", "Apply APP_DIR/cloudkeep.json as the app's policy");
  auto* policyShow = policyCmd->add_subcommand("show", "Print the cloudkeep.json in force");
  auto* policyTest = policyCmd->add_subcommand(
      "test", "Run APP_DIR/cloudkeep.json's tests against the app's users (offline: against its dev users)");
  for (auto* cmd : {policyApply, policyTest}) {
    cmd->add_option("APP_DIR", policy.appDir, "The app folder (holds cloudkeep.json)")->required();
  }
  for (auto* cmd : {policyApply, policyShow, policyTest}) {
    cmd->add_option("--app", policy.appId, "The app's id (default: the appId in <data>/dev.json)");
    addDataFlag(cmd, flags);
  }
  policyTest->add_flag("--offline", policy.offline,
                       "Evaluate the file with its dev users, without a server (also the fallback when none answers)");

  ck::tools::ExplainOptions explain;
  auto* explainCmd = app.add_subcommand("explain", "Why OP on RESOURCE is granted or denied: the rule trace");
  explainCmd->add_option("OP", explain.op, "The operation: find, create, update, delete, describe, read, write, "
                                           "list, invoke, register, login, impersonate")->required();
  explainCmd->add_option("RESOURCE", explain.resource,
                         "data:<Table>, files:<path>, service:<Name>[.<method>] or users")->required();
  auto* asOpt = explainCmd->add_option("--as", explain.asUser, "As this user (email) of the app");
  explainCmd->add_option("--role", explain.role,
                         "As a signed-in user with this role (NotAuthenticatedUser: nobody signed in)")
      ->excludes(asOpt);
  explainCmd->add_option("--service", explain.service,
                         "As the service's code (ServerCodeUser with its grants); --as names the caller");
  explainCmd->add_option("--key", explain.key, "The API key kind (default REST)")
      ->check(CLI::IsMember({"REST", "JS", "IOS", "ANDROID"}));
  explainCmd->add_option("--app", explain.appId, "The app's id (default: the appId in <data>/dev.json)");
  explainCmd->add_flag("--json", explain.json, "Print the explanation as JSON");
  addDataFlag(explainCmd, flags);

  auto* appCmd = app.add_subcommand("app", "Manage the apps of a running server");
  appCmd->require_subcommand(1);
  std::string appName;
  bool json = false;
  auto* create = appCmd->add_subcommand("create", "Create an app; prints its id and API keys");
  create->add_option("NAME", appName, "The app's name (A-Z a-z 0-9 _ . -)")->required();
  create->add_flag("--json", json, "Print JSON");
  addDataFlag(create, flags);
  auto* list = appCmd->add_subcommand("list", "List the apps with their API keys");
  list->add_flag("--json", json, "Print JSON");
  addDataFlag(list, flags);

  ck::tools::AuditOptions audit;
  auto* auditCmd = ck::tools::addAuditCommand(app, audit);
  addDataFlag(auditCmd, flags);

  ck::tools::LogsOptions logs;
  auto* logsCmd = ck::tools::addLogsCommand(app, logs);
  addDataFlag(logsCmd, flags);

  ck::tools::DeployOptions deploy;
  auto* deployCmd = app.add_subcommand("deploy", "Deploy APP_DIR's services and cloudkeep.json as a new version");
  deployCmd->add_option("APP_DIR", deploy.appDir, "The app folder (holds cloudkeep.json and services/)")->required();
  auto* rollbackCmd = app.add_subcommand("rollback", "Make the version before the active one active again");
  for (auto* cmd : {deployCmd, rollbackCmd}) {
    cmd->add_option("--app", deploy.appId, "The app's id (default: the appId in <data>/dev.json)");
    cmd->add_flag("--json", deploy.json, "Print the server's answer as JSON");
    addDataFlag(cmd, flags);
  }

  std::string newDir;
  auto* newCmd = app.add_subcommand("new", "Create a working app folder to start from (refuses a non-empty folder)");
  newCmd->add_option("APP_DIR", newDir, "The folder to create")->required();

  ck::tools::InvokeOptions invoke;
  auto* invokeCmd = ck::tools::addInvokeCommand(app, invoke);
  addDataFlag(invokeCmd, flags);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : ck::tools::kExitUsage;
  }

  ck::runtime::Config config;
  if (!buildConfig(flags, &config)) return ck::tools::kExitUsage;
  try {
    if (*serve) {
      if (!listen.empty()) {
        std::string host;
        int port = 0;
        if (ck::Status st = ck::runtime::parseListen(listen, &host, &port); !st.ok()) {
          std::fprintf(stderr, "cloudkeep: --listen: %s\n", st.message().c_str());
          return ck::tools::kExitUsage;
        }
        config.listen = listen;
      }
      return ck::tools::runServe(config);
    }
    if (*devCmd) return ck::tools::runDev(config, dev);
    if (*policyApply || *policyTest) {
      std::string data = ck::tools::appDataDir(flags.dataDir, policy.appDir, config.dataDir);
      return *policyApply ? ck::tools::runPolicyApply(data, policy) : ck::tools::runPolicyTest(data, policy);
    }
    if (*policyShow) return ck::tools::runPolicyShow(config.dataDir, policy);
    if (*explainCmd) return ck::tools::runExplain(config.dataDir, explain);
    if (*create) return ck::tools::runAppCreate(config.dataDir, appName, json);
    if (*list) return ck::tools::runAppList(config.dataDir, json);
    if (*auditCmd) return ck::tools::runAudit(config.dataDir, audit);
    if (*deployCmd) {
      return ck::tools::runDeploy(ck::tools::appDataDir(flags.dataDir, deploy.appDir, config.dataDir), deploy);
    }
    if (*rollbackCmd) return ck::tools::runRollback(config.dataDir, deploy);
    if (*logsCmd) return ck::tools::runLogs(config.dataDir, logs);
    if (*invokeCmd) return ck::tools::runInvoke(config.dataDir, invoke);
    if (*newCmd) return ck::tools::runNew(newDir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cloudkeep: %s\n", e.what());
    return ck::tools::kExitFailure;
  }
  return ck::tools::kExitUsage;
}
