#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/http/message.h"

namespace ck::http {

// The RFC 9110 `Date` value ("Sun, 06 Nov 1994 08:49:37 GMT"), formatted at
// most once per second. Loop thread only.
class DateCache {
 public:
  std::string_view get(int64_t nowMs);

 private:
  int64_t second_ = -1;
  std::string text_;
};

// What the server adds to every response besides the handler's headers.
struct HeadParams {
  std::string_view requestId;
  std::string_view date;
  std::string_view allowOrigin;  // empty: no CORS headers
  bool varyOrigin = false;       // add `Vary: Origin` (allowOrigin echoes the origin)
  bool keepAlive = true;
  bool headRequest = false;      // HEAD: Content-Length as for GET, no body
};

// Appends the status line and header block of `r` to `out` (HTTP/1.1,
// Content-Length, Date, X-Request-Id, Connection, CORS, then the handler's
// headers). Handler headers the server owns (Content-Length,
// Transfer-Encoding, Connection, Date, X-Request-Id) and any with a CR, LF or
// NUL byte are dropped. Content-Length is the file's length for a file body.
// Returns whether the body is to be sent (not for HEAD, 1xx, 204 or 304, nor
// when it is empty).
bool appendResponseHead(std::string& out, const Response& r, const HeadParams& p);

// "OK", "Not Found", ...; "Unknown" for codes without a phrase.
std::string_view reasonPhrase(int status);

}  // namespace ck::http
