// The JavaScript lane end to end: the server core in-process on port 0, code
// installed and invoked through the admin hooks, real V8 isolates on the JS
// workers behind an asynchronous HTTP route.

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "services/invoker.h"
#include "tests/integration/in_process_server.h"

namespace ck::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

int64_t msSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// JS worker threads in these tests: each app may hold two at once.
constexpr size_t kJsWorkers = 3;

class JsLaneTest : public InProcessServerTest {
 protected:
  void configure(runtime::Config& config) override { config.jsWorkers = kJsWorkers; }

  std::string createApp(const std::string& name) {
    HttpResult r = call("POST", "/admin/apps", json({{"name", name}}).dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body)["id"];
  }

  HttpResult install(const std::string& appId, const std::string& source, json limits = nullptr) {
    json body = {{"files", {{"main.js", source}}}, {"entries", {"main.js"}}};
    if (!limits.is_null()) body["limits"] = limits;
    return call("POST", "/admin/apps/" + appId + "/code", body.dump());
  }

  HttpResult invoke(const std::string& appId, const std::string& function, json args = json::array()) {
    return call("POST", "/admin/apps/" + appId + "/invoke/" + function, args.dump());
  }

  // The app's invocations on the lane right now.
  services::InvokeLoad load(const std::string& appId) { return server_->invoker().load(appId); }
};

const char* kBasics = R"JS(
exports.add = (a, b) => a + b;
exports.greet = async (name) => { await null; return { hello: name, n: [1, 2] }; };
exports.nothing = () => undefined;
exports.fail = () => { throw new TypeError("bad input"); };
exports.spin = () => { for (;;) {} };
)JS";

TEST_F(JsLaneTest, InstallsAndInvokesCode) {
  std::string app = createApp("basics");
  HttpResult installed = install(app, kBasics);
  ASSERT_EQ(installed.status, 200) << installed.body;
  EXPECT_EQ(json::parse(installed.body)["entries"], json::array({"main.js"}));

  HttpResult r = invoke(app, "add", {2, 40});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json({{"value", 42}}));
  r = invoke(app, "greet", {"ana"});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["value"], json({{"hello", "ana"}, {"n", {1, 2}}}));
  r = call("POST", "/admin/apps/" + app + "/invoke/nothing");  // empty body: no arguments
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json({{"value", nullptr}}));
  EXPECT_EQ(r.header("x-request-id").size(), 16u);
}

TEST_F(JsLaneTest, FailuresAreStatusesWithStableCodes) {
  std::string app = createApp("failures");
  std::string bare = createApp("bare");
  ASSERT_EQ(install(app, kBasics).status, 200);

  struct Case {
    std::string target;
    std::string body;
    int status;
    int code;
  } cases[] = {
      {"/admin/apps/" + app + "/invoke/fail", "[]", 500, 100700},          // kScriptError
      {"/admin/apps/" + app + "/invoke/missing", "[]", 404, 100702},       // kNoSuchFunction
      {"/admin/apps/" + bare + "/invoke/add", "[1,2]", 404, 2002},         // no code: kAppNotFound
      {"/admin/apps/" + app + "/invoke/add", "{\"a\":1}", 400, 100400},    // not an array
      {"/admin/apps/" + app + "/invoke/add", "[1,", 400, 100400},          // not JSON
  };
  for (const Case& c : cases) {
    HttpResult r = call("POST", c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.target << " " << r.body;
    json err = json::parse(r.body);
    EXPECT_EQ(err["code"], c.code) << c.target;
    EXPECT_TRUE(err["message"].is_string());
  }
  // The script's error reaches the app's log, not the client.
  EXPECT_NE(log_.dump().find("bad input"), std::string::npos);
}

TEST_F(JsLaneTest, CodeHooksNeedTheAdminToken) {
  std::string app = createApp("guarded");
  HttpResult code = call("POST", "/admin/apps/" + app + "/code",
                         R"({"files":{"main.js":"exports.f=()=>1"},"entries":["main.js"]})", /*admin=*/false);
  EXPECT_EQ(code.status, 401);
  ASSERT_EQ(install(app, "exports.f = () => 1;").status, 200);
  HttpResult r = call("POST", "/admin/apps/" + app + "/invoke/f", "[]", /*admin=*/false);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body)["code"], 100401);
}

