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

// A decimal number in [min, max] from the variable `name`, when it is set.
template <typename T>
Status readNumber(const std::function<const char*(const char*)>& getenv, const char* name, T min, T max, T* out) {
  const char* v = getenv(name);
  if (v == nullptr || *v == 0) return {};
  std::string_view text = v;
  T n{};
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n < min || n > max) {
    return Status(ErrorCode::kInvalidArgument, fmt::format("{}: must be a number from {} to {}", name, min, max));
  }
  *out = n;
  return {};
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
  if (const char* v = getenv("CLOUDKEEP_MAX_FILE_BYTES"); v && *v) {
    if (!parseSize(v, &config.maxFileBytes) || config.maxFileBytes == 0) {
      return badVariable("CLOUDKEEP_MAX_FILE_BYTES", "must be a positive number");
    }
  }
  if (const char* v = getenv("CLOUDKEEP_MAX_CONNECTIONS"); v && *v) {
    if (!parseSize(v, &config.http.maxConnections) || config.http.maxConnections == 0) {
      return badVariable("CLOUDKEEP_MAX_CONNECTIONS", "must be a positive number");
    }
  }
  for (Status st : {
           readNumber<size_t>(getenv, "CLOUDKEEP_LOGIN_WORKERS", 1, 64, &config.loginWorkers),
           readNumber<size_t>(getenv, "CLOUDKEEP_LOGIN_QUEUE", 1, 100'000, &config.loginQueue),
           readNumber<int64_t>(getenv, "CLOUDKEEP_SESSION_TIMEOUT_SECONDS", 60, 10LL * 365 * 24 * 3600,
                               &config.sessionTimeoutSeconds),
           readNumber<uint64_t>(getenv, "CLOUDKEEP_PASSWORD_OPS", 1, 16, &config.passwordOpsLimit),
           readNumber<size_t>(getenv, "CLOUDKEEP_PASSWORD_MEM_BYTES", 8u << 10, size_t{1} << 30,
                              &config.passwordMemBytes),
           readNumber<uint32_t>(getenv, "CLOUDKEEP_LOGIN_FREE_FAILURES", 0, 1000, &config.loginFreeFailures),
           readNumber<int64_t>(getenv, "CLOUDKEEP_LOGIN_DELAY_MS", 0, 3'600'000, &config.loginDelayMs),
           readNumber<int64_t>(getenv, "CLOUDKEEP_LOGIN_MAX_DELAY_MS", 0, 3'600'000, &config.loginMaxDelayMs),
           readNumber<int64_t>(getenv, "CLOUDKEEP_AUDIT_MAX_ENTRIES", 1000, int64_t{1} << 40, &config.auditMaxEntries),
           readNumber<int64_t>(getenv, "CLOUDKEEP_AUDIT_MAX_AGE_DAYS", 1, 36500, &config.auditMaxAgeDays),
       }) {
    if (!st.ok()) return st;
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
