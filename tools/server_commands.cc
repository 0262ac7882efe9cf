// `cloudkeep serve` and `cloudkeep dev`: start the server core and run until
// SIGINT or SIGTERM, then shut down gracefully and exit 0.

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "runtime/server.h"
#include "services/host.h"
#include "services/policy.h"
#include "tools/commands.h"
#include "tools/dev_json_place.h"
#include "tools/dev_reload.h"
#include "tools/dev_setup.h"
#include "tools/dev_watch.h"
#include "tools/files.h"

namespace ck::tools {
namespace {

using nlohmann::json;

// Blocks SIGINT and SIGTERM in this thread and every thread started after
// it, so that waitForStopSignal() receives them synchronously.
sigset_t blockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int waitForStopSignal(const sigset_t& set) {
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

// The real clock, random source and logger wired to a server core, with the
// stop signals blocked before any server thread starts.
class ServerProcess {
 public:
  explicit ServerProcess(const runtime::Config& config)
      : log_(stderr, config.logLevel, config.logFormat),
        signals_(blockStopSignals()),
        dataDir_(config.dataDir),
        server_(config, log_, clock_, random_) {}

  // Starts serving; prints the reason and returns false on failure.
  bool start() {
    if (Status st = server_.start(); !st.ok()) {
      std::fprintf(stderr, "cloudkeep: %s\n", st.message().c_str());
      return false;
    }
    return true;
  }

  // Serves until SIGINT/SIGTERM, writing <data>/server.json meanwhile so
  // admin commands can find the server; then runs `beforeStop` (if any) and
  // stops gracefully.
  int runUntilSignal(const std::function<void()>& beforeStop = {}) {
    std::string marker = dataDir_ + "/server.json";
    writeFileAtomically(marker, json{{"url", server_.url()}, {"pid", ::getpid()}}.dump(2) + "\n");
    int sig = waitForStopSignal(signals_);
    log_.info("stopping", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    if (beforeStop) beforeStop();
    server_.stop();
    std::filesystem::remove(marker);
    return kExitOk;
  }

  runtime::Server& server() { return server_; }

 private:
  StreamLogger log_;
  SystemClock clock_;
  SystemRandom random_;
  sigset_t signals_;
  std::string dataDir_;
  runtime::Server server_;
};

// Reads and checks APP_DIR/cloudkeep.json; returns the app's name.
Result<std::string> readAppName(const std::string& appDir) {
  std::string path = appDir + "/cloudkeep.json";
  std::ifstream in(path);
  if (!in) return Status(ErrorCode::kInvalidArgument, fmt::format("{}: cannot read (no such file?)", path));
  std::stringstream ss;
  ss << in.rdbuf();
  json doc;
  try {
    doc = json::parse(ss.str());
  } catch (const json::parse_error& e) {
    // nlohmann counts the bytes read: the offending one is the last.
    TextPlace place = placeOfOffset(ss.str(), e.byte > 0 ? e.byte - 1 : 0);
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("{}:{}:{}: not valid JSON", path, place.line, place.column));
  }
  if (!doc.is_object()) return Status(ErrorCode::kInvalidArgument, fmt::format("{}: must be a JSON object", path));
  std::string name;
  if (doc.contains("name")) {
    if (!doc["name"].is_string()) {
      return Status(ErrorCode::kInvalidArgument, fmt::format("{}: \"name\" must be a string", path));
    }
    name = doc["name"].get<std::string>();
  } else {
    name = std::filesystem::absolute(appDir).lexically_normal().filename().string();
  }
  if (!services::isValidAppName(name)) {
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("{}: app name \"{}\" must be 1-64 characters of A-Z a-z 0-9 _ . -", path, name));
  }
  return name;
}

// The dev app: the one named in dev.json if it still exists, else the one
// with the folder's app name, else a new one.
Result<services::AppInfo> ensureDevApp(services::Host& host, const std::string& dataDir,
                                       const std::string& name) {
  std::ifstream in(dataDir + "/dev.json");
  if (in) {
    json doc = json::parse(in, nullptr, false);
    if (doc.is_object() && doc.contains("appId") && doc["appId"].is_string()) {
      if (auto app = host.findApp(doc["appId"].get<std::string>())) return *app;
    }
  }
  if (auto app = host.findAppByName(name)) return *app;
  return host.createApp(name);
}

// How long the folder must be quiet after a change before it is redeployed.
constexpr std::chrono::milliseconds kReloadQuiet{150};

// The dev users of APP_DIR/cloudkeep.json with their roles (the passwords
// stay in the file).
void printDevUsers(const std::string& appDir) {
  std::string text;
  if (!readWholeFile(appDir + "/cloudkeep.json", &text)) return;
  Result<services::Policy> policy = services::parsePolicy(text);
  if (!policy.ok() || policy->devUsers.empty()) return;
  const char* label = "Dev users";
  for (const services::DevUser& user : policy->devUsers) {
    std::string roles = user.roles.empty() ? "" : fmt::format(" ({})", fmt::join(user.roles, ", "));
    std::printf("  %-11s %s%s\n", label, user.email.c_str(), roles.c_str());
    label = "";
  }
  std::printf("  %-11s (passwords in cloudkeep.json)\n", "");
}

}  // namespace

int runServe(const runtime::Config& config) {
  ServerProcess process(config);
  if (!process.start()) return kExitFailure;
  return process.runUntilSignal();
}

int runDev(runtime::Config config, const DevOptions& options) {
  Result<std::string> name = readAppName(options.appDir);
  if (!name.ok()) {
    std::fprintf(stderr, "cloudkeep: %s\n", name.status().message().c_str());
    return kExitUsage;
  }
  // A broken file is refused before anything starts (or is written).
  std::shared_ptr<const DevFolder> folder = readDevFolder(options.appDir);
  if (folder == nullptr) return kExitUsage;
  config.dataDir = options.dataDir.empty() ? options.appDir + "/.cloudkeep" : options.dataDir;
  config.listen = fmt::format("127.0.0.1:{}", options.port);
  config.devMode = true;

  ServerProcess process(config);
  if (!process.start()) return kExitFailure;
  runtime::Server& server = process.server();
  Result<services::AppInfo> app = ensureDevApp(server.host(), config.dataDir, *name);
  if (!app.ok()) {
    std::fprintf(stderr, "cloudkeep: %s\n", app.status().message().c_str());
    server.stop();
    return kExitFailure;
  }
  // Policy, dev users and seeds, before dev.json says the app is ready.
  if (int rc = setUpDevApp(server.host(), app->id, *folder, options.reseed, &server.deployer()); rc != kExitOk) {
    server.stop();
    return rc;
  }

  json keys = json::object();
  for (const auto& [kind, key] : app->keys) keys[std::string(services::clientKindName(kind))] = key;
  json devInfo = {{"url", server.url()}, {"appId", app->id}, {"keys", keys}};
  // What the setup printed is out before dev.json says the app is ready:
  // whoever waits for the file may read the output at once.
  std::fflush(stdout);
  writeFileAtomically(config.dataDir + "/dev.json", devInfo.dump(2) + "\n");

  std::printf("cloudkeep dev: serving app \"%s\"\n", app->name.c_str());
  std::printf("  URL         %s\n", server.url().c_str());
  std::printf("  App id      %s\n", app->id.c_str());
  for (const auto& [kind, key] : app->keys) {
    std::printf("  %-11s %s\n", fmt::format("{} key", services::clientKindName(kind)).c_str(), key.c_str());
  }
  printDevUsers(options.appDir);
  std::printf("  Data        %s (dev.json, admin.token)\n", config.dataDir.c_str());

  // Hot reload: a change of the folder redeploys cloudkeep.json and the services.
  DevReloader reloader(server.host(), server.deployer(), app->id, options.appDir);
  FolderWatcher watcher(options.appDir, config.dataDir, kReloadQuiet, [&reloader] { reloader.reload(); });
  if (options.noWatch) {
    std::printf("Not watching %s (--no-watch).\n", options.appDir.c_str());
  } else if (Status st = watcher.start(); !st.ok()) {
    std::fprintf(stderr, "cloudkeep dev: not watching %s for changes: %s\n", options.appDir.c_str(),
                 st.message().c_str());
  } else {
    std::printf("Watching %s for changes (%zu folders).\n", options.appDir.c_str(), watcher.watchedFolders());
  }
  std::printf("Press Ctrl-C to stop.\n");
  std::fflush(stdout);
  return process.runUntilSignal([&watcher] { watcher.stop(); });
}

}  // namespace ck::tools