TEST_F(JsLaneTest, CodeUploadsAreValidated) {
  std::string app = createApp("validated");
  struct Case {
    std::string target;
    std::string body;
    int status;
  } cases[] = {
      {"/admin/apps/NO-SUCH-APP/code", R"({"files":{"a.js":""},"entries":["a.js"]})", 404},
      {"/admin/apps/" + app + "/code", R"({"files":{"a.js":""},"entries":["b.js"]})", 400},
      {"/admin/apps/" + app + "/code", R"({"files":{"a.js":""},"entries":[]})", 400},
      {"/admin/apps/" + app + "/code", R"({"files":{"a.js":1},"entries":["a.js"]})", 400},
      {"/admin/apps/" + app + "/code", R"({"files":[],"entries":["a.js"]})", 400},
      {"/admin/apps/" + app + "/code", R"({"files":{"a.js":""},"entries":["a.js"],"limits":{"cpuMs":-1}})", 400},
      {"/admin/apps/" + app + "/code", R"({"files":{"a.js":""},"entries":["a.js"],"limits":{"bogus":1}})", 400},
      {"/admin/apps/" + app + "/code", "nope", 400},
  };
  for (const Case& c : cases) {
    HttpResult r = call("POST", c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " " << r.body;
  }
}

TEST_F(JsLaneTest, CompileErrorsNameTheFileAndLine) {
  std::string app = createApp("broken");
  ASSERT_EQ(install(app, "exports.ok = () => 1;\nexports.bad = ( => 2;\n").status, 200);
  HttpResult r = invoke(app, "ok");
  EXPECT_EQ(r.status, 400) << r.body;
  json err = json::parse(r.body);
  EXPECT_EQ(err["code"], 100701);  // kBundleError
  EXPECT_NE(err["message"].get<std::string>().find("main.js:2"), std::string::npos) << err;
  // Fixed code is picked up by the next invocation.
  ASSERT_EQ(install(app, "exports.ok = () => 1;").status, 200);
  EXPECT_EQ(invoke(app, "ok").status, 200);
}

TEST_F(JsLaneTest, NewCodeServesLaterInvocations) {
  std::string app = createApp("versions");
  ASSERT_EQ(install(app, "exports.v = () => 1;").status, 200);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(json::parse(invoke(app, "v").body)["value"], 1);
  ASSERT_EQ(install(app, "exports.v = () => 2;").status, 200);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(json::parse(invoke(app, "v").body)["value"], 2);
}

// `Host.call(op, args)` is the sandbox's one way out (a settled promise).
const char* kHostCalls = R"JS(
exports.echo = async (value) => Host.call("echo", value);
exports.unknown = async () => {
  try {
    await Host.call("no.such.op", {});
    return "resolved";
  } catch (e) {
    return { code: e.code, message: e.message };
  }
};
)JS";

TEST_F(JsLaneTest, HostCallsCrossTheBoundaryAsData) {
  std::string app = createApp("host");
  ASSERT_EQ(install(app, kHostCalls).status, 200);
  HttpResult r = invoke(app, "echo", {json({{"a", {1, "x"}}})});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["value"], json({{"a", {1, "x"}}}));
  r = invoke(app, "unknown");
  ASSERT_EQ(r.status, 200) << r.body;
  json v = json::parse(r.body)["value"];
  EXPECT_EQ(v["code"], 100501) << v;
  EXPECT_NE(v["message"].get<std::string>().find("Unknown host operation"), std::string::npos) << v;
}

TEST_F(JsLaneTest, LoopingAppsDoNotStallOtherAppsOrDirectRequests) {
  // Two looping apps take every JS worker: `hog` holds all it may (all but
  // one), `other` the last one. They run until their CPU limit.
  std::string hog = createApp("hog");
  std::string other = createApp("other");
  std::string quick = createApp("quick");
  json limits = {{"cpuMs", 700}};
  ASSERT_EQ(install(hog, kBasics, limits).status, 200);
  ASSERT_EQ(install(other, kBasics, limits).status, 200);
  ASSERT_EQ(install(quick, kBasics).status, 200);
  ASSERT_EQ(invoke(quick, "add", {1, 1}).status, 200);  // its isolate is warm on one worker

  std::vector<std::future<HttpResult>> spinners;
  for (int i = 0; i < 2; ++i) {
    spinners.push_back(std::async(std::launch::async, [&] { return invoke(hog, "spin"); }));
  }
  ASSERT_TRUE(waitFor([&] { return load(hog).running == kJsWorkers - 1; }, std::chrono::seconds(10)));
  // The hog is at its cap: more of its work waits, and the last worker serves others.
  spinners.push_back(std::async(std::launch::async, [&] { return invoke(hog, "spin"); }));
  ASSERT_TRUE(waitFor([&] { return load(hog).queued == 1; }, std::chrono::seconds(10)));
  for (int i = 0; i < 5; ++i) {
    auto start = Clock::now();
    HttpResult r = invoke(quick, "add", {i, 1});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["value"], i + 1);
    EXPECT_LT(msSince(start), 1'000);
  }
  EXPECT_EQ(load(hog).running, kJsWorkers - 1);  // the loops were running all along

  // Now every JS worker loops; requests that run no JavaScript do not notice.
  spinners.push_back(std::async(std::launch::async, [&] { return invoke(other, "spin"); }));
  ASSERT_TRUE(waitFor([&] { return load(other).running == 1; }, std::chrono::seconds(10)));
  auto start = Clock::now();
  HttpResult health = call("GET", "/health", "", /*admin=*/false);
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(call("GET", "/admin/apps").status, 200);
  EXPECT_EQ(call("GET", "/admin/apps/" + quick).status, 200);
  EXPECT_EQ(install(quick, kBasics).status, 200);
  EXPECT_LT(msSince(start), 1'000);
  EXPECT_EQ(load(hog).running + load(other).running, kJsWorkers);

  // An invocation of another app waits for a worker, then runs.
  std::future<HttpResult> waiting = std::async(std::launch::async, [&] { return invoke(quick, "add", {20, 22}); });
  for (auto& s : spinners) {
    HttpResult r = s.get();
    EXPECT_EQ(r.status, 504) << r.body;  // kCodeTimeout
    EXPECT_EQ(json::parse(r.body)["code"], 15000);
  }
  HttpResult late = waiting.get();
  ASSERT_EQ(late.status, 200) << late.body;
  EXPECT_EQ(json::parse(late.body)["value"], 42);
  // The terminated isolates serve their apps again.
  EXPECT_EQ(json::parse(invoke(hog, "add", {1, 2}).body)["value"], 3);
  EXPECT_EQ(json::parse(invoke(other, "add", {2, 2}).body)["value"], 4);
}

}  // namespace
}  // namespace ck::testing
