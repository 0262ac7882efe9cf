// The dev runner as a user meets it, the cloudkeep binary as a process:
// `cloudkeep dev` redeploying on a change of the app folder (a broken change
// reported with file and line while the last good version answers),
// `cloudkeep invoke` as a user of the app through the admin API, and
// `cloudkeep new` making a folder that passes its policy tests and serves.

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
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

// `cloudkeep ARGS` run with `dir` as the working folder (no --data: the
// command finds ./.cloudkeep as a user in an app folder would).
RunOutcome runIn(const std::string& dir, const std::string& args, const std::string& prefix) {
  ChildProcess p("/bin/sh", {"-c", "cd '" + dir + "' && exec '" + cloudkeepBinary() + "' " + args}, prefix);
  RunOutcome r;
  r.code = p.wait(60s);
  r.out = p.stdoutText();
  r.err = p.stderrText();
  return r;
}

// A dev runner on an app folder, stopped with SIGINT by the test.
class DevRunner {
 public:
  DevRunner(const std::string& appDir, const std::string& prefix)
      : data_(appDir + "/.cloudkeep"),
        process_(cloudkeepBinary(), {"dev", appDir, "--port", "0"}, prefix) {}

  // Waits until the app is served and the folder watched.
  ::testing::AssertionResult ready() {
    if (!waitFor([&] { return process_.stdoutText().find("Press Ctrl-C") != std::string::npos; }, 30s)) {
      return ::testing::AssertionFailure() << "dev did not start:\n" << process_.stdoutText() << process_.stderrText();
    }
    dev_ = json::parse(readFile(data_ + "/dev.json"));
    return ::testing::AssertionSuccess();
  }

  // POST services/<service>/<method> with a JSON body, as a client.
  HttpResult call(const std::string& service, const std::string& method, const json& body,
                  const std::string& userToken = "") {
    std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"}};
    if (!userToken.empty()) headers.emplace_back("user-token", userToken);
    return httpCall(port(), "POST", prefix() + "/services/" + service + "/" + method, headers, body.dump(), 20'000);
  }

  std::string login(const std::string& email, const std::string& password) {
    HttpResult r = httpCall(port(), "POST", prefix() + "/users/login", {{"Content-Type", "application/json"}},
                            json{{"login", email}, {"password", password}}.dump());
    json user = json::parse(r.body, nullptr, false);
    return r.status == 200 && user.is_object() ? user.value("user-token", "") : "";
  }

  int port() const { return portOf(dev_["url"].get<std::string>()); }
  std::string prefix() const {
    return "/" + dev_["appId"].get<std::string>() + "/" + dev_["keys"]["REST"].get<std::string>();
  }
  const std::string& data() const { return data_; }
  ChildProcess& process() { return process_; }

 private:
  std::string data_;
  ChildProcess process_;
  json dev_;
};

const char* kGreeterPolicy = R"({
  "name": "greeter",
  "roles": ["Member"],
  "rules": [
    { "grant": ["invoke"], "roles": ["NotAuthenticatedUser"], "on": "service:Greeter.greet" },
    { "grant": ["invoke"], "roles": ["Member"], "on": "service:Greeter" }
  ],
  "dev": { "users": [
    { "email": "ana@example.com", "password": "pw-ana-123", "roles": ["Member"] },
    { "email": "bo@example.com", "password": "pw-bo-123" }
  ] }
})";

std::string greeter(const std::string& word) {
  return "class Greeter {\n"
         "  /** @param {string} name */\n"
         "  greet(name) { return '" + word + " ' + name; }\n"
         "  whoami() {\n"
         "    const c = this.request.context;\n"
         "    return { userId: c.userId, userRoles: c.userRoles, userToken: c.userToken, headers: c.httpHeaders };\n"
         "  }\n"
         "}\n"
         "Backendless.ServerCode.addService(Greeter);\n";
}

// The fast password hash for the dev users made here.
class DevRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("CLOUDKEEP_PASSWORD_OPS", "1", 1);
    setenv("CLOUDKEEP_PASSWORD_MEM_BYTES", "8192", 1);
  }
  // An app folder with Greeter (greet, whoami) and the dev users ana (Member) and bo.
  std::string greeterApp() {
    const std::string app = dir_.path() + "/greeter";
    writeFile(app + "/cloudkeep.json", kGreeterPolicy);
    writeFile(app + "/services/greeter.js", greeter("hello"));
    return app;
  }

  TempDir dir_;
};

