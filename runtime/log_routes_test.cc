// GET /admin/apps/{id}/logs over real HTTP: a Host in a fresh data folder,
// an AppLog written where the route reads, the route on an in-process server.

#include "runtime/log_routes.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/http/client.h"
#include "runtime/http/test_server.h"
#include "services/app_log.h"
#include "services/host.h"

namespace ck::runtime {
namespace {

using nlohmann::json;

class LogRoutesTest : public ::testing::Test {
 protected:
  LogRoutesTest() {
    char pattern[] = "/tmp/ck-log-routes-test-XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    host_ = services::Host::open(dir_, random_, clock_, log_);
    Result<services::AppInfo> app = host_->createApp("shop");
    if (!app.ok()) throw std::runtime_error(app.status().message());
    appId_ = app->id;
    std::ifstream in(services::Host::adminTokenPath(dir_));
    std::getline(in, token_);
    http::Router router;
    addLogRoutes(router, *host_);
    server_ = std::make_unique<http::testing::TestServer>(http::ServerConfig{}, std::move(router));
    client_ = std::make_unique<http::Client>("127.0.0.1", server_->port());
  }

  ~LogRoutesTest() override {
    client_.reset();
    EXPECT_EQ(server_->stop(), 0);
    server_.reset();
    host_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  json get(const std::string& target, int* status, bool admin = true) {
    http::HeaderList headers;
    if (admin) headers.emplace_back("Authorization", "Bearer " + token_);
    Result<http::ClientResponse> r = client_->get(target, headers);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return nullptr;
    *status = r->status;
    return json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  }

  FakeClock clock_;
  SystemRandom random_;
  MemoryLogger log_;
  std::string dir_;
  std::unique_ptr<services::Host> host_;
  std::string appId_;
  std::string token_;
  std::unique_ptr<http::testing::TestServer> server_;
  std::unique_ptr<http::Client> client_;
};

TEST_F(LogRoutesTest, PagesTheAppLogAfterASequenceNumber) {
  services::AppLog applog(services::appLogDir(dir_, appId_), clock_);
  applog.write("info", "console", "inv-1", "one TOKEN", "TOKEN");
  applog.write("error", "invocation", "inv-2", "two", "");
  int status = 0;
  json page = get("/admin/apps/" + appId_ + "/logs", &status);
  ASSERT_EQ(status, 200) << page.dump();
  ASSERT_EQ(page["lines"].size(), 2u);
  EXPECT_EQ(page["lines"][0]["message"], "one [redacted]");
  EXPECT_EQ(page["lines"][0]["invocationId"], "inv-1");
  EXPECT_EQ(page["next"], 2);
  json more = get("/admin/apps/" + appId_ + "/logs?after=2&follow=true", &status);
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(more["lines"].empty());
  EXPECT_EQ(more["next"], 2);
  EXPECT_EQ(get("/admin/apps/" + appId_ + "/logs?limit=1", &status)["lines"].size(), 1u);
}

TEST_F(LogRoutesTest, RefusesWithoutTokenUnknownAppsAndBadParameters) {
  int status = 0;
  get("/admin/apps/" + appId_ + "/logs", &status, /*admin=*/false);
  EXPECT_EQ(status, 401);
  get("/admin/apps/NOPE/logs", &status);
  EXPECT_EQ(status, 404);
  for (const char* bad : {"after=-1", "limit=0", "since=yesterday", "follow=maybe"}) {
    json r = get("/admin/apps/" + appId_ + "/logs?" + bad, &status);
    EXPECT_EQ(status, 400) << bad;
  }
}

}  // namespace
}  // namespace ck::runtime
