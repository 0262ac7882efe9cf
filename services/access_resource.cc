#include "services/access_resource.h"

namespace ck::services {
namespace {

Status invalid(std::string message) { return Status(ErrorCode::kInvalidArgument, std::move(message)); }

std::string inQuotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

// The part of `text` before its first ':' (npos when there is none).
size_t colonOf(std::string_view text) { return text.find(':'); }

// Checks `name` as the name of a `kind` resource (not "*"). Empty when valid.
std::string checkName(ResourceKind kind, std::string_view name) {
  switch (kind) {
    case ResourceKind::kData: return checkTableName(name);
    case ResourceKind::kFiles: return checkFilePath(name);
    case ResourceKind::kService: {
      size_t dot = name.find('.');
      if (dot == std::string_view::npos) return checkServiceName(name);
      std::string why = checkServiceName(name.substr(0, dot));
      return why.empty() ? checkServiceName(name.substr(dot + 1)) : why;
    }
    case ResourceKind::kUsers: return "the users resource has no name; write \"users\"";
  }
  return "unknown kind";
}

// Splits "<kind>:<name>"; the error names the kind as written.
Result<ResourceKind> kindOf(std::string_view text, size_t colon) {
  std::optional<ResourceKind> kind = parseResourceKind(text.substr(0, colon));
  if (!kind) return invalid("unknown resource kind " + inQuotes(text.substr(0, colon + 1)));
  return *kind;
}

}  // namespace

Result<ResourceRef> ResourceRef::parse(std::string_view text) {
  if (text == "users") return users();
  if (text.empty()) return invalid("resource is empty");
  if (text == "*") return invalid("\"*\" is a pattern; a request names one resource");
  size_t colon = colonOf(text);
  if (colon == std::string_view::npos) {
    return invalid(inQuotes(text) + " is not a resource (\"<kind>:<name>\" or \"users\")");
  }
  Result<ResourceKind> kind = kindOf(text, colon);
  if (!kind.ok()) return kind.status();
  std::string_view name = text.substr(colon + 1);
  if (name == "*") return invalid(inQuotes(text) + " is a pattern; a request names one resource");
  std::string why = checkName(*kind, name);
  if (!why.empty()) return invalid(why);
  return ResourceRef(*kind, std::string(text), colon + 1);
}

Result<ResourceRef> ResourceRef::data(std::string_view table) {
  std::string why = checkTableName(table);
  if (!why.empty()) return invalid(why);
  return ResourceRef(ResourceKind::kData, "data:" + std::string(table), 5);
}

Result<ResourceRef> ResourceRef::file(std::string_view path) {
  std::string why = checkFilePath(path);
  if (!why.empty()) return invalid(why);
  return ResourceRef(ResourceKind::kFiles, "files:" + std::string(path), 6);
}

Result<ResourceRef> ResourceRef::service(std::string_view name, std::string_view method) {
  std::string why = checkServiceName(name);
  if (why.empty() && !method.empty()) why = checkServiceName(method);
  if (!why.empty()) return invalid(why);
  std::string text = "service:" + std::string(name);
  if (!method.empty()) text += "." + std::string(method);
  return ResourceRef(ResourceKind::kService, std::move(text), 8);
}

ResourceRef ResourceRef::users() { return ResourceRef(ResourceKind::kUsers, "users", 5); }

std::string_view ResourceRef::serviceName() const {
  std::string_view n = name();
  return n.substr(0, n.find('.'));
}

std::string_view ResourceRef::method() const {
  std::string_view n = name();
  size_t dot = n.find('.');
  return dot == std::string_view::npos ? std::string_view() : n.substr(dot + 1);
}

Result<ResourcePattern> ResourcePattern::parse(std::string_view text) {
  if (text == "*") return ResourcePattern(Shape::kGlobal, ResourceKind::kData, "*", 1);
  if (text == "users") return ResourcePattern(Shape::kName, ResourceKind::kUsers, "users", 5);
  if (text.empty()) return invalid("resource is empty");
  size_t colon = colonOf(text);
  if (colon == std::string_view::npos) {
    return invalid(inQuotes(text) + " is not a resource pattern (\"*\", \"<kind>:*\" or \"<kind>:<name>\")");
  }
  Result<ResourceKind> kind = kindOf(text, colon);
  if (!kind.ok()) return kind.status();
  std::string_view name = text.substr(colon + 1);
  if (name == "*") return ResourcePattern(Shape::kKindWildcard, *kind, std::string(text), colon + 1);
  std::string why = checkName(*kind, name);
  if (!why.empty()) return invalid(why);
  return ResourcePattern(Shape::kName, *kind, std::string(text), colon + 1);
}

PatternMatch ResourcePattern::match(const ResourceRef& resource) const {
  if (shape_ == Shape::kGlobal) return PatternMatch::kGlobal;
  if (kind_ != resource.kind()) return PatternMatch::kNone;
  if (shape_ == Shape::kKindWildcard) return PatternMatch::kKindWildcard;
  std::string_view mine = name();
  std::string_view theirs = resource.name();
  if (mine == theirs) return PatternMatch::kExact;
  switch (kind_) {
    case ResourceKind::kFiles:
      // A folder covers what lies below it: "/" everything, "/a" "/a/b".
      if (mine == "/") return PatternMatch::kCovering;
      if (theirs.size() > mine.size() && theirs.substr(0, mine.size()) == mine && theirs[mine.size()] == '/') {
        return PatternMatch::kCovering;
      }
      return PatternMatch::kNone;
    case ResourceKind::kService:
      // A service covers its methods.
      if (mine.find('.') == std::string_view::npos && resource.serviceName() == mine && !resource.method().empty()) {
        return PatternMatch::kCovering;
      }
      return PatternMatch::kNone;
    case ResourceKind::kData:
    case ResourceKind::kUsers: return PatternMatch::kNone;
  }
  return PatternMatch::kNone;
}

OpMask ResourcePattern::applicableOps() const {
  if (shape_ == Shape::kGlobal) {
    OpMask all = 0;
    for (Op op : kAllOps) all |= opBit(op);
    return all;
  }
  return opsOfKind(kind_);
}

}  // namespace ck::services