// Calls Greeter.greet("ana") until it answers `want` or `timeout` passes;
// how long that took.
std::optional<std::chrono::milliseconds> untilGreets(DevRunner& dev, const std::string& want,
                                                     std::chrono::milliseconds timeout) {
  auto start = std::chrono::steady_clock::now();
  bool seen = waitFor(
      [&] {
        HttpResult r = dev.call("Greeter", "greet", "ana");
        return r.status == 200 && json::parse(r.body, nullptr, false) == json(want);
      },
      timeout);
  if (!seen) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

TEST_F(DevRunnerTest, RedeploysOnChangeAndKeepsTheLastGoodVersion) {
  const std::string app = greeterApp();
  DevRunner dev(app, dir_.path() + "/dev");
  ASSERT_TRUE(dev.ready());
  const std::string banner = dev.process().stdoutText();
  for (const char* part : {"URL ", "App id ", "REST key ", "JS key ", "Dev users   ana@example.com (Member)",
                           "bo@example.com", "Watching "}) {
    EXPECT_NE(banner.find(part), std::string::npos) << part << " missing in:\n" << banner;
  }
  HttpResult r = dev.call("Greeter", "greet", "ana");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), "hello ana");

  // An edit is served within 2 s, and reported as one line with the version.
  writeFile(app + "/services/greeter.js", greeter("hi"));
  std::optional<std::chrono::milliseconds> took = untilGreets(dev, "hi ana", 2s);
  ASSERT_TRUE(took) << dev.process().stdoutText() << dev.process().stderrText();
  EXPECT_TRUE(waitFor([&] { return dev.process().stdoutText().find("redeployed, version 2 is active") !=
                                   std::string::npos; }, 5s))
      << dev.process().stdoutText();

  // A syntax error: reported with file and line; version 2 keeps answering.
  writeFile(app + "/services/greeter.js", "class Greeter {\n  greet(name) {\n    return = name;\n  }\n}\n");
  // The lines reach the pipe one by one: wait for the last one.
  ASSERT_TRUE(waitFor([&] { return dev.process().stderrText().find("version 2 keeps serving") != std::string::npos; },
                      5s))
      << dev.process().stderrText();
  EXPECT_NE(dev.process().stderrText().find("services/greeter.js:3"), std::string::npos) << dev.process().stderrText();
  EXPECT_NE(dev.process().stderrText().find("SyntaxError"), std::string::npos) << dev.process().stderrText();
  r = dev.call("Greeter", "greet", "ana");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body, nullptr, false), "hi ana");

  // A broken cloudkeep.json: file, line and column; nothing changes.
  writeFile(app + "/cloudkeep.json", "{\n  \"name\": \"greeter\"\n  \"roles\": []\n}\n");
  ASSERT_TRUE(waitFor([&] { return dev.process().stderrText().find("cloudkeep.json:3:") != std::string::npos; },
                      5s))
      << dev.process().stderrText();
  EXPECT_EQ(json::parse(dev.call("Greeter", "greet", "ana").body, nullptr, false), "hi ana");
  // A policy error: the place of the field it names.
  std::string policy = kGreeterPolicy;
  policy.replace(policy.find("[\"Member\"], \"on\""), 10, "[\"Membr\"]");
  writeFile(app + "/cloudkeep.json", policy);
  ASSERT_TRUE(waitFor([&] { return dev.process().stderrText().find("cloudkeep.json:6:") != std::string::npos; }, 5s))
      << dev.process().stderrText();
  EXPECT_NE(dev.process().stderrText().find("cloudkeep.json:6:38: rules[1].roles[0]: \"Membr\" is not a declared "
                                            "role"),
            std::string::npos)
      << dev.process().stderrText();

  // Fixed again: the new code, which requires a file of a folder made since start.
  writeFile(app + "/cloudkeep.json", kGreeterPolicy);
  writeFile(app + "/lib/words/word.js", "exports.word = 'hey';\n");
  writeFile(app + "/services/greeter.js",
            "const { word } = require('../lib/words/word');\n"
            "class Greeter {\n"
            "  /** @param {string} name */\n"
            "  greet(name) { return word + ' ' + name; }\n"
            "}\n"
            "Backendless.ServerCode.addService(Greeter);\n");
  took = untilGreets(dev, "hey ana", 2s);
  ASSERT_TRUE(took) << dev.process().stderrText();
  // A change of that file alone, in the new folder, is seen too.
  writeFile(app + "/lib/words/word.js", "exports.word = 'howdy';\n");
  took = untilGreets(dev, "howdy ana", 2s);
  ASSERT_TRUE(took) << dev.process().stderrText();
  std::printf("[ measured ] an edit served %lld ms after the write\n", static_cast<long long>(took->count()));

  dev.process().signal(SIGINT);
  EXPECT_EQ(dev.process().wait(20s), 0) << dev.process().stderrText();
}

