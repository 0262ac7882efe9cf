// GET /admin/apps/{id}/audit over real HTTP: a Host in a fresh data folder,
// an AuditLog over one app's database, the route on an in-process server.

#include "runtime/audit_routes.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/http/client.h"
#include "runtime/http/test_server.h"
#include "services/audit.h"
#include "services/host.h"

namespace ck::runtime {
namespace {

using nlohmann::json;

class AuditRoutesTest : public ::testing::Test {
 protected:
  AuditRoutesTest() {
    char pattern[] = "/tmp/ck-audit-routes-test-XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    host_ = services::Host::open(dir_, random_, clock_, log_);
    Result<services::AppInfo> app = host_->createApp("shop");
    if (!app.ok()) throw std::runtime_error(app.status().message());
    appId_ = app->id;
    // Opening the app's store applies its schema, _audit included.
    if (!host_->appSettings(appId_).ok()) throw std::runtime_error("app store");
    audit_ = std::make_unique<services::AuditLog>(dir_ + "/apps/" + appId_ + "/app.db", services::AuditConfig{},
                                                  clock_, log_);
    std::ifstream in(services::Host::adminTokenPath(dir_));
    std::getline(in, token_);

    http::Router router;
    addAuditRoutes(router, *host_, [this](std::string_view id) -> services::AuditLog* {
      return id == appId_ ? audit_.get() : nullptr;
    });
    server_ = std::make_unique<http::testing::TestServer>(http::ServerConfig{}, std::move(router));
    client_ = std::make_unique<http::Client>("127.0.0.1", server_->port());
  }

  ~AuditRoutesTest() override {
    client_.reset();
    EXPECT_EQ(server_->stop(), 0);
    server_.reset();
    audit_.reset();
    host_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  void record(const std::string& requestId, const std::string& email) {
    services::AuditEntry e = services::adminAuditEntry({.channel = services::Channel::kAdmin, .requestId = requestId},
                                                       "role.assign", "user:U1", "Customer", clock_.nowMs());
    e.callerEmail = email;
    audit_->recordRead(std::move(e));
  }

  // GET `target`; the body as JSON (null when it is not JSON).
  json get(const std::string& target, int* status, bool admin = true) {
    http::HeaderList headers;
    if (admin) headers.emplace_back("Authorization", "Bearer " + token_);
    Result<http::ClientResponse> r = client_->get(target, headers);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return nullptr;
    *status = r->status;
    return json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  }

  static std::vector<std::string> requestIds(const json& answer) {
    std::vector<std::string> out;
    for (const json& e : answer["entries"]) out.push_back(e["requestId"].get<std::string>());
    return out;
  }

  std::string dir_;
  FakeClock clock_;
  SystemRandom random_;
  MemoryLogger log_;
  std::unique_ptr<services::Host> host_;
  std::string appId_;
  std::unique_ptr<services::AuditLog> audit_;
  std::string token_;
  std::unique_ptr<http::testing::TestServer> server_;
  std::unique_ptr<http::Client> client_;
};

using Ids = std::vector<std::string>;

TEST_F(AuditRoutesTest, AnswersTheAdminOnly) {
  record("a", "ann@example.com");
  int status = 0;
  json denied = get("/admin/apps/" + appId_ + "/audit", &status, /*admin=*/false);
  EXPECT_EQ(status, 401);
  EXPECT_EQ(denied["code"], 100401);

  json all = get("/admin/apps/" + appId_ + "/audit", &status);
  ASSERT_EQ(status, 200) << all.dump();
  ASSERT_EQ(all["entries"].size(), 1u);
  const json& e = all["entries"][0];
  EXPECT_EQ(e["requestId"], "a");
  EXPECT_EQ(e["principal"], "admin");
  EXPECT_EQ(e["op"], "role.assign");
  EXPECT_EQ(e["allowed"], true);
  EXPECT_EQ(all["next"], e["id"]);

  json unknown = get("/admin/apps/NOPE/audit", &status);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(unknown["code"], 2002);
}

TEST_F(AuditRoutesTest, FiltersAndPages) {
  record("a", "Boris@Example.com");
  clock_.advanceMs(86'400'000);  // a day later
  const int64_t dayTwo = clock_.nowMs();
  record("b", "ann@example.com");
  record("c", "boris@example.com");
  int status = 0;
  const std::string base = "/admin/apps/" + appId_ + "/audit";

  EXPECT_EQ(requestIds(get(base + "?user=BORIS%40example.COM", &status)), (Ids{"a", "c"}));
  EXPECT_EQ(requestIds(get(base + "?since=" + std::to_string(dayTwo), &status)), (Ids{"b", "c"}));
  // FakeClock starts at 2023-11-14T22:13:20Z; day two begins after 2023-11-15.
  EXPECT_EQ(requestIds(get(base + "?since=2023-11-15T00:00:00Z", &status)), (Ids{"b", "c"}));

  json page1 = get(base + "?limit=2", &status);
  EXPECT_EQ(requestIds(page1), (Ids{"a", "b"}));
  json page2 = get(base + "?limit=2&after=" + page1["next"].dump(), &status);
  EXPECT_EQ(requestIds(page2), (Ids{"c"}));
  json page3 = get(base + "?limit=2&after=" + page2["next"].dump(), &status);
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(page3["entries"].empty());
  EXPECT_TRUE(page3["next"].is_null());
  EXPECT_EQ(get(base + "?limit=99999999", &status)["entries"].size(), 3u);
}

TEST_F(AuditRoutesTest, RefusesParametersThatDoNotParse) {
  const std::string base = "/admin/apps/" + appId_ + "/audit";
  for (const char* query : {"?since=yesterday", "?since=2023-02-30", "?after=-1", "?after=x", "?limit=0",
                            "?limit=-5", "?limit=1e3", "?user=", "?after=99999999999999999999"}) {
    int status = 0;
    json r = get(base + query, &status);
    EXPECT_EQ(status, 400) << query;
    EXPECT_EQ(r["code"], 100600) << query;
    EXPECT_NE(r["message"].get<std::string>().find("Query parameter"), std::string::npos) << query;
  }
}

}  // namespace
}  // namespace ck::runtime
