#pragma once

// A test fixture that runs the server core in-process on port 0 with a fresh
// data folder and speaks real HTTP to it, as the admin unless told otherwise.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/server.h"
#include "tests/integration/child_process.h"
#include "tests/integration/http_call.h"

namespace ck::testing {

class InProcessServerTest : public ::testing::Test {
 protected:
  void SetUp() override { start(); }

  void TearDown() override {
    server_->stop();
    // stop() closes the event loop; a handle left open is logged as an error.
    EXPECT_EQ(log_.dump().find("handles still open"), std::string::npos) << log_.dump();
  }

  // Adjusts the configuration before each start (defaults: 2 direct workers).
  virtual void configure(runtime::Config&) {}
  // Whether the server runs on fakeClock_, which only the test moves (session
  // expiry, throttle delays), instead of the system clock.
  virtual bool useFakeClock() const { return false; }

  void start() {
    runtime::Config config;
    config.dataDir = dir_.path() + "/data";
    config.listen = "127.0.0.1:0";
    config.directWorkers = 2;
    configure(config);
    const Clock& clock = useFakeClock() ? static_cast<const Clock&>(fakeClock_) : clock_;
    server_ = std::make_unique<runtime::Server>(config, log_, clock, random_);
    Status st = server_->start();
    ASSERT_TRUE(st.ok()) << st.message();
    token_ = readAdminToken(config.dataDir);
    ASSERT_EQ(token_.size(), 64u);
  }

  HttpResult call(const std::string& method, const std::string& target, const std::string& body = "",
                  bool admin = true, int timeoutMs = 20'000) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (admin) headers.emplace_back("Authorization", "Bearer " + token_);
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return httpCall(server_->port(), method, target, headers, body, timeoutMs);
  }

  TempDir dir_;
  MemoryLogger log_;
  SystemClock clock_;
  FakeClock fakeClock_;
  SystemRandom random_;
  std::unique_ptr<runtime::Server> server_;
  std::string token_;
};

}  // namespace ck::testing
