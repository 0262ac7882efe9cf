#include "services/access_types.h"

#include <stdexcept>

namespace ck::services {
namespace {

struct KindInfo {
  std::string_view name;
  std::string_view doc;
};
constexpr KindInfo kKinds[] = {
#define CK_RESOURCE_KIND_ENTRY(e, name, doc) {name, doc},
    CK_RESOURCE_KINDS(CK_RESOURCE_KIND_ENTRY)
#undef CK_RESOURCE_KIND_ENTRY
};

struct OpInfo {
  ResourceKind kind;
  std::string_view name;
  std::string_view doc;
};
constexpr OpInfo kOps[] = {
#define CK_ACCESS_OP_ENTRY(e, kind, name, doc) {ResourceKind::kind, name, doc},
    CK_ACCESS_OPS(CK_ACCESS_OP_ENTRY)
#undef CK_ACCESS_OP_ENTRY
};

struct RoleInfo {
  std::string_view name;
  std::string_view doc;
};
constexpr RoleInfo kRoles[] = {
#define CK_SYSTEM_ROLE_ENTRY(e, name, doc) {name, doc},
    CK_SYSTEM_ROLES(CK_SYSTEM_ROLE_ENTRY)
#undef CK_SYSTEM_ROLE_ENTRY
};

constexpr char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool isAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

std::string inQuotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

// [A-Za-z][A-Za-z0-9_]{0,63}
bool isIdentifier(std::string_view name) {
  if (name.empty() || name.size() > 64 || !isAlpha(name[0])) return false;
  for (char c : name) {
    if (!isAlpha(c) && !isDigit(c) && c != '_') return false;
  }
  return true;
}

}  // namespace

std::string_view resourceKindName(ResourceKind kind) { return kKinds[static_cast<size_t>(kind)].name; }
std::string_view resourceKindDoc(ResourceKind kind) { return kKinds[static_cast<size_t>(kind)].doc; }

std::optional<ResourceKind> parseResourceKind(std::string_view name) {
  for (ResourceKind k : kAllResourceKinds) {
    if (resourceKindName(k) == name) return k;
  }
  return std::nullopt;
}

std::string_view opName(Op op) { return kOps[static_cast<size_t>(op)].name; }
std::string_view opDoc(Op op) { return kOps[static_cast<size_t>(op)].doc; }
ResourceKind opKind(Op op) { return kOps[static_cast<size_t>(op)].kind; }

std::optional<Op> findOp(ResourceKind kind, std::string_view name) {
  for (Op op : kAllOps) {
    if (opKind(op) == kind && opName(op) == name) return op;
  }
  return std::nullopt;
}

OpMask opsNamed(std::string_view name) {
  OpMask mask = 0;
  for (Op op : kAllOps) {
    if (opName(op) == name) mask |= opBit(op);
  }
  return mask;
}

OpMask opsOfKind(ResourceKind kind) {
  OpMask mask = 0;
  for (Op op : kAllOps) {
    if (opKind(op) == kind) mask |= opBit(op);
  }
  return mask;
}

std::string opNamesOfKind(ResourceKind kind) { return opMaskNames(opsOfKind(kind)); }

std::string opMaskNames(OpMask ops) {
  std::string out;
  for (Op op : kAllOps) {
    if ((ops & opBit(op)) == 0) continue;
    if (!out.empty()) out += ", ";
    out += opName(op);
  }
  return out;
}

std::string_view systemRoleName(SystemRole role) { return kRoles[static_cast<size_t>(role)].name; }
std::string_view systemRoleDoc(SystemRole role) { return kRoles[static_cast<size_t>(role)].doc; }

std::optional<SystemRole> parseSystemRole(std::string_view name) {
  for (SystemRole r : kAllSystemRoles) {
    if (systemRoleName(r) == name) return r;
  }
  return std::nullopt;
}

std::optional<SystemRole> systemRoleIgnoringCase(std::string_view name) {
  for (SystemRole r : kAllSystemRoles) {
    if (equalsIgnoringCase(systemRoleName(r), name)) return r;
  }
  return std::nullopt;
}

SystemRole clientKindSystemRole(ClientKind kind) {
  // The key kinds' table (client_kind.h) names each kind's role; it must be
  // a system role (access_test checks every kind).
  std::optional<SystemRole> role = parseSystemRole(clientKindRole(kind));
  if (!role) throw std::logic_error("client kind bound to a role that is not a system role");
  return *role;
}

std::string checkCustomRoleName(std::string_view name) {
  if (auto sys = systemRoleIgnoringCase(name)) {
    return inQuotes(name) + " is the system role " + std::string(systemRoleName(*sys)) +
           "; custom roles cannot be named like system roles";
  }
  if (!isIdentifier(name)) {
    return inQuotes(name) + " is not a role name (a letter, then up to 63 letters, digits or '_')";
  }
  return {};
}

std::string checkTableName(std::string_view name) {
  if (!isIdentifier(name)) {
    return inQuotes(name) + " is not a table name (a letter, then up to 63 letters, digits or '_')";
  }
  if (name.size() >= 7 && equalsIgnoringCase(name.substr(0, 7), "sqlite_")) {
    return inQuotes(name) + " is not a table name (names starting with \"sqlite_\" are reserved)";
  }
  return {};
}

std::string checkServiceName(std::string_view name) {
  auto head = [](char c) { return isAlpha(c) || c == '_' || c == '$'; };
  bool ok = !name.empty() && name.size() <= 64 && head(name[0]);
  for (char c : name) ok = ok && (head(c) || isDigit(c));
  if (!ok) {
    return inQuotes(name) + " is not a service or method name (a letter, '_' or '$', then up to 63 of those or digits)";
  }
  return {};
}

std::string checkFilePath(std::string_view path) {
  auto bad = [&](std::string_view why) { return inQuotes(path) + " is not a file path: " + std::string(why); };
  if (path.empty() || path[0] != '/') return bad("it must start with \"/\"");
  if (path.size() > kMaxFilePathBytes) return bad("longer than 1024 bytes");
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\\') return bad("no backslashes");
    if (u < 0x20 || u == 0x7f) return bad("no control characters");
  }
  if (path == "/") return {};
  if (path.back() == '/') return bad("no trailing \"/\"");
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment.empty()) return bad("no empty segments");
    if (segment == "." || segment == "..") return bad("no \".\" or \"..\" segments");
    start = end + 1;
  }
  return {};
}

}  // namespace ck::services
