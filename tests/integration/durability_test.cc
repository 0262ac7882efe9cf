// Acknowledged writes survive kill -9 of the server.

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/integration/child_process.h"
#include "tests/integration/http_call.h"

namespace ck::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::unique_ptr<ChildProcess> startServer(const std::string& dir, const std::string& data, int* port) {
  std::filesystem::remove(data + "/server.json");
  auto p = std::make_unique<ChildProcess>(
      cloudkeepBinary(), std::vector<std::string>{"serve", "--data", data, "--listen", "127.0.0.1:0", "--log-level", "warn"},
      dir + "/serve");
  bool up = waitFor([&] { return !readFile(data + "/server.json").empty(); }, 20s);
  if (!up) return nullptr;
  *port = portOf(json::parse(readFile(data + "/server.json"))["url"]);
  return p;
}

TEST(Durability, AcknowledgedWritesSurviveSigkill) {
  TempDir dir;
  std::string data = dir.path() + "/data";
  int port = 0;
  auto server = startServer(dir.path(), data, &port);
  ASSERT_NE(server, nullptr);
  std::string token = readAdminToken(data);
  std::vector<std::pair<std::string, std::string>> auth = {{"Authorization", "Bearer " + token},
                                                           {"Content-Type", "application/json"}};
  HttpResult created = httpCall(port, "POST", "/admin/apps", auth, R"({"name":"durable"})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string appId = json::parse(created.body)["id"];

  // Several writers stream settings; each records what the server acknowledged.
  std::mutex mu;
  std::map<std::string, std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; !stop; ++i) {
        std::string key = "w" + std::to_string(w) + "_" + std::to_string(i);
        std::string value = "value-" + std::to_string(i * 7919 + w);
        HttpResult r = httpCall(port, "PUT", "/admin/apps/" + appId + "/settings/" + key, auth,
                                json{{"value", value}}.dump(), 2000);
        if (r.status != 200) break;  // the server is gone
        std::lock_guard lock(mu);
        acknowledged[key] = value;
      }
    });
  }
  ASSERT_TRUE(waitFor([&] { std::lock_guard lock(mu); return acknowledged.size() >= 300; }, 60s));
  server->signal(SIGKILL);  // while writes are in flight
  EXPECT_EQ(server->wait(10s), 128 + SIGKILL);
  stop = true;
  for (std::thread& t : writers) t.join();

  server = startServer(dir.path(), data, &port);
  ASSERT_NE(server, nullptr);
  HttpResult got = httpCall(port, "GET", "/admin/apps/" + appId + "/settings", auth, "");
  ASSERT_EQ(got.status, 200);
  json settings = json::parse(got.body);
  size_t missing = 0;
  for (const auto& [key, value] : acknowledged) {
    if (!settings.contains(key) || settings[key] != value) ++missing;
  }
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged writes";
  EXPECT_GE(settings.size(), acknowledged.size());
  server->signal(SIGTERM);
  EXPECT_EQ(server->wait(20s), 0);
}

}  // namespace
}  // namespace ck::testing
