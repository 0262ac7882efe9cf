#include "runtime/http/router.h"

#include <algorithm>
#include <stdexcept>

namespace ck::http {

Router::Pattern Router::compile(const std::string& pattern) {
  if (pattern.empty() || pattern[0] != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  Pattern out;
  size_t pos = 1;
  while (true) {
    size_t end = pattern.find('/', pos);
    std::string_view seg = std::string_view(pattern).substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (!out.empty() && out.back().kind == Segment::Kind::kRest) {
      throw std::invalid_argument("a {name*} segment must be the last: " + pattern);
    }
    if (!seg.empty() && seg.front() == '{') {
      if (seg.size() < 3 || seg.back() != '}') throw std::invalid_argument("malformed parameter in " + pattern);
      std::string_view name = seg.substr(1, seg.size() - 2);
      Segment::Kind kind = Segment::Kind::kParam;
      if (name.back() == '*') {
        kind = Segment::Kind::kRest;
        name.remove_suffix(1);
      }
      if (name.empty() || name.find_first_of("{}/*") != std::string_view::npos) {
        throw std::invalid_argument("malformed parameter in " + pattern);
      }
      out.push_back({kind, std::string(name)});
    } else {
      if (seg.find_first_of("{}") != std::string_view::npos) {
        throw std::invalid_argument("braces inside a literal segment: " + pattern);
      }
      out.push_back({Segment::Kind::kLiteral, std::string(seg)});
    }
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return out;
}

Router::PathSegments Router::split(std::string_view path) {
  PathSegments out{path, {}};
  if (path.empty() || path[0] != '/') return out;  // matches no pattern
  out.segments.reserve(8);
  size_t pos = 1;
  while (true) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    out.segments.emplace_back(pos, path.substr(pos, end - pos));
    if (end == path.size()) break;
    pos = end + 1;
  }
  return out;
}

bool Router::matches(const Pattern& pattern, const PathSegments& path,
                     std::vector<std::pair<std::string, std::string>>* params) {
  const auto& segments = path.segments;
  if (segments.empty()) return false;
  // Without a rest, the segment counts must agree: most patterns stop here.
  if (!pattern.empty() && pattern.back().kind != Segment::Kind::kRest && pattern.size() != segments.size()) {
    return false;
  }
  for (size_t i = 0; i < pattern.size(); ++i) {
    const Segment& seg = pattern[i];
    if (seg.kind == Segment::Kind::kRest) {
      // What is left from this segment on; nothing when the path ended before it.
      if (params) {
        params->emplace_back(seg.text, i < segments.size() ? path.path.substr(segments[i].first) : std::string_view());
      }
      return true;
    }
    if (i >= segments.size()) return false;
    std::string_view part = segments[i].second;
    if (seg.kind == Segment::Kind::kLiteral) {
      if (part != seg.text) return false;
    } else {
      if (part.empty()) return false;
      if (params) params->emplace_back(seg.text, part);
    }
  }
  return pattern.size() == segments.size();
}

int Router::compareSpecificity(const Pattern& a, const Pattern& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    int ka = static_cast<int>(a[i].kind);
    int kb = static_cast<int>(b[i].kind);
    if (ka != kb) return ka - kb;
  }
  // Both match one path with an equal prefix: the longer one ends in a rest
  // that matched nothing, so the shorter (exact) one is more specific.
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return 0;
}

void Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  if (options.lane == Lane::kAsync) throw std::invalid_argument("kAsync routes take an AsyncHandler: " + pattern);
  Pattern compiled = compile(pattern);
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler), nullptr, options});
  patterns_.push_back(std::move(compiled));
}

void Router::addAsync(std::string method, std::string pattern, AsyncHandler handler, RouteOptions options) {
  if (options.streamBody) throw std::invalid_argument("an async route cannot stream its body: " + pattern);
  options.lane = Lane::kAsync;
  Pattern compiled = compile(pattern);
  routes_.push_back(Route{std::move(method), std::move(pattern), nullptr, std::move(handler), options});
  patterns_.push_back(std::move(compiled));
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  const PathSegments segments = split(path);
  size_t best = routes_.size();
  for (size_t i = 0; i < routes_.size(); ++i) {
    if (!matches(patterns_[i], segments, nullptr)) continue;
    const std::string& routeMethod = routes_[i].method;
    bool exact = routeMethod == method;
    if (!exact && routeMethod != "*") {
      m.pathMatched = true;
      continue;
    }
    if (best == routes_.size()) {
      best = i;
      continue;
    }
    int cmp = compareSpecificity(patterns_[i], patterns_[best]);
    if (cmp < 0 || (cmp == 0 && exact && routes_[best].method != method)) best = i;
  }
  if (best == routes_.size()) return m;
  m.route = &routes_[best];
  m.pathMatched = true;
  matches(patterns_[best], segments, &m.params);
  return m;
}

}  // namespace ck::http