TEST_F(DevRunnerTest, InvokeAsAUserOfTheApp) {
  const std::string app = greeterApp();
  DevRunner dev(app, dir_.path() + "/dev");
  ASSERT_TRUE(dev.ready());

  // As a Member: the code sees the user and the roles, no token and none of
  // the admin's headers.
  RunOutcome o = runIn(app, "invoke Greeter.whoami --as ana@example.com", dir_.path() + "/i1");
  ASSERT_EQ(o.code, 0) << o.err;
  json who = json::parse(o.out);
  EXPECT_TRUE(who["userId"].is_string() && !who["userId"].get<std::string>().empty()) << o.out;
  EXPECT_EQ(who["userRoles"], json({"AuthenticatedUser", "RestUser", "Member"})) << o.out;
  EXPECT_TRUE(who["userToken"].is_null()) << o.out;
  EXPECT_FALSE(who["headers"].contains("authorization")) << o.out;

  // With another key kind, the caller holds that key's role.
  o = runIn(app, "invoke Greeter.whoami --as ana@example.com --key JS", dir_.path() + "/i1b");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(json::parse(o.out)["userRoles"], json({"AuthenticatedUser", "JSUser", "Member"})) << o.out;

  o = runIn(app, "invoke Greeter.greet --as ana@example.com --args '\"ana\"'", dir_.path() + "/i2");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(json::parse(o.out), "hello ana");

  // The invoke permission is decided for that user: bo is no Member.
  o = runIn(app, "invoke Greeter.whoami --as bo@example.com", dir_.path() + "/i3");
  EXPECT_EQ(o.code, 1) << o.out;
  EXPECT_EQ(o.err.rfind("14008 ", 0), 0u) << o.err;
  EXPECT_EQ(o.out, "");
  // Without --as: nobody signed in, who may greet but not whoami.
  o = runIn(app, "invoke Greeter.greet --args '\"x\"'", dir_.path() + "/i4");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(json::parse(o.out), "hello x");
  o = runIn(app, "invoke Greeter.whoami", dir_.path() + "/i5");
  EXPECT_EQ(o.code, 1);
  EXPECT_EQ(o.err.rfind("14008 ", 0), 0u) << o.err;
  // The same user through the client API gets the same answer.
  EXPECT_EQ(dev.call("Greeter", "whoami", nullptr, dev.login("bo@example.com", "pw-bo-123")).status, 403);

  // Unknown user, method, service; bad input.
  o = runCloudkeep({"invoke", "Greeter.whoami", "--as", "nobody@example.com", "--data", dev.data()}, dir_.path() + "/i6");
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("100600 as: no user \"nobody@example.com\""), std::string::npos) << o.err;
  o = runCloudkeep({"invoke", "Greeter.nope", "--data", dev.data()}, dir_.path() + "/i7");
  EXPECT_EQ(o.code, 1);
  EXPECT_EQ(o.err.rfind("14002 ", 0), 0u) << o.err;
  o = runCloudkeep({"invoke", "Nope.greet", "--data", dev.data()}, dir_.path() + "/i8");
  EXPECT_EQ(o.err.rfind("14001 ", 0), 0u) << o.err;
  o = runCloudkeep({"invoke", "Greeter", "--data", dev.data()}, dir_.path() + "/i9");
  EXPECT_EQ(o.code, 2);
  o = runCloudkeep({"invoke", "Greeter.greet", "--args", "{bad", "--data", dev.data()}, dir_.path() + "/i10");
  EXPECT_EQ(o.code, 2);
  o = runCloudkeep({"invoke", "Greeter.greet", "--data", dir_.path() + "/nothing"}, dir_.path() + "/i10b");
  EXPECT_EQ(o.code, 3) << o.err;

  // A disabled user is refused.
  std::string token = readAdminToken(dev.data());
  o = runIn(app, "invoke Greeter.whoami --as ana@example.com", dir_.path() + "/i11");
  std::string anaId = json::parse(o.out)["userId"].get<std::string>();
  json devInfo = json::parse(readFile(dev.data() + "/dev.json"));
  HttpResult disable = httpCall(dev.port(), "PUT",
                                "/admin/apps/" + devInfo["appId"].get<std::string>() + "/users/" + anaId + "/enabled",
                                {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}},
                                R"({"enabled": false})");
  ASSERT_EQ(disable.status, 200) << disable.body;
  o = runIn(app, "invoke Greeter.whoami --as ana@example.com", dir_.path() + "/i12");
  EXPECT_EQ(o.code, 1);
  EXPECT_EQ(o.err.rfind("3090 ", 0), 0u) << o.err;

  // Each invoke-as is in the audit log, naming whom the admin acted for.
  o = runIn(app, "audit --json", dir_.path() + "/a1");
  ASSERT_EQ(o.code, 0) << o.err;
  int asAna = 0;
  const json audit = json::parse(o.out);
  for (const json& e : audit["entries"]) {
    if (e["op"] == "service.invoke" && e["resource"] == "service:Greeter.whoami" &&
        e["detail"] == "as ana@example.com (REST key)") {
      ++asAna;
    }
  }
  EXPECT_EQ(asAna, 2) << o.out;

  // Without the admin token the route is closed.
  HttpResult anon = httpCall(dev.port(), "POST", "/admin/apps/" + devInfo["appId"].get<std::string>() + "/invoke",
                             {{"Content-Type", "application/json"}},
                             R"({"service": "Greeter", "method": "whoami", "as": "ana@example.com"})");
  EXPECT_EQ(anon.status, 401);

  dev.process().signal(SIGINT);
  EXPECT_EQ(dev.process().wait(20s), 0) << dev.process().stderrText();
}

