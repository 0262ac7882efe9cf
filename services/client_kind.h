#pragma once

#include <optional>
#include <string_view>

namespace ck::services {

// The kinds of client API key an app has, each bound to its system role.
// X(enum, key kind as written in dev.json and the CLI, system role)
#define CK_CLIENT_KINDS(X)          \
  X(kRest, "REST", "RestUser")       \
  X(kJs, "JS", "JSUser")             \
  X(kIos, "IOS", "IOSUser")          \
  X(kAndroid, "ANDROID", "AndroidUser")

enum class ClientKind {
#define CK_CLIENT_KIND_ENUM(e, name, role) e,
  CK_CLIENT_KINDS(CK_CLIENT_KIND_ENUM)
#undef CK_CLIENT_KIND_ENUM
};

inline constexpr ClientKind kAllClientKinds[] = {
#define CK_CLIENT_KIND_LIST(e, name, role) ClientKind::e,
    CK_CLIENT_KINDS(CK_CLIENT_KIND_LIST)
#undef CK_CLIENT_KIND_LIST
};

constexpr std::string_view clientKindName(ClientKind kind) {
  switch (kind) {
#define CK_CLIENT_KIND_NAME(e, name, role) \
  case ClientKind::e: return name;
    CK_CLIENT_KINDS(CK_CLIENT_KIND_NAME)
#undef CK_CLIENT_KIND_NAME
  }
  return "";
}

constexpr std::string_view clientKindRole(ClientKind kind) {
  switch (kind) {
#define CK_CLIENT_KIND_ROLE(e, name, role) \
  case ClientKind::e: return role;
    CK_CLIENT_KINDS(CK_CLIENT_KIND_ROLE)
#undef CK_CLIENT_KIND_ROLE
  }
  return "";
}

constexpr std::optional<ClientKind> parseClientKind(std::string_view text) {
  for (ClientKind k : kAllClientKinds) {
    if (clientKindName(k) == text) return k;
  }
  return std::nullopt;
}

}  // namespace ck::services
