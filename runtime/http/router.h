#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/http/message.h"
#include "runtime/http/responder.h"

namespace ck::http {

using Handler = std::function<Response(Request&)>;

// Where a route's handler runs.
enum class Lane {
  kLoop,    // on the loop thread; only for handlers that touch nothing (health, static answers)
  kDirect,  // on the worker pool for requests that run no JavaScript
  kAsync,   // an AsyncHandler starts on the loop thread, never blocks, and answers
            // later from any thread through its Responder (the JS lane)
};

struct RouteOptions {
  Lane lane = Lane::kDirect;
  // Largest body accepted; 0 takes the server's default (ServerConfig::maxBodyBytes).
  size_t maxBodyBytes = 0;
  // When true the handler starts once the headers are in and reads the body
  // from Request::bodyStream; otherwise the whole body is buffered first.
  // Streaming handlers always run on the worker pool (reading blocks), even
  // when `lane` says kLoop.
  bool streamBody = false;
};

struct Route {
  std::string method;   // "GET", ... ; "*" matches any method
  std::string pattern;  // "/admin/apps/{id}/settings/{key}", "/files/{path*}" (rest of path)
  Handler handler;            // kLoop and kDirect routes
  AsyncHandler asyncHandler;  // kAsync routes
  RouteOptions options;
};

// Matches method + path against the registered patterns. Segments are literal,
// `{name}` (one non-empty segment) or a final `{name*}` (the rest, possibly
// empty; `/files/{p*}` also matches `/files`). Literal segments win over
// parameters, and parameters over a rest, regardless of order; among routes
// whose pattern matches, the most specific one whose method matches wins (an
// exact method beats "*", then the earlier registration). Built before the
// server starts; read-only (and so thread-safe) afterwards.
class Router {
 public:
  // Throws std::invalid_argument for a malformed pattern (not starting with
  // '/', an empty or unterminated `{}`, a `{name*}` that is not last): that is
  // a wiring bug, found at startup.
  // Also throws std::invalid_argument for `options.lane` kAsync (use addAsync).
  void add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});
  // An asynchronous route: `options.lane` becomes kAsync. Throws
  // std::invalid_argument for a malformed pattern or with `streamBody`
  // (streaming handlers read with blocking calls, so they run on the pool).
  void addAsync(std::string method, std::string pattern, AsyncHandler handler, RouteOptions options = {});

  struct Match {
    const Route* route = nullptr;  // null: no route for this path and method
    bool pathMatched = false;      // the path matched some route with another method (405)
    std::vector<std::pair<std::string, std::string>> params;
  };
  // `path` is percent-decoded.
  Match match(std::string_view method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Segment {
    enum class Kind : uint8_t { kLiteral, kParam, kRest };
    Kind kind;
    std::string text;  // the literal, or the parameter's name
  };
  using Pattern = std::vector<Segment>;

  // A path cut into its segments once, for every pattern to be tried on:
  // each segment's start in the path and its text.
  struct PathSegments {
    std::string_view path;
    std::vector<std::pair<size_t, std::string_view>> segments;
  };
  static PathSegments split(std::string_view path);

  static Pattern compile(const std::string& pattern);
  // Whether `path` matches; fills `params` when it is not null.
  static bool matches(const Pattern& pattern, const PathSegments& path,
                      std::vector<std::pair<std::string, std::string>>* params);
  // <0 when `a` is more specific than `b`, 0 when equally specific.
  static int compareSpecificity(const Pattern& a, const Pattern& b);

  std::vector<Route> routes_;
  std::vector<Pattern> patterns_;  // patterns_[i] is routes_[i].pattern compiled
};

}  // namespace ck::http
