#pragma once

// Principals: who an operation is evaluated for (DESIGN.md "The principal
// model"). Three kinds:
//   - a client principal (a request over HTTP): the API key's role, a
//     signed-in user or none, AuthenticatedUser xor NotAuthenticatedUser,
//     and the user's custom roles;
//   - the ServerCodeUser principal of one service's code, carrying the
//     caller for the code's context and the audit log (the caller's roles
//     never take part in its decisions);
//   - the admin, which bypasses policy.
//
// The ServerCodeUser principal can be made only with a ServerCodeCapability,
// which only `Invoker` (the sandbox bindings' host, services/invoker.h) can
// construct. No string, header, key, token or policy test parses into one:
// parsers and the principal resolver only ever produce client principals.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "services/access_types.h"
#include "services/client_kind.h"

namespace ck::services {

class Invoker;

// A signed-in user as the access layer sees them.
struct PrincipalUser {
  std::string id;     // the Users row's objectId
  std::string email;  // for messages and audit only; rules are bound to ids
};

// What a client principal is made of (also the caller of service code).
struct ClientIdentity {
  ClientKind key = ClientKind::kRest;
  // Signed in: AuthenticatedUser, else NotAuthenticatedUser. A signed-in
  // identity without `user` is a hypothetical user (explain --role, policy
  // tests): owner policy applies to it, but it owns no object.
  bool authenticated = false;
  std::optional<PrincipalUser> user;     // REQUIRES: authenticated when set
  std::vector<std::string> customRoles;  // REQUIRES: authenticated when not empty
};

// The right to make ServerCodeUser principals. Only Invoker constructs one
// (and keeps it to itself); it cannot be copied, so handing out a reference
// is the only way to share it, and doing so is a security decision.
class ServerCodeCapability {
 public:
  ServerCodeCapability(const ServerCodeCapability&) = delete;
  ServerCodeCapability& operator=(const ServerCodeCapability&) = delete;

 private:
  ServerCodeCapability() = default;
  friend class Invoker;
};

// An effective principal. Immutable value, cheap enough to copy per request.
class Principal {
 public:
  enum class Kind : uint8_t { kClient, kServerCode, kAdmin };

  // A client principal. kInvalidArgument when a custom role's name is not
  // valid or is a system role's (in any letter case), when `user` or custom
  // roles come without `authenticated`, or when the user's id is empty.
  // Duplicate roles are merged.
  static Result<Principal> client(ClientIdentity identity);
  // The admin (admin API and CLI): bypasses policy; every call is audited.
  static Principal admin();
  // The ServerCodeUser principal of `service`'s code. `caller` is who
  // invoked it (REQUIRES: null or a client principal); null for code that no
  // client started (timers). REQUIRES: `service` is a valid service name.
  static Principal serverCode(const ServerCodeCapability& capability, std::string service,
                              const Principal* caller);

  Kind kind() const { return kind_; }
  bool isClient() const { return kind_ == Kind::kClient; }
  bool isServerCode() const { return kind_ == Kind::kServerCode; }
  bool isAdmin() const { return kind_ == Kind::kAdmin; }

  // The system roles this principal holds in decisions: for a client, the
  // key's role and (Not)AuthenticatedUser; ServerCodeUser alone for service
  // code; none for the admin.
  SystemRoleMask systemRoles() const { return systemRoles_; }
  bool has(SystemRole role) const { return (systemRoles_ & roleBit(role)) != 0; }
  // A client's custom roles, sorted (empty for the other kinds).
  const std::vector<std::string>& customRoles() const { return client_.customRoles; }
  // A client's signed-in user, if any (never for the other kinds).
  const std::optional<PrincipalUser>& user() const { return client_.user; }
  bool signedIn() const { return isClient() && client_.authenticated; }
  // Client principals: their identity. Service code: its caller's, if any.
  const ClientIdentity* clientIdentity() const { return isClient() ? &client_ : nullptr; }
  const ClientIdentity* caller() const { return hasCaller_ ? &client_ : nullptr; }
  // Service code only: the service whose code runs.
  const std::string& service() const { return service_; }

  // Every role name in decisions, system roles first, as service code sees
  // them in `request.context.userRoles` (for ServerCodeUser: the caller's).
  std::vector<std::string> roleNames() const;
  // One line for explain and audit: `boris@example.com (AuthenticatedUser,
  // RestUser, Customer)`, `ServerCodeUser of CustomerService (caller: ...)`,
  // `admin`.
  std::string describe() const;

 private:
  Principal() = default;

  Kind kind_ = Kind::kClient;
  SystemRoleMask systemRoles_ = 0;
  ClientIdentity client_;  // the client, or the caller of service code
  bool hasCaller_ = false;
  std::string service_;
};

// The system roles of a client identity: the key's and (Not)Authenticated.
SystemRoleMask clientSystemRoles(const ClientIdentity& identity);
// `describe()` of a client identity.
std::string describeClient(const ClientIdentity& identity);

}  // namespace ck::services
