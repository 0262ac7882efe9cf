// Deploys as a user runs them: `cloudkeep dev` deploys the app folder's
// services on start; `cloudkeep deploy` and `cloudkeep rollback` talk to it
// through the folder's data folder; clients invoke over HTTP.

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/child_process.h"
#include "tests/integration/http_call.h"

namespace ck::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const char* kPolicy = R"({
  "name": "greeter",
  "rules": [ { "grant": ["invoke"], "roles": ["NotAuthenticatedUser"], "on": "service:Greeter" } ]
})";

std::string greeter(const std::string& word) {
  return "const { shout } = require('../lib/shout');\n"
         "class Greeter {\n"
         "  /** @param {string} name */\n"
         "  greet(name) { return shout('" + word + " ' + name); }\n"
         "}\n"
         "Backendless.ServerCode.addService(Greeter);\n";
}

class DeployCli : public ::testing::Test {
 protected:
  void SetUp() override {
    app_ = dir_.path() + "/greeter";
    data_ = app_ + "/.cloudkeep";
    writeFile(app_ + "/cloudkeep.json", kPolicy);
    writeFile(app_ + "/services/greeter.js", greeter("hello"));
    writeFile(app_ + "/lib/shout.js", "exports.shout = (s) => s + '!';\n");
  }

  // POST Greeter/greet with `name` through the dev runner.
  HttpResult greet(const std::string& name) {
    json dev = json::parse(readFile(data_ + "/dev.json"));
    std::string target = "/" + dev["appId"].get<std::string>() + "/" + dev["keys"]["REST"].get<std::string>() +
                         "/services/Greeter/greet";
    return httpCall(portOf(dev["url"]), "POST", target, {{"Content-Type", "application/json"}}, json(name).dump(),
                    20'000);
  }

  TempDir dir_;
  std::string app_;
  std::string data_;
};

TEST_F(DeployCli, DevDeploysThenDeployAndRollback) {
  std::optional<ChildProcess> dev;
  // Not watching: the edits below reach the server through `cloudkeep deploy` alone.
  dev.emplace(cloudkeepBinary(), std::vector<std::string>{"dev", app_, "--port", "0", "--no-watch"},
              dir_.path() + "/dev");
  ASSERT_TRUE(waitFor([&] { return !readFile(data_ + "/dev.json").empty(); }, 30s)) << dev->stderrText();
  EXPECT_NE(dev->stdoutText().find("services deployed as version 1"), std::string::npos) << dev->stdoutText();
  HttpResult r = greet("ana");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), "hello ana!");

  writeFile(app_ + "/services/greeter.js", greeter("hi"));
  RunOutcome d = runCloudkeep({"deploy", app_}, dir_.path() + "/d1");
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_NE(d.out.find("version 2 is active"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("POST   /greet  (greet)"), std::string::npos) << d.out;
  EXPECT_EQ(json::parse(greet("ana").body), "hi ana!");

  // A broken file is refused with file and line; the last good version serves.
  writeFile(app_ + "/services/broken.js", "\n\nconst = 1;\n");
  d = runCloudkeep({"deploy", app_}, dir_.path() + "/d2");
  EXPECT_EQ(d.code, 4) << d.out;
  EXPECT_NE(d.err.find("services/broken.js:3"), std::string::npos) << d.err;
  // A require that leaves the folder is refused before anything is sent.
  writeFile(app_ + "/services/broken.js", "require('../../outside');\n");
  d = runCloudkeep({"deploy", app_}, dir_.path() + "/d3");
  EXPECT_EQ(d.code, 2) << d.out;
  EXPECT_NE(d.err.find("services/broken.js:1: require('../../outside'): the path leaves the app folder"),
            std::string::npos)
      << d.err;
  std::filesystem::remove(app_ + "/services/broken.js");
  EXPECT_EQ(json::parse(greet("ana").body), "hi ana!");

  RunOutcome rb = runCloudkeep({"rollback", "--data", data_}, dir_.path() + "/r1");
  ASSERT_EQ(rb.code, 0) << rb.err;
  EXPECT_NE(rb.out.find("version 1 is active"), std::string::npos) << rb.out;
  EXPECT_EQ(json::parse(greet("ana").body), "hello ana!");
  rb = runCloudkeep({"rollback", "--data", data_}, dir_.path() + "/r2");
  EXPECT_EQ(rb.code, 4) << rb.out;

  dev->signal(SIGINT);
  EXPECT_EQ(dev->wait(20s), 0) << dev->stderrText();
}

TEST_F(DeployCli, DevRefusesABrokenBundle) {
  writeFile(app_ + "/services/greeter.js", "class Greeter {\n  /** @route PATCH /x */\n  m() {}\n}\n");
  RunOutcome r = runCloudkeep({"dev", app_, "--port", "0"}, dir_.path() + "/dev");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.err.find("services/greeter.js:2: @route"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ck::testing
