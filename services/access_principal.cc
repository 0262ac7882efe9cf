#include "services/access_principal.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace ck::services {

SystemRoleMask clientSystemRoles(const ClientIdentity& identity) {
  return roleBit(clientKindSystemRole(identity.key)) |
         roleBit(identity.authenticated ? SystemRole::kAuthenticatedUser : SystemRole::kNotAuthenticatedUser);
}

std::string describeClient(const ClientIdentity& identity) {
  std::string out;
  if (identity.user) {
    out = identity.user->email.empty() ? "user " + identity.user->id : identity.user->email;
  } else {
    out = identity.authenticated ? "a signed-in user" : "no user";
  }
  out += " (";
  out += systemRoleName(identity.authenticated ? SystemRole::kAuthenticatedUser : SystemRole::kNotAuthenticatedUser);
  out += ", ";
  out += systemRoleName(clientKindSystemRole(identity.key));
  for (const std::string& role : identity.customRoles) out += ", " + role;
  out += ")";
  return out;
}

Result<Principal> Principal::client(ClientIdentity identity) {
  auto invalid = [](std::string m) { return Status(ErrorCode::kInvalidArgument, std::move(m)); };
  if (!identity.authenticated && identity.user) return invalid("a principal with a user must be signed in");
  if (identity.user && identity.user->id.empty()) return invalid("a user's id must not be empty");
  if (!identity.authenticated && !identity.customRoles.empty()) {
    return invalid("a principal with custom roles must be signed in");
  }
  for (const std::string& role : identity.customRoles) {
    std::string why = checkCustomRoleName(role);
    if (!why.empty()) return invalid("role " + why);
  }
  std::sort(identity.customRoles.begin(), identity.customRoles.end());
  identity.customRoles.erase(std::unique(identity.customRoles.begin(), identity.customRoles.end()),
                             identity.customRoles.end());
  Principal p;
  p.kind_ = Kind::kClient;
  p.systemRoles_ = clientSystemRoles(identity);
  p.client_ = std::move(identity);
  return p;
}

Principal Principal::admin() {
  Principal p;
  p.kind_ = Kind::kAdmin;
  return p;
}

Principal Principal::serverCode(const ServerCodeCapability& /*capability*/, std::string service,
                                const Principal* caller) {
  assert(caller == nullptr || caller->isClient());
  Principal p;
  p.kind_ = Kind::kServerCode;
  p.systemRoles_ = roleBit(SystemRole::kServerCodeUser);
  p.service_ = std::move(service);
  if (caller != nullptr && caller->isClient()) {
    p.client_ = caller->client_;
    p.hasCaller_ = true;
  }
  return p;
}

std::vector<std::string> Principal::roleNames() const {
  std::vector<std::string> out;
  const ClientIdentity* identity = isClient() ? &client_ : caller();
  SystemRoleMask roles = identity ? clientSystemRoles(*identity) : systemRoles_;
  for (SystemRole r : kAllSystemRoles) {
    if (roles & roleBit(r)) out.emplace_back(systemRoleName(r));
  }
  if (identity) out.insert(out.end(), identity->customRoles.begin(), identity->customRoles.end());
  return out;
}

std::string Principal::describe() const {
  switch (kind_) {
    case Kind::kClient: return describeClient(client_);
    case Kind::kAdmin: return "admin";
    case Kind::kServerCode: {
      std::string out = "ServerCodeUser of " + service_;
      if (hasCaller_) out += " (caller: " + describeClient(client_) + ")";
      return out;
    }
  }
  return {};
}

}  // namespace ck::services
