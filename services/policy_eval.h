#pragma once

// The permission evaluator: one decision for (principal, operation,
// resource[, object]) against a bound policy, and `explain`, the same
// decision with the trace of every rule considered.
//
// Precedence (DESIGN.md "Permissions"): a rule matches when its operations
// include the operation, its subject is the principal's user or one of its
// roles, and its pattern covers the resource. *The most specific pattern
// that has a matching rule decides; at that pattern a user's rule beats role
// rules; among the rules that decide, DENY beats GRANT; nothing matched
// means DENY.* Levels, most specific first, are CK_DECISION_LEVELS below.
// Details this implementation fixes:
//   - Owner policy (level 4) applies to a client principal that is signed in
//     and to operations the table's ownerPolicy lists. With an object: GRANT
//     when the user owns it (ownerId = user id), else DENY. Without one:
//     find, update and delete are GRANT with narrowToOwner (the data layer
//     restricts the query, count, bulk update or bulk delete to the user's
//     rows in SQL); create is GRANT (the host makes the user the new row's
//     owner). It never applies to ServerCodeUser. When a level 2-3 rule
//     decides, there is no narrowing, and the trace says so.
//   - Level 7 holds built-in rules (builtinRules(): register and login are
//     granted to clients; impersonate is denied to ServerCodeUser), decided
//     like rules of a pattern, then the plain default: DENY for client
//     principals, GRANT for ServerCodeUser. An app overrides the built-ins
//     with any rule at levels 2-6 (e.g. `"deny": ["register"]` on "users").
//   - ServerCodeUser of a service that declares `grants`: a GRANT must also
//     be covered by one of those grants (an op it lists, a pattern covering
//     the resource); otherwise the decision is DENY at kServiceGrants.
//   - An operation of another kind than the resource (read on data:T) is
//     DENY at the default level.
//   - The admin is allowed everything (level kAdmin), without looking at rules.
//
// Thread-safe: evaluation only reads the BoundPolicy. evaluate() allocates
// nothing (unless the principal has more than 16 custom roles) and costs a
// handful of hash lookups however many rules there are (tools/bench/policy);
// explain() scans the rules of every covering pattern and builds the trace.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

#include "services/access_principal.h"
#include "services/access_resource.h"
#include "services/access_types.h"
#include "services/policy_bind.h"

