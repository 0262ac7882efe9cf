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

// One request on a fresh connection to 127.0.0.1:port. `sourceAddress`, when
// not empty, is the IPv4 address the socket binds to before it connects
// (Linux answers for all of 127.0.0.0/8 on loopback, so "127.0.0.2" makes a
// second client address); status 0 when it cannot be bound.
HttpResult httpCall(int port, const std::string& method, const std::string& target,
                    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                    int timeoutMs = 10'000, const std::string& sourceAddress = "");

// The port of an "http://127.0.0.1:PORT" URL; 0 when malformed.
int portOf(const std::string& url);

}  // namespace ck::testing
