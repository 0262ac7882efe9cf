#include "runtime/config.h"

#include <charconv>

#include <fmt/format.h>

namespace ck::runtime {
namespace {

bool parseSize(std::string_view text, size_t* out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && p == end;
}

Status badVariable(const char* name, std::string_view why) {
  return Status(ErrorCode::kInvalidArgument, fmt::format("{}: {}", name, why));
}

}  // namespace

Status parseListen(std::string_view text, std::string* host, int* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return Status(ErrorCode::kInvalidArgument, "listen address must be HOST:PORT");
  }
  std::string_view h = text.substr(0, colon);
  std::string_view p = text.substr(colon + 1);
  size_t n = 0;
  if (!parseSize(p, &n) || n > 65535) {
    return Status(ErrorCode::kInvalidArgument, "listen port must be a number from 0 to 65535");
  }
  *host = h.empty() ? "127.0.0.1" : std::string(h);
  *port = static_cast<int>(n);
  return {};
}

bool parseLogFormat(std::string_view text, LogFormat* out) {
  if (text == "human") {
    *out = LogFormat::kHuman;
  } else if (text == "json") {
    *out = LogFormat::kJson;
  } else {
    return false;
  }
  return true;
}

Status applyEnvironment(Config& config, const std::function<const char*(const char*)>& getenv) {
  if (const char* v = getenv("CLOUDKEEP_DATA"); v && *v) config.dataDir = v;
  if (const char* v = getenv("CLOUDKEEP_LISTEN"); v && *v) {
    std::string host;
    int port = 0;
    if (Status st = parseListen(v, &host, &port); !st.ok()) return badVariable("CLOUDKEEP_LISTEN", st.message());
    config.listen = v;
  }
  if (const char* v = getenv("CLOUDKEEP_DIRECT_WORKERS"); v && *v) {
    if (!parseSize(v, &config.directWorkers) || config.directWorkers == 0 || config.directWorkers > 256) {
      return badVariable("CLOUDKEEP_DIRECT_WORKERS", "must be a number from 1 to 256");
    }
  }
  if (const char* v = getenv("CLOUDKEEP_JS_WORKERS"); v && *v) {
    if (!parseSize(v, &config.jsWorkers) || config.jsWorkers == 0 || config.jsWorkers > 256) {
      return badVariable("CLOUDKEEP_JS_WORKERS", "must be a number from 1 to 256");
    }
  }
  if (const char* v = getenv("CLOUDKEEP_LOG_LEVEL"); v && *v) {
    if (!parseLogLevel(v, &config.logLevel)) {
      return badVariable("CLOUDKEEP_LOG_LEVEL", "must be debug, info, warn or error");
    }
  }
  if (const char* v = getenv("CLOUDKEEP_LOG_FORMAT"); v && *v) {
    if (!parseLogFormat(v, &config.logFormat)) return badVariable("CLOUDKEEP_LOG_FORMAT", "must be human or json");
  }
  if (const char* v = getenv("CLOUDKEEP_MAX_BODY_BYTES"); v && *v) {
    if (!parseSize(v, &config.http.maxBodyBytes) || config.http.maxBodyBytes == 0) {
      return badVariable("CLOUDKEEP_MAX_BODY_BYTES", "must be a positive number");
    }
  }
  if (const char* v = getenv("CLOUDKEEP_MAX_CONNECTIONS"); v && *v) {
    if (!parseSize(v, &config.http.maxConnections) || config.http.maxConnections == 0) {
      return badVariable("CLOUDKEEP_MAX_CONNECTIONS", "must be a positive number");
    }
  }
  if (const char* v = getenv("CLOUDKEEP_CORS_ORIGINS"); v) {
    config.http.corsOrigins.clear();
    std::string_view rest = v;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (!item.empty()) config.http.corsOrigins.emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return {};
}

}  // namespace ck::runtime
