// Admin commands: find the running server through the data folder
// (<data>/server.json, else <data>/dev.json), authenticate with
// <data>/admin.token, and call the admin API.

#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "runtime/http/client.h"
#include "tools/commands.h"
#include "tools/files.h"

namespace ck::tools {
namespace {

using nlohmann::json;

struct AdminTarget {
  std::string host;
  int port = 0;
  std::string token;
};

// Prints the reason and returns false when no server can be found.
bool findServer(const std::string& dataDir, AdminTarget* target) {
  std::string text;
  std::string url;
  for (const char* marker : {"/server.json", "/dev.json"}) {
    if (!readWholeFile(dataDir + marker, &text)) continue;
    json doc = json::parse(text, nullptr, false);
    if (doc.is_object() && doc.contains("url") && doc["url"].is_string()) {
      url = doc["url"].get<std::string>();
      break;
    }
  }
  constexpr std::string_view kScheme = "http://";
  size_t colon = url.rfind(':');
  if (url.rfind(kScheme, 0) != 0 || colon == std::string::npos || colon < kScheme.size()) {
    std::fprintf(stderr, "cloudkeep: no running server found in %s (start `cloudkeep serve --data %s`)\n",
                 dataDir.c_str(), dataDir.c_str());
    return false;
  }
  target->host = url.substr(kScheme.size(), colon - kScheme.size());
  target->port = std::atoi(url.c_str() + colon + 1);
  if (!readWholeFile(dataDir + "/admin.token", &target->token)) {
    std::fprintf(stderr, "cloudkeep: cannot read %s/admin.token\n", dataDir.c_str());
    return false;
  }
  while (!target->token.empty() && (target->token.back() == '\n' || target->token.back() == '\r')) {
    target->token.pop_back();
  }
  return true;
}

// Calls the admin API; on success fills `out` and returns kExitOk, otherwise
// prints why and returns the exit code.
int adminCall(const AdminTarget& target, const std::string& method, const std::string& path,
              const std::string& body, json* out) {
  http::Client client(target.host, target.port, /*timeoutMs=*/10'000);
  http::HeaderList headers = {{"Authorization", "Bearer " + target.token}};
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  Result<http::ClientResponse> r = client.request(method, path, headers, body);
  if (!r.ok()) {
    std::fprintf(stderr, "cloudkeep: server at %s:%d is not answering: %s\n", target.host.c_str(), target.port,
                 r.status().message().c_str());
    return kExitNoServer;
  }
  json doc = json::parse(r->body, nullptr, false);
  if (r->status >= 300) {
    std::string message = doc.is_object() && doc.contains("message") && doc["message"].is_string()
                              ? doc["message"].get<std::string>()
                              : fmt::format("HTTP {}", r->status);
    std::fprintf(stderr, "cloudkeep: %s\n", message.c_str());
    return kExitRefused;
  }
  if (doc.is_discarded()) {
    std::fprintf(stderr, "cloudkeep: the server's answer is not JSON\n");
    return kExitFailure;
  }
  *out = std::move(doc);
  return kExitOk;
}

void printApp(const json& app) {
  std::printf("%s  %s\n", app["id"].get<std::string>().c_str(), app["name"].get<std::string>().c_str());
  for (const auto& [kind, key] : app["keys"].items()) {
    std::printf("  %-8s %s\n", kind.c_str(), key.get<std::string>().c_str());
  }
}

}  // namespace

int runAppCreate(const std::string& dataDir, const std::string& name, bool asJson) {
  AdminTarget target;
  if (!findServer(dataDir, &target)) return kExitNoServer;
  json app;
  if (int rc = adminCall(target, "POST", "/admin/apps", json{{"name", name}}.dump(), &app); rc != kExitOk) return rc;
  if (asJson) {
    std::printf("%s\n", app.dump(2).c_str());
  } else {
    printApp(app);
  }
  return kExitOk;
}

int runAppList(const std::string& dataDir, bool asJson) {
  AdminTarget target;
  if (!findServer(dataDir, &target)) return kExitNoServer;
  json apps;
  if (int rc = adminCall(target, "GET", "/admin/apps", "", &apps); rc != kExitOk) return rc;
  if (asJson) {
    std::printf("%s\n", apps.dump(2).c_str());
    return kExitOk;
  }
  if (apps.empty()) std::printf("no apps\n");
  for (const json& app : apps) printApp(app);
  return kExitOk;
}

}  // namespace ck::tools
