#include "tools/admin_client.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include <fmt/format.h>

#include "runtime/http/client.h"
#include "tools/commands.h"
#include "tools/files.h"

namespace ck::tools {

using nlohmann::json;

namespace {

// The JSON object in `path`, or a discarded value.
json readJsonObject(const std::string& path) {
  std::string text;
  if (!readWholeFile(path, &text)) return json(json::value_t::discarded);
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return json(json::value_t::discarded);
  return doc;
}

}  // namespace

Result<AdminTarget> findAdminServer(const std::string& dataDir) {
  std::string url;
  for (const char* marker : {"/server.json", "/dev.json"}) {
    json doc = readJsonObject(dataDir + marker);
    if (doc.is_object() && doc.contains("url") && doc["url"].is_string()) {
      url = doc["url"].get<std::string>();
      break;
    }
  }
  constexpr std::string_view kScheme = "http://";
  size_t colon = url.rfind(':');
  if (url.rfind(kScheme, 0) != 0 || colon == std::string::npos || colon < kScheme.size()) {
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("no running server found in {} (start `cloudkeep serve --data {}` or `cloudkeep dev`)",
                              dataDir, dataDir));
  }
  AdminTarget target;
  target.host = url.substr(kScheme.size(), colon - kScheme.size());
  target.port = std::atoi(url.c_str() + colon + 1);
  if (!readWholeFile(dataDir + "/admin.token", &target.token)) {
    return Status(ErrorCode::kInvalidArgument, fmt::format("cannot read {}/admin.token", dataDir));
  }
  while (!target.token.empty() && (target.token.back() == '\n' || target.token.back() == '\r')) {
    target.token.pop_back();
  }
  return target;
}

AdminReply callAdmin(const AdminTarget& target, const std::string& method, const std::string& path,
                     const std::string& body) {
  AdminReply reply;
  http::Client client(target.host, target.port, /*timeoutMs=*/30'000);
  http::HeaderList headers = {{"Authorization", "Bearer " + target.token}};
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  Result<http::ClientResponse> r = client.request(method, path, headers, body);
  if (!r.ok()) {
    reply.exitCode = kExitNoServer;
    reply.error = fmt::format("server at {}:{} is not answering: {}", target.host, target.port, r.status().message());
    return reply;
  }
  reply.httpStatus = r->status;
  reply.text = r->body;
  reply.body = json::parse(reply.text, nullptr, /*allow_exceptions=*/false);
  if (r->status >= 300) {
    reply.exitCode = kExitRefused;
    reply.error = reply.body.is_object() && reply.body.contains("message") && reply.body["message"].is_string()
                      ? reply.body["message"].get<std::string>()
                      : fmt::format("HTTP {}", r->status);
    return reply;
  }
  if (reply.body.is_discarded()) {
    reply.exitCode = kExitFailure;
    reply.error = "the server's answer is not JSON";
  }
  return reply;
}

std::string devAppId(const std::string& dataDir) {
  json doc = readJsonObject(dataDir + "/dev.json");
  if (doc.is_object() && doc.contains("appId") && doc["appId"].is_string()) return doc["appId"].get<std::string>();
  return {};
}

int runAdminCall(const std::string& dataDir, const std::string& method, const std::string& path,
              const std::string& body, nlohmann::json* out) {
  Result<AdminTarget> target = findAdminServer(dataDir);
  if (!target.ok()) {
    std::fprintf(stderr, "cloudkeep: %s\n", target.status().message().c_str());
    return kExitNoServer;
  }
  AdminReply reply = callAdmin(*target, method, path, body);
  if (reply.exitCode != kExitOk) {
    std::fprintf(stderr, "cloudkeep: %s\n", reply.error.c_str());
    return reply.exitCode;
  }
  *out = std::move(reply.body);
  return kExitOk;
}

std::string isoUtc(int64_t ms) {
  int64_t secs = ms / 1000;
  int64_t rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    secs -= 1;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, rem);
}

std::string jsonText(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace ck::tools
