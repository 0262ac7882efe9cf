#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ck::testing {

struct HttpResult {
  int status = 0;  // 0: no answer (connection refused, reset, timeout)
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  // The first header with that lower-case name, or "".
  std::string header(std::string_view lowerName) const;
};

// One request on a fresh connection to 127.0.0.1:port.
HttpResult httpCall(int port, const std::string& method, const std::string& target,
                    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                    int timeoutMs = 10'000);

// The port of an "http://127.0.0.1:PORT" URL; 0 when malformed.
int portOf(const std::string& url);

}  // namespace ck::testing