namespace ck::services {

// X(enum, number, name, what decides there)
#define CK_DECISION_LEVELS(X)                                                                              \
  X(kAdmin, 0, "admin", "the admin, who bypasses policy")                                                  \
  X(kObjectAcl, 1, "object ACL", "the stored object's access control list (reserved: always empty today)") \
  X(kExact, 2, "exact resource", "rules on exactly this resource: data:<Table>, service:<Name>.<method>, files:<path>") \
  X(kCovering, 3, "covering pattern", "rules on a pattern above it, longer first: service:<Name>, files:/a/b, files:/a, files:/") \
  X(kOwnerPolicy, 4, "owner policy", "the table's ownerPolicy, for a signed-in client user")                \
  X(kKindWildcard, 5, "kind wildcard", "rules on data:*, files:*, service:*, users:*")                       \
  X(kGlobal, 6, "global", "rules on *")                                                                      \
  X(kDefault, 7, "default", "built-in rules, then DENY for client principals and GRANT for ServerCodeUser")  \
  X(kServiceGrants, 8, "service grants", "the service's declared grants, which a ServerCodeUser GRANT must also pass")

enum class DecisionLevel : uint8_t {
#define CK_DECISION_LEVEL_ENUM(e, n, name, doc) e = n,
  CK_DECISION_LEVELS(CK_DECISION_LEVEL_ENUM)
#undef CK_DECISION_LEVEL_ENUM
};
std::string_view decisionLevelName(DecisionLevel level);
std::string_view decisionLevelDoc(DecisionLevel level);

// What decided (or what a trace step is about).
// X(enum, name)
#define CK_DECIDERS(X)          \
  X(kAdmin, "admin")            \
  X(kObjectAcl, "object ACL")   \
  X(kRule, "rule")              \
  X(kOwnerPolicy, "owner policy") \
  X(kBuiltinRule, "built-in rule") \
  X(kDefault, "default")        \
  X(kServiceGrant, "service grant")

enum class Decider : uint8_t {
#define CK_DECIDER_ENUM(e, name) e,
  CK_DECIDERS(CK_DECIDER_ENUM)
#undef CK_DECIDER_ENUM
};
std::string_view deciderName(Decider decider);

// A built-in rule of level 7, as explain shows it.
struct BuiltinRule {
  Effect effect;
  OpMask ops;
  SystemRoleMask roles;
  std::string_view text;
};
// The built-in rules, in order (index = Decision::index for kBuiltinRule).
const std::vector<BuiltinRule>& builtinRules();

// X(enum, name)
#define CK_TRACE_VERDICTS(X)                                                 \
  X(kDecides, "decides")                                                     \
  X(kAgrees, "matches, agrees with the deciding rule")                       \
  X(kBeatenByUser, "matches, but a user's rule at this pattern beats role rules") \
  X(kBeatenByDeny, "matches, but DENY beats GRANT")                         \
  X(kNoMatch, "does not match")                                              \
  X(kNotReached, "not reached: a more specific level decided")               \
  X(kAllows, "allows")                                                       \
  X(kRefuses, "refuses")

enum class TraceVerdict : uint8_t {
#define CK_TRACE_VERDICT_ENUM(e, name) e,
  CK_TRACE_VERDICTS(CK_TRACE_VERDICT_ENUM)
#undef CK_TRACE_VERDICT_ENUM
};
std::string_view traceVerdictName(TraceVerdict verdict);

// One rule (or built-in, owner policy, grant, default) considered.
struct TraceStep {
  DecisionLevel level = DecisionLevel::kDefault;
  Decider source = Decider::kRule;
  int index = -1;            // rules[i], builtin i, grants[i]; -1 when not applicable
  std::string pattern;       // the pattern it is written on ("data:Menu"), or a label
  std::string text;          // the rule as written
  Effect effect = Effect::kDeny;
  TraceVerdict verdict = TraceVerdict::kNoMatch;
  std::string why;           // e.g. `does not list "delete"`, `narrowed to rows with ownerId = U1`
};

struct Decision {
  bool allow = false;
  DecisionLevel level = DecisionLevel::kDefault;
  Decider by = Decider::kDefault;
  // kRule: index in Policy::rules; kBuiltinRule: in builtinRules();
  // kObjectAcl: in ObjectFacts::acl; otherwise -1.
  int index = -1;
  // The deciding rule as written, or a label ("default: DENY for client
  // principals", "tables.Order.ownerPolicy: [...]"). A view into the
  // BoundPolicy or static text.
  std::string_view text;
  // Owner policy decided a find/update/delete without an object: the data
  // layer must restrict the operation to rows whose ownerId is the user.
  bool narrowToOwner = false;
  std::vector<TraceStep> trace;  // only from explain()
};

// Level 1: one entry of an object's ACL (reserved: no API writes ACLs yet).
struct AclEntry {
  bool byUser = false;
  std::string subject;  // a user id (byUser) or a role name
  Effect effect = Effect::kDeny;
  OpMask ops = 0;
};

// What the evaluator needs to know about one stored object.
struct ObjectFacts {
  std::string ownerId;        // empty: no owner
  std::vector<AclEntry> acl;  // always empty until object ACLs exist
};

// The decision for `principal` doing `op` on `resource` (and on `object`,
// one stored row, when the operation is about one). No trace.
Decision evaluate(const BoundPolicy& policy, const Principal& principal, Op op, const ResourceRef& resource,
                  const ObjectFacts* object = nullptr);

// A denial as clients see it: `code` with its default message; in dev mode
// the message also names the deciding level and rule ("... (decided at level
// 7, default: DENY for client principals)"). Never in production: the rules
// are the app's own business.
Status denialStatus(ErrorCode code, const Decision& decision, bool devMode);

// The decision ServerCodeUser of `service` would get (what evaluate() gives
// that principal), for explain, policy tests and tools: a Decision is a
// statement, not a capability. REQUIRES: `service` is a valid service name.
Decision evaluateAsService(const BoundPolicy& policy, std::string_view service, Op op, const ResourceRef& resource,
                           const ObjectFacts* object = nullptr);

// A decision with its request and trace.
struct Explanation {
  std::string principal;  // Principal::describe()
  Op op = Op::kDataFind;
  std::string resource;
  Decision decision;
};

Explanation explain(const BoundPolicy& policy, const Principal& principal, Op op, const ResourceRef& resource,
                    const ObjectFacts* object = nullptr);
Explanation explainAsService(const BoundPolicy& policy, std::string_view service, Op op,
                             const ResourceRef& resource, const ObjectFacts* object = nullptr);

// Renderings (policy_explain.cc). JSON:
//   {"principal", "op", "resource", "decision": "grant"|"deny", "level": 2,
//    "levelName", "decidedBy", "rule": {"index", "text"} | null,
//    "narrowToOwner", "trace": [{"level", "levelName", "source", "index",
//    "pattern", "text", "effect", "verdict", "why"}]}
nlohmann::json explainJson(const Explanation& explanation);
// Human text: a headline, the deciding rule, then one line per step.
std::string explainText(const Explanation& explanation);

}  // namespace ck::services
