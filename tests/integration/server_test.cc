// The server core started in-process on port 0, spoken to over real HTTP.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/in_process_server.h"

namespace ck::testing {
namespace {

using nlohmann::json;

using ServerTest = InProcessServerTest;

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

// A server that cannot start, its port or its data folder taken, says why
// and is destroyed cleanly (nothing left running, nothing crashes); the
// running one goes on serving.
TEST_F(ServerTest, AServerThatCannotStartFailsCleanly) {
  runtime::Config config;
  config.directWorkers = 2;
  {
    config.dataDir = dir_.path() + "/other";
    config.listen = "127.0.0.1:" + std::to_string(server_->port());
    runtime::Server second(config, log_, clock_, random_);
    Status st = second.start();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("address already in use"), std::string::npos) << st.message();
  }
  {
    config.dataDir = dir_.path() + "/data";
    config.listen = "127.0.0.1:0";
    runtime::Server third(config, log_, clock_, random_);
    Status st = third.start();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("in use by another cloudkeep server"), std::string::npos) << st.message();
  }
  EXPECT_EQ(call("GET", "/health", "", false).status, 200);
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
