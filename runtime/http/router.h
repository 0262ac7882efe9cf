#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/http/message.h"

namespace ck::http {

using Handler = std::function<Response(Request&)>;

// Where a route's handler runs.
enum class Lane {
  kLoop,    // on the loop thread; only for handlers that touch nothing (health, static answers)
  kDirect,  // on the worker pool for requests that run no JavaScript
};

struct RouteOptions {
  Lane lane = Lane::kDirect;
  // Largest body accepted; 0 takes the server's default (ServerConfig::maxBodyBytes).
  size_t maxBodyBytes = 0;
  // When true the handler starts once the headers are in and reads the body
  // from Request::bodyStream; otherwise the whole body is buffered first.
  bool streamBody = false;
};

struct Route {
  std::string method;   // "GET", ... ; "*" matches any method
  std::string pattern;  // "/admin/apps/{id}/settings/{key}", "/files/{path*}" (rest of path)
  Handler handler;
  RouteOptions options;
};

// Matches method + path against the registered patterns. Segments are literal,
// `{name}` (one non-empty segment) or a final `{name*}` (the rest, possibly
// empty). Literal segments win over parameters regardless of order.
// Built before the server starts; read-only (and so thread-safe) afterwards.
class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});

  struct Match {
    const Route* route = nullptr;  // null: no route for this path and method
    bool pathMatched = false;      // the path matched some route with another method (405)
    std::vector<std::pair<std::string, std::string>> params;
  };
  // `path` is percent-decoded.
  Match match(std::string_view method, std::string_view path) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace ck::http