TEST_F(DevRunnerTest, NewMakesAFolderThatTestsAndServes) {
  const std::string app = dir_.path() + "/projects/hello";
  RunOutcome o = runCloudkeep({"new", app}, dir_.path() + "/n1");
  ASSERT_EQ(o.code, 0) << o.err;
  for (const char* file : {"cloudkeep.json", "services/HelloService.js", "jsconfig.json", ".gitignore",
                           "types/backendless.d.ts", "seed/Greeting.json"}) {
    EXPECT_TRUE(std::filesystem::is_regular_file(app + "/" + file)) << file;
  }
  EXPECT_NE(readFile(app + "/types/backendless.d.ts").find("const Backendless: BackendlessApi"), std::string::npos);
  EXPECT_NE(readFile(app + "/jsconfig.json").find("types/backendless.d.ts"), std::string::npos);
  EXPECT_EQ(readFile(app + "/.gitignore"), ".cloudkeep/\n");
  EXPECT_EQ(json::parse(readFile(app + "/cloudkeep.json"))["name"], "hello");

  // A folder that is not empty is refused and left alone.
  o = runCloudkeep({"new", app}, dir_.path() + "/n2");
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("is not empty"), std::string::npos) << o.err;

  o = runCloudkeep({"policy", "test", app, "--offline"}, dir_.path() + "/t1");
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("5 of 5 policy tests passed"), std::string::npos) << o.out;

  DevRunner dev(app, dir_.path() + "/dev");
  ASSERT_TRUE(dev.ready());
  std::string token = dev.login("dev@example.com", "change-me-123");
  ASSERT_FALSE(token.empty());
  HttpResult r = dev.call("HelloService", "hello", "Ana", token);
  ASSERT_EQ(r.status, 200) << r.body;
  json hello = json::parse(r.body);
  EXPECT_EQ(hello["message"], "Hello, Ana!");
  EXPECT_EQ(hello["greetings"], json({"Hello", "Hola"}));
  EXPECT_EQ(hello["userRoles"], json({"AuthenticatedUser", "RestUser", "Member"}));
  // Nobody signed in may not call it, and the dev user may not read the table directly.
  EXPECT_EQ(dev.call("HelloService", "hello", "Ana").status, 403);
  HttpResult direct = httpCall(dev.port(), "GET", dev.prefix() + "/data/Greeting", {{"user-token", token}}, "");
  EXPECT_EQ(direct.status, 403) << direct.body;

  dev.process().signal(SIGINT);
  EXPECT_EQ(dev.process().wait(20s), 0) << dev.process().stderrText();
}

}  // namespace
}  // namespace ck::testing
