#pragma once

// An app's policy as written in its `cloudkeep.json` (DESIGN.md "What a user
// writes: the app folder"), parsed and validated, before user subjects are
// bound to user ids (policy_bind.h does that). A Policy is a plain value:
// it knows nothing of users, the store or the evaluator.
//
// The file, field by field (every other field is refused):
//   name        string, the app's name.
//   roles       [role]: the custom roles (checkCustomRoleName; no two equal
//               ignoring case).
//   rules       [{ "grant"|"deny": [op], "roles": [role] | "users": [email],
//                  "on": pattern, "comment"?: string }]. Exactly one of
//               grant/deny and one of roles/users. Ops must apply to the
//               pattern's kind (any op for "*", where "delete" means both
//               data and files delete). Roles are system roles spelled
//               exactly, or declared custom roles. `impersonate` may be
//               granted to ServerCodeUser only.
//   tables      { <Table>: { "ownerPolicy"?: [find|create|update|delete],
//                            "columns"?: {...}, "indexes"?: [...] } }.
//               columns and indexes are kept as JSON for the data core
//               (shapes checked: an object, an array).
//   services    { <Name>: { "grants"?: [{ "ops": [op], "on": pattern }],
//                           "runAs"?: "server"|"caller",
//                           "executionTimeoutInSeconds"?: 1..60,
//                           "config"?: { <item>: string|number|boolean } } }.
//               A service without "grants" has every ServerCodeUser
//               permission; with "grants" (even empty) only those.
//               "config" sets the values of the service's config items
//               (this.config); the items' defaults fill the rest. A deploy
//               refuses a name that is not one of the service's items.
//   dev         { "users": [{ "email", "password", "roles"?: [custom role] }] }
//   tests       [{ "as": { "user": email | "role": role, "key": REST|JS|IOS|ANDROID }
//                       | { "service": Name, "user"?: email, "key"?: kind },
//                  "op": op, "on": resource, "expect": "grant"|"deny" }].
//               `role` is NotAuthenticatedUser, AuthenticatedUser or a
//               declared custom role (a signed-in hypothetical user);
//               ServerCodeUser is never a role a test can take.
//
// Errors name the place and the fault, e.g.
//   rules[3].on: unknown resource kind "date:"
//   roles[0]: "servercodeuser" is the system role ServerCodeUser; ...
// and reject the whole policy.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "services/access_resource.h"
#include "services/access_types.h"
#include "services/client_kind.h"

namespace ck::services {

enum class Effect : uint8_t { kGrant, kDeny };
std::string_view effectName(Effect effect);  // "grant" / "deny"

// One entry of `rules`.
struct PolicyRule {
  Effect effect = Effect::kGrant;
  OpMask ops = 0;                    // resolved against `on`'s kind
  std::vector<std::string> roles;    // system role names or custom roles; or
  std::vector<std::string> users;    // emails as written (bound later)
  ResourcePattern on;
  std::string comment;
  std::string text;                  // the rule as written (compact JSON, keys in written order)
  bool byUser() const { return !users.empty(); }
};

// The operations owner policy may list.
inline constexpr OpMask kOwnerPolicyOps = opBit(Op::kDataFind) | opBit(Op::kDataCreate) |
                                         opBit(Op::kDataUpdate) | opBit(Op::kDataDelete);

struct TableSettings {
  OpMask ownerPolicy = 0;                   // subset of kOwnerPolicyOps
  nlohmann::json columns = nlohmann::json::object();
  nlohmann::json indexes = nlohmann::json::array();
};

enum class RunAs : uint8_t { kServer, kCaller };

struct ServiceGrant {
  OpMask ops = 0;
  ResourcePattern on;
  std::string text;  // as written
};

struct ServiceSettings {
  // nullopt: no "grants" (the whole ServerCodeUser permission set).
  std::optional<std::vector<ServiceGrant>> grants;
  RunAs runAs = RunAs::kServer;
  std::optional<int> executionTimeoutInSeconds;
  // "config": the config items' values, as the JSON text of an object.
  std::string config = "{}";
};

struct DevUser {
  std::string email;
  std::string password;
  std::vector<std::string> roles;
};

// One entry of `tests`.
struct PolicyTestCase {
  // The principal: a client (`user` or `role`, plus `key`) or a service's
  // code (`service`, optionally called by `user`, with `key`, default REST).
  std::string user;     // email, or empty
  std::string role;     // client by role: a system role name or custom role; or empty
  std::string service;  // service code, or empty
  ClientKind key = ClientKind::kRest;
  Op op = Op::kDataFind;
  ResourceRef on = ResourceRef::users();
  Effect expect = Effect::kDeny;
  std::string text;  // as written
};

struct Policy {
  std::string name;
  std::vector<std::string> roles;
  std::vector<PolicyRule> rules;
  std::map<std::string, TableSettings> tables;
  std::map<std::string, ServiceSettings> services;
  std::vector<DevUser> devUsers;
  std::vector<PolicyTestCase> tests;
};

// Parses and validates `cloudkeep.json`. kInvalidArgument with the first
// fault (see above); a JSON syntax error names its byte offset.
Result<Policy> parsePolicy(std::string_view jsonText);
Result<Policy> parsePolicyJson(const nlohmann::ordered_json& json);

}  // namespace ck::services
