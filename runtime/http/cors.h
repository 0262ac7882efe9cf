#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/http/message.h"

namespace ck::http {

// Which browser origins may read responses (ServerConfig::corsOrigins), and
// the headers that say so. Never allows credentials. Immutable after
// construction, so it may be read from any thread.
class CorsPolicy {
 public:
  // "*" in `origins` allows any origin; otherwise origins match exactly
  // (a trailing '/' in the configuration is ignored).
  explicit CorsPolicy(const std::vector<std::string>& origins);

  // The Access-Control-Allow-Origin value for a request from `origin` ("*"
  // or the origin itself), or empty when that origin is not allowed.
  std::string_view allowOrigin(std::string_view origin) const;
  // True when allowOrigin() echoes the origin (responses then vary by it).
  bool echoesOrigin() const { return !any_; }

  // Whether `req` is a CORS preflight: OPTIONS with Origin and
  // Access-Control-Request-Method.
  static bool isPreflight(const Request& req);
  // The 204 answer to a preflight. Allow-Origin and Expose-Headers are added
  // later with every response; this adds Allow-Methods, Allow-Headers (the
  // requested ones) and Max-Age, or nothing for a disallowed origin.
  Response preflight(const Request& req) const;

  static constexpr std::string_view kAllowMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
  static constexpr std::string_view kMaxAgeSeconds = "86400";
  static constexpr std::string_view kExposeHeaders = "X-Request-Id";

 private:
  bool any_ = false;
  std::vector<std::string> origins_;
};

}  // namespace ck::http
