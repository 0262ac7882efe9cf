#include "runtime/http/cors.h"

namespace ck::http {
namespace {

// Header names as a browser lists them: tokens, commas and spaces only.
bool isHeaderList(std::string_view v) {
  for (char c : v) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == ',' || c == ' ' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

CorsPolicy::CorsPolicy(const std::vector<std::string>& origins) {
  for (const std::string& o : origins) {
    if (o == "*") {
      any_ = true;
      continue;
    }
    std::string trimmed = o;
    while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
    if (!trimmed.empty()) origins_.push_back(std::move(trimmed));
  }
}

std::string_view CorsPolicy::allowOrigin(std::string_view origin) const {
  if (origin.empty()) return {};
  if (any_) return "*";
  for (const std::string& o : origins_) {
    if (o == origin) return origin;
  }
  return {};
}

bool CorsPolicy::isPreflight(const Request& req) {
  return req.method == "OPTIONS" && req.header("origin") && req.header("access-control-request-method");
}

Response CorsPolicy::preflight(const Request& req) const {
  Response r;
  r.status = 204;
  if (allowOrigin(req.header("origin").value_or("")).empty()) return r;
  r.header("Access-Control-Allow-Methods", std::string(kAllowMethods));
  std::string_view requested = req.header("access-control-request-headers").value_or("");
  if (!requested.empty() && isHeaderList(requested)) {
    r.header("Access-Control-Allow-Headers", std::string(requested));
  }
  r.header("Access-Control-Max-Age", std::string(kMaxAgeSeconds));
  return r;
}

}  // namespace ck::http
