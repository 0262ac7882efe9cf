// The server core started in-process on port 0, spoken to over real HTTP.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime/server.h"
#include "services/host.h"
#include "tests/integration/child_process.h"
#include "tests/integration/http_call.h"

namespace ck::testing {
namespace {

using nlohmann::json;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { start(); }
  void TearDown() override {
    server_->stop();
    // stop() closes the event loop; a handle left open is logged as an error.
    EXPECT_EQ(log_.dump().find("handles still open"), std::string::npos) << log_.dump();
  }

  void start() {
    runtime::Config config;
    config.dataDir = dir_.path() + "/data";
    config.listen = "127.0.0.1:0";
    config.directWorkers = 2;
    server_ = std::make_unique<runtime::Server>(config, log_, clock_, random_);
    Status st = server_->start();
    ASSERT_TRUE(st.ok()) << st.message();
    token_ = readFile(dir_.path() + "/data/admin.token");
    while (!token_.empty() && token_.back() == '\n') token_.pop_back();
    ASSERT_EQ(token_.size(), 64u);
  }

  HttpResult call(const std::string& method, const std::string& target, const std::string& body = "",
                  bool admin = true) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (admin) headers.emplace_back("Authorization", "Bearer " + token_);
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return httpCall(server_->port(), method, target, headers, body);
  }

  TempDir dir_;
  MemoryLogger log_;
  SystemClock clock_;
  SystemRandom random_;
  std::unique_ptr<runtime::Server> server_;
  std::string token_;
};

TEST_F(ServerTest, HealthAnswersWithoutCredentials) {
  HttpResult r = call("GET", "/health", "", /*admin=*/false);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body), json({{"status", "ok"}}));
  EXPECT_EQ(r.header("x-request-id").size(), 16u);
}

TEST_F(ServerTest, AdminApiNeedsTheToken) {
  struct Case {
    const char* authorization;
  } cases[] = {{nullptr}, {"Bearer "}, {"Bearer wrong"}, {"Basic abc"}};
  for (const Case& c : cases) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (c.authorization) headers.emplace_back("Authorization", c.authorization);
    HttpResult r = httpCall(server_->port(), "GET", "/admin/apps", headers, "");
    EXPECT_EQ(r.status, 401) << (c.authorization ? c.authorization : "(none)");
    EXPECT_EQ(json::parse(r.body)["code"], 100401);
  }
  // A token for the wrong length or one character off is refused too.
  HttpResult r = httpCall(server_->port(), "GET", "/admin/apps",
                          {{"Authorization", "Bearer " + token_.substr(0, 63) + "x"}}, "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(call("GET", "/admin/apps").status, 200);
}

TEST_F(ServerTest, CreateListAndFindApps) {
  HttpResult created = call("POST", "/admin/apps", R"({"name":"shop"})");
  ASSERT_EQ(created.status, 201) << created.body;
  json app = json::parse(created.body);
  std::string id = app["id"];
  EXPECT_EQ(app["name"], "shop");
  for (const char* kind : {"REST", "JS", "IOS", "ANDROID"}) EXPECT_TRUE(app["keys"][kind].is_string()) << kind;

  HttpResult dup = call("POST", "/admin/apps", R"({"name":"shop"})");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(json::parse(dup.body)["code"], 100601);

  struct Bad {
    const char* body;
    int status;
  } bads[] = {{"not json", 400}, {"[1]", 400}, {R"({"name": 5})", 400}, {R"({"name": "a b"})", 400}};
  for (const Bad& b : bads) {
    HttpResult r = call("POST", "/admin/apps", b.body);
    EXPECT_EQ(r.status, b.status) << b.body;
    json err = json::parse(r.body);
    EXPECT_TRUE(err["code"].is_number()) << b.body;
    EXPECT_TRUE(err["message"].is_string()) << b.body;
  }

  json list = json::parse(call("GET", "/admin/apps").body);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["id"], id);

  EXPECT_EQ(json::parse(call("GET", "/admin/apps/" + id).body)["name"], "shop");
  HttpResult missing = call("GET", "/admin/apps/NO-SUCH-APP");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["code"], 2002);
}

TEST_F(ServerTest, SettingsRoundTripAndSurviveRestart) {
  std::string id = json::parse(call("POST", "/admin/apps", R"({"name":"s"})").body)["id"];
  HttpResult put = call("PUT", "/admin/apps/" + id + "/settings/greeting", R"({"value":"hello"})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(call("PUT", "/admin/apps/" + id + "/settings/9bad", R"({"value":"x"})").status, 400);
  EXPECT_EQ(call("PUT", "/admin/apps/" + id + "/settings/k", R"({"value":1})").status, 400);

  server_->stop();
  start();
  json settings = json::parse(call("GET", "/admin/apps/" + id + "/settings").body);
  EXPECT_EQ(settings, json({{"greeting", "hello"}}));
}

TEST_F(ServerTest, UnknownRoutesAndMethodsAreJsonErrors) {
  HttpResult r = call("GET", "/no/such/route");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["code"], 100404);
  HttpResult m = call("DELETE", "/health");
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(json::parse(m.body)["code"], 100405);
}

TEST_F(ServerTest, TheAdminTokenNeverReachesTheLog) {
  call("GET", "/admin/apps");
  call("POST", "/admin/apps", R"({"name":"logged"})");
  std::string logs = log_.dump();
  EXPECT_NE(logs.find("/admin/apps"), std::string::npos) << "the access log names the route";
  EXPECT_EQ(logs.find(token_), std::string::npos);
}

}  // namespace
}  // namespace ck::testing
