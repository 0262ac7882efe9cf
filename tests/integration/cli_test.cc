// The cloudkeep binary as a user runs it: exit codes, `dev`, admin commands.

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/integration/child_process.h"
#include "tests/integration/http_call.h"

namespace ck::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

int runToExit(const std::vector<std::string>& args, const std::string& prefix, std::string* out = nullptr,
              std::string* err = nullptr) {
  ChildProcess p(cloudkeepBinary(), args, prefix);
  int code = p.wait(30s);
  if (out) *out = p.stdoutText();
  if (err) *err = p.stderrText();
  return code;
}

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

TEST(Cli, HelpAndUsageErrors) {
  TempDir dir;
  std::string out, err;
  EXPECT_EQ(runToExit({"--help"}, dir.path() + "/h", &out), 0);
  EXPECT_NE(out.find("serve"), std::string::npos);
  for (const char* sub : {"serve", "dev", "app"}) {
    EXPECT_EQ(runToExit({sub, "--help"}, dir.path() + "/h2", &out), 0) << sub;
    EXPECT_FALSE(out.empty()) << sub;
  }
  EXPECT_EQ(runToExit({"bogus"}, dir.path() + "/b"), 2);
  EXPECT_EQ(runToExit({"serve", "--listen", "nope"}, dir.path() + "/l", &out, &err), 2);
  EXPECT_NE(err.find("--listen"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << "one-line reason: " << err;
  // No cloudkeep.json in the app folder.
  EXPECT_EQ(runToExit({"dev", dir.path(), "--port", "0"}, dir.path() + "/d", &out, &err), 2);
  EXPECT_NE(err.find("cloudkeep.json"), std::string::npos) << err;
  // No server running for the admin commands.
  EXPECT_EQ(runToExit({"app", "list", "--data", dir.path() + "/nothing"}, dir.path() + "/a", &out, &err), 3);
  EXPECT_FALSE(err.empty());
}

TEST(Cli, DevCreatesTheAppOnceAndWritesDevJson) {
  TempDir dir;
  std::string appDir = dir.path() + "/myapp";
  std::filesystem::create_directories(appDir);
  writeFile(appDir + "/cloudkeep.json", R"({"name": "demo"})");
  std::string devJson = appDir + "/.cloudkeep/dev.json";

  std::string firstId;
  for (int run = 0; run < 2; ++run) {
    std::filesystem::remove(devJson);
    ChildProcess dev(cloudkeepBinary(), {"dev", appDir, "--port", "0"}, dir.path() + "/dev");
    ASSERT_TRUE(waitFor([&] { return !readFile(devJson).empty(); }, 20s)) << dev.stderrText();
    json info = json::parse(readFile(devJson));
    std::string url = info["url"];
    EXPECT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
    for (const char* kind : {"REST", "JS", "IOS", "ANDROID"}) EXPECT_TRUE(info["keys"][kind].is_string()) << kind;
    if (run == 0) {
      firstId = info["appId"];
    } else {
      EXPECT_EQ(info["appId"], firstId) << "a restart keeps the app";
    }
    HttpResult health = httpCall(portOf(url), "GET", "/health", {}, "");
    EXPECT_EQ(health.status, 200);
    ASSERT_TRUE(waitFor([&] { return dev.stdoutText().find(firstId) != std::string::npos; }, 5s))
        << "dev prints the app id";

    // The admin commands find the dev server through the data folder.
    std::string out;
    EXPECT_EQ(runToExit({"app", "list", "--json", "--data", appDir + "/.cloudkeep"}, dir.path() + "/list", &out), 0);
    json apps = json::parse(out);
    ASSERT_EQ(apps.size(), 1u);
    EXPECT_EQ(apps[0]["name"], "demo");

    dev.signal(SIGINT);
    EXPECT_EQ(dev.wait(20s), 0) << dev.stderrText();
    EXPECT_FALSE(std::filesystem::exists(appDir + "/.cloudkeep/server.json"));
  }
}

TEST(Cli, ServeAndAppCommands) {
  TempDir dir;
  std::string data = dir.path() + "/data";
  ChildProcess serve(cloudkeepBinary(), {"serve", "--data", data, "--listen", "127.0.0.1:0", "--log-format", "json"},
                     dir.path() + "/serve");
  ASSERT_TRUE(waitFor([&] { return !readFile(data + "/server.json").empty(); }, 20s)) << serve.stderrText();

  std::string out, err;
  ASSERT_EQ(runToExit({"app", "create", "shop", "--json", "--data", data}, dir.path() + "/c", &out, &err), 0) << err;
  json app = json::parse(out);
  EXPECT_EQ(app["name"], "shop");
  EXPECT_EQ(runToExit({"app", "create", "shop", "--data", data}, dir.path() + "/c2", &out, &err), 4);
  EXPECT_NE(err.find("already exists"), std::string::npos) << err;
  EXPECT_EQ(runToExit({"app", "create", "bad name", "--data", data}, dir.path() + "/c3", &out, &err), 4);
  ASSERT_EQ(runToExit({"app", "list", "--data", data}, dir.path() + "/l", &out, &err), 0) << err;
  EXPECT_NE(out.find(app["id"].get<std::string>()), std::string::npos) << out;
  EXPECT_NE(out.find(app["keys"]["REST"].get<std::string>()), std::string::npos) << out;

  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(20s), 0);
  // JSON log lines, and no admin token in them.
  std::string logs = serve.stderrText();
  std::string token = readAdminToken(data);
  EXPECT_EQ(logs.find(token), std::string::npos);
  std::istringstream lines(logs);
  std::string line;
  int parsed = 0;
  while (std::getline(lines, line)) {
    json j = json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << line;
    ++parsed;
  }
  EXPECT_GT(parsed, 2);
}

// One server per data folder: a second `serve` on the same folder (another
// port) is refused before it touches anything, naming the first one's pid;
// once the first stops, the folder is free again.
TEST(Cli, SecondServerOnOneDataFolderIsRefused) {
  TempDir dir;
  std::string data = dir.path() + "/data";
  ChildProcess first(cloudkeepBinary(), {"serve", "--data", data, "--listen", "127.0.0.1:0"}, dir.path() + "/first");
  ASSERT_TRUE(waitFor([&] { return !readFile(data + "/server.json").empty(); }, 20s)) << first.stderrText();
  std::string marker = readFile(data + "/server.json");
  std::string token = readAdminToken(data);

  std::string out, err;
  EXPECT_EQ(runToExit({"serve", "--data", data, "--listen", "127.0.0.1:0"}, dir.path() + "/second", &out, &err), 1);
  EXPECT_NE(err.find("in use by another cloudkeep server (pid " + std::to_string(first.pid()) + ")"),
            std::string::npos)
      << err;
  EXPECT_EQ(readFile(data + "/server.json"), marker);
  EXPECT_EQ(readAdminToken(data), token);

  first.signal(SIGTERM);
  ASSERT_EQ(first.wait(20s), 0) << first.stderrText();
  ChildProcess third(cloudkeepBinary(), {"serve", "--data", data, "--listen", "127.0.0.1:0"}, dir.path() + "/third");
  EXPECT_TRUE(waitFor([&] { return !readFile(data + "/server.json").empty(); }, 20s)) << third.stderrText();
  third.signal(SIGTERM);
  EXPECT_EQ(third.wait(20s), 0) << third.stderrText();
}

}  // namespace
}  // namespace ck::testing
