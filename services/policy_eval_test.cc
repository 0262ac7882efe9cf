// The evaluator: the precedence, level by level, as tables; the motivating
// scenario; explain's trace and renderings.
#include "services/policy_eval.h"

#include <gtest/gtest.h>

#include "base/errors.h"
#include "services/policy_bind.h"

namespace ck::services {
namespace {

// Users every test policy knows.
std::optional<std::string> lookupUser(std::string_view email) {
  if (email == "boris@example.com") return "U1";
  if (email == "ann@example.com") return "U2";
  return std::nullopt;
}

BoundPolicy bound(const std::string& text) {
  Result<Policy> p = parsePolicy(text);
  if (!p.ok()) ADD_FAILURE() << text << "\n -> " << p.status().message();
  return bindPolicy(p.ok() ? std::move(p).value() : Policy{}, lookupUser);
}

// `body` is the inside of a cloudkeep.json object; roles Customer and
// Manager are declared.
BoundPolicy policyOf(const std::string& body) {
  return bound(R"({"roles": ["Customer", "Manager"])" + std::string(body.empty() ? "" : ", ") + body + "}");
}

// Who asks, in a table.
struct Who {
  enum Kind { kAnon, kUser, kService, kAdmin } kind = kAnon;
  std::string id;      // kUser
  std::vector<std::string> roles;
  std::string service;  // kService
  ClientKind key = ClientKind::kRest;
};
Who anon(ClientKind key = ClientKind::kRest) { return {Who::kAnon, "", {}, "", key}; }
Who user(std::string id, std::vector<std::string> roles = {}) { return {Who::kUser, std::move(id), std::move(roles)}; }
Who service(std::string name) { return {Who::kService, "", {}, std::move(name)}; }
Who admin() { return {Who::kAdmin}; }

Principal clientOf(const Who& who) {
  ClientIdentity identity{.key = who.key};
  if (who.kind == Who::kUser) {
    identity.authenticated = true;
    identity.user = PrincipalUser{who.id, who.id + "@example.com"};
    identity.customRoles = who.roles;
  }
  Result<Principal> p = Principal::client(identity);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return std::move(p).value();
}

Op opFor(const ResourceRef& resource, std::string_view name) {
  std::optional<Op> op = findOp(resource.kind(), name);
  if (!op) {
    // Mismatched on purpose (e.g. "read" on data): any op of that name.
    for (Op o : kAllOps) {
      if (opName(o) == name) return o;
    }
  }
  return *op;
}

Decision decide(const BoundPolicy& policy, const Who& who, std::string_view op, std::string_view on,
                const ObjectFacts* object = nullptr, bool withTrace = false) {
  Result<ResourceRef> resource = ResourceRef::parse(on);
  EXPECT_TRUE(resource.ok()) << on;
  Op o = opFor(*resource, op);
  if (who.kind == Who::kService) {
    return withTrace ? explainAsService(policy, who.service, o, *resource, object).decision
                     : evaluateAsService(policy, who.service, o, *resource, object);
  }
  Principal p = who.kind == Who::kAdmin ? Principal::admin() : clientOf(who);
  return withTrace ? explain(policy, p, o, *resource, object).decision : evaluate(policy, p, o, *resource, object);
}

constexpr bool kGrant = true;
constexpr bool kDeny = false;
using L = DecisionLevel;
using By = Decider;

struct Case {
  const char* what;
  std::string policy;
  Who who;
  const char* op;
  const char* on;
  std::optional<std::string> ownerId;  // the object's owner when the op is about one object
  bool allow;
  L level;
  By by;
  int index;  // the deciding rule (rules[i], built-in i), -1 for none
  bool narrow = false;
};

void runCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    BoundPolicy policy = policyOf(c.policy);
    ObjectFacts object;
    if (c.ownerId) object.ownerId = *c.ownerId;
    const ObjectFacts* obj = c.ownerId ? &object : nullptr;
    for (bool withTrace : {false, true}) {
      Decision d = decide(policy, c.who, c.op, c.on, obj, withTrace);
      EXPECT_EQ(d.allow, c.allow) << "trace " << withTrace;
      EXPECT_EQ(d.level, c.level) << "trace " << withTrace << ": " << decisionLevelName(d.level);
      EXPECT_EQ(d.by, c.by) << "trace " << withTrace << ": " << deciderName(d.by);
      EXPECT_EQ(d.index, c.index) << "trace " << withTrace;
      EXPECT_EQ(d.narrowToOwner, c.narrow) << "trace " << withTrace;
      EXPECT_EQ(d.trace.empty(), !withTrace);
    }
  }
}

TEST(PolicyEvalTest, DefaultsAndTheGlobalLevels) {
  runCases({
      {"no rule: a client is denied", "", anon(), "find", "data:T", {}, kDeny, L::kDefault, By::kDefault, -1},
      {"no rule: a signed-in client is denied", "", user("U1", {"Customer"}), "read", "files:/a", {}, kDeny,
       L::kDefault, By::kDefault, -1},
      {"no rule: ServerCodeUser is granted", "", service("S"), "delete", "data:T", {}, kGrant, L::kDefault,
       By::kDefault, -1},
      {"global grant", R"("rules": [{"grant": ["find"], "roles": ["RestUser"], "on": "*"}])", anon(), "find", "data:T",
       {}, kGrant, L::kGlobal, By::kRule, 0},
      {"global grant is for RestUser only", R"("rules": [{"grant": ["find"], "roles": ["RestUser"], "on": "*"}])",
       anon(ClientKind::kJs), "find", "data:T", {}, kDeny, L::kDefault, By::kDefault, -1},
      {"global deny for ServerCodeUser beats its default",
       R"("rules": [{"deny": ["delete"], "roles": ["ServerCodeUser"], "on": "*"}])", service("S"), "delete",
       "files:/x", {}, kDeny, L::kGlobal, By::kRule, 0},
      {"kind wildcard beats global",
       R"("rules": [{"deny": ["find"], "roles": ["AuthenticatedUser"], "on": "*"},
                    {"grant": ["find"], "roles": ["AuthenticatedUser"], "on": "data:*"}])",
       user("U1"), "find", "data:T", {}, kGrant, L::kKindWildcard, By::kRule, 1},
      {"a wildcard of another kind does not cover",
       R"("rules": [{"grant": ["read"], "roles": ["AuthenticatedUser"], "on": "files:*"}])", user("U1"), "find",
       "data:T", {}, kDeny, L::kDefault, By::kDefault, -1},
      {"an operation the rule does not list falls through",
       R"("rules": [{"deny": ["update"], "roles": ["AuthenticatedUser"], "on": "data:T"},
                    {"grant": ["find", "update"], "roles": ["AuthenticatedUser"], "on": "data:*"}])",
       user("U1"), "find", "data:T", {}, kGrant, L::kKindWildcard, By::kRule, 1},
      {"another role's rule falls through",
       R"("rules": [{"deny": ["find"], "roles": ["Manager"], "on": "data:T"},
                    {"grant": ["find"], "roles": ["Customer"], "on": "data:*"}])",
       user("U1", {"Customer"}), "find", "data:T", {}, kGrant, L::kKindWildcard, By::kRule, 1},
      {"delete on * means data's and files' delete",
       R"("rules": [{"grant": ["delete"], "roles": ["AuthenticatedUser"], "on": "*"}])", user("U1"), "delete",
       "files:/x/y", {}, kGrant, L::kGlobal, By::kRule, 0},
      {"an op of another kind than the resource is denied",
       R"("rules": [{"grant": ["read"], "roles": ["AuthenticatedUser"], "on": "*"}])", user("U1"), "read", "data:T",
       {}, kDeny, L::kDefault, By::kDefault, -1},
  });
}

TEST(PolicyEvalTest, AtOnePatternUserBeatsRoleAndDenyBeatsGrant) {
  runCases({
      {"deny beats grant among roles",
       R"("rules": [{"grant": ["find"], "roles": ["Customer"], "on": "data:T"},
                    {"deny": ["find"], "roles": ["AuthenticatedUser"], "on": "data:T"}])",
       user("U1", {"Customer"}), "find", "data:T", {}, kDeny, L::kExact, By::kRule, 1},
      {"deny beats grant in one rule's roles order too",
       R"("rules": [{"deny": ["find"], "roles": ["Manager", "Customer"], "on": "data:T"},
                    {"grant": ["find"], "roles": ["Customer"], "on": "data:T"}])",
       user("U1", {"Customer"}), "find", "data:T", {}, kDeny, L::kExact, By::kRule, 0},
      {"a user's grant beats a role's deny",
       R"("rules": [{"deny": ["find"], "roles": ["Customer"], "on": "data:T"},
                    {"grant": ["find"], "users": ["boris@example.com"], "on": "data:T"}])",
       user("U1", {"Customer"}), "find", "data:T", {}, kGrant, L::kExact, By::kRule, 1},
      {"a user's deny beats a role's grant",
       R"("rules": [{"grant": ["find"], "roles": ["AuthenticatedUser"], "on": "data:T"},
                    {"deny": ["find"], "users": ["boris@example.com"], "on": "data:T"}])",
       user("U1"), "find", "data:T", {}, kDeny, L::kExact, By::kRule, 1},
      {"between a user's rules, deny beats grant",
       R"("rules": [{"grant": ["find"], "users": ["boris@example.com"], "on": "data:T"},
                    {"deny": ["find"], "users": ["ann@example.com", "boris@example.com"], "on": "data:T"}])",
       user("U1"), "find", "data:T", {}, kDeny, L::kExact, By::kRule, 1},
      {"another user's rule does not count",
       R"("rules": [{"deny": ["find"], "users": ["ann@example.com"], "on": "data:T"},
                    {"grant": ["find"], "roles": ["AuthenticatedUser"], "on": "data:T"}])",
       user("U1"), "find", "data:T", {}, kGrant, L::kExact, By::kRule, 1},
      {"a user's rule at a less specific pattern loses to a role rule at a more specific one",
       R"("rules": [{"grant": ["find"], "users": ["boris@example.com"], "on": "data:*"},
                    {"deny": ["find"], "roles": ["AuthenticatedUser"], "on": "data:T"}])",
       user("U1"), "find", "data:T", {}, kDeny, L::kExact, By::kRule, 1},
      {"an unknown email's rule is inert",
       R"("rules": [{"deny": ["find"], "users": ["ghost@example.com"], "on": "data:T"},
                    {"grant": ["find"], "roles": ["AuthenticatedUser"], "on": "data:T"}])",
       user("U1"), "find", "data:T", {}, kGrant, L::kExact, By::kRule, 1},
      {"the most specific pattern decides even when it grants and a wider one denies",
       R"("rules": [{"deny": ["find"], "roles": ["Customer"], "on": "*"},
                    {"deny": ["find"], "roles": ["Customer"], "on": "data:*"},
                    {"grant": ["find"], "roles": ["AuthenticatedUser"], "on": "data:T"}])",
       user("U1", {"Customer"}), "find", "data:T", {}, kGrant, L::kExact, By::kRule, 2},
  });
}

TEST(PolicyEvalTest, CoveringPatternsLongerFirst) {
  runCases({
      {"files:/a/b over files:/a",
       R"("rules": [{"deny": ["read"], "roles": ["JSUser"], "on": "files:/a"},
                    {"grant": ["read"], "roles": ["JSUser"], "on": "files:/a/b"}])",
       anon(ClientKind::kJs), "read", "files:/a/b/c.txt", {}, kGrant, L::kCovering, By::kRule, 1},
      {"files:/a over files:/",
       R"("rules": [{"grant": ["read"], "roles": ["JSUser"], "on": "files:/"},
                    {"deny": ["read"], "roles": ["JSUser"], "on": "files:/a"}])",
       anon(ClientKind::kJs), "read", "files:/a/x", {}, kDeny, L::kCovering, By::kRule, 1},
      {"files:/ over files:*",
       R"("rules": [{"deny": ["list"], "roles": ["JSUser"], "on": "files:*"},
                    {"grant": ["list"], "roles": ["JSUser"], "on": "files:/"}])",
       anon(ClientKind::kJs), "list", "files:/a", {}, kGrant, L::kCovering, By::kRule, 1},
      {"the exact path over its folders",
       R"("rules": [{"grant": ["read"], "roles": ["JSUser"], "on": "files:/a"},
                    {"deny": ["read"], "roles": ["JSUser"], "on": "files:/a/b/c.txt"}])",
       anon(ClientKind::kJs), "read", "files:/a/b/c.txt", {}, kDeny, L::kExact, By::kRule, 1},
      {"a folder pattern on the folder itself is exact",
       R"("rules": [{"grant": ["list"], "roles": ["JSUser"], "on": "files:/a"}])", anon(ClientKind::kJs), "list",
       "files:/a", {}, kGrant, L::kExact, By::kRule, 0},
      {"files:/ on the root is exact",
       R"("rules": [{"grant": ["list"], "roles": ["JSUser"], "on": "files:/"}])", anon(ClientKind::kJs), "list",
       "files:/", {}, kGrant, L::kExact, By::kRule, 0},
      {"a sibling with a common prefix is not covered",
       R"("rules": [{"grant": ["read"], "roles": ["JSUser"], "on": "files:/a"}])", anon(ClientKind::kJs), "read",
       "files:/ab/c", {}, kDeny, L::kDefault, By::kDefault, -1},
      {"the method over its service",
       R"("rules": [{"grant": ["invoke"], "roles": ["Customer"], "on": "service:S"},
                    {"deny": ["invoke"], "roles": ["Customer"], "on": "service:S.drop"}])",
       user("U1", {"Customer"}), "invoke", "service:S.drop", {}, kDeny, L::kExact, By::kRule, 1},
      {"the service covers its other methods",
       R"("rules": [{"grant": ["invoke"], "roles": ["Customer"], "on": "service:S"},
                    {"deny": ["invoke"], "roles": ["Customer"], "on": "service:S.drop"}])",
       user("U1", {"Customer"}), "invoke", "service:S.list", {}, kGrant, L::kCovering, By::kRule, 0},
      {"the service over service:*",
       R"("rules": [{"deny": ["invoke"], "roles": ["Customer"], "on": "service:*"},
                    {"grant": ["invoke"], "roles": ["Customer"], "on": "service:S"}])",
       user("U1", {"Customer"}), "invoke", "service:S.list", {}, kGrant, L::kCovering, By::kRule, 1},
      {"another service is not covered",
       R"("rules": [{"grant": ["invoke"], "roles": ["Customer"], "on": "service:S"}])", user("U1", {"Customer"}),
       "invoke", "service:T.list", {}, kDeny, L::kDefault, By::kDefault, -1},
  });
}

TEST(PolicyEvalTest, OwnerPolicy) {
  const std::string owner = R"("tables": {"Order": {"ownerPolicy": ["find", "update", "delete", "create"]}})";
  runCases({
      {"find without an object is narrowed to the user's rows", owner, user("U1"), "find", "data:Order", {}, kGrant,
       L::kOwnerPolicy, By::kOwnerPolicy, -1, true},
      {"find of an owned object", owner, user("U1"), "find", "data:Order", "U1", kGrant, L::kOwnerPolicy,
       By::kOwnerPolicy, -1},
      {"find of someone else's object", owner, user("U1"), "find", "data:Order", "U2", kDeny, L::kOwnerPolicy,
       By::kOwnerPolicy, -1},
      {"update of an owned object", owner, user("U1"), "update", "data:Order", "U1", kGrant, L::kOwnerPolicy,
       By::kOwnerPolicy, -1},
      {"update of someone else's object", owner, user("U1"), "update", "data:Order", "U2", kDeny, L::kOwnerPolicy,
       By::kOwnerPolicy, -1},
      {"delete of an object without owner", owner, user("U1"), "delete", "data:Order", "", kDeny, L::kOwnerPolicy,
       By::kOwnerPolicy, -1},
      {"bulk delete is narrowed", owner, user("U1"), "delete", "data:Order", {}, kGrant, L::kOwnerPolicy,
       By::kOwnerPolicy, -1, true},
      {"create is granted, not narrowed", owner, user("U1"), "create", "data:Order", {}, kGrant, L::kOwnerPolicy,
       By::kOwnerPolicy, -1},
      {"describe is not an owner operation", owner, user("U1"), "describe", "data:Order", {}, kDeny, L::kDefault,
       By::kDefault, -1},
      {"only for its table", owner, user("U1"), "find", "data:Other", {}, kDeny, L::kDefault, By::kDefault, -1},
      {"not for a client without a user", owner, anon(), "find", "data:Order", {}, kDeny, L::kDefault, By::kDefault,
       -1},
      {"never for ServerCodeUser (which gets every row by default)", owner, service("S"), "find", "data:Order", {},
       kGrant, L::kDefault, By::kDefault, -1},
      {"owner policy beats a kind wildcard deny",
       owner + R"(, "rules": [{"deny": ["find"], "roles": ["AuthenticatedUser"], "on": "data:*"}])", user("U1"),
       "find", "data:Order", {}, kGrant, L::kOwnerPolicy, By::kOwnerPolicy, -1, true},
      {"an exact rule beats owner policy: no narrowing",
       owner + R"(, "rules": [{"grant": ["find"], "roles": ["Manager"], "on": "data:Order"}])",
       user("U1", {"Manager"}), "find", "data:Order", {}, kGrant, L::kExact, By::kRule, 0},
      {"an exact rule beats owner policy: someone else's object",
       owner + R"(, "rules": [{"grant": ["update"], "roles": ["Manager"], "on": "data:Order"}])",
       user("U1", {"Manager"}), "update", "data:Order", "U2", kGrant, L::kExact, By::kRule, 0},
      {"an exact deny beats owner policy",
       owner + R"(, "rules": [{"deny": ["find"], "users": ["boris@example.com"], "on": "data:Order"}])", user("U1"),
       "find", "data:Order", {}, kDeny, L::kExact, By::kRule, 0},
  });
}

TEST(PolicyEvalTest, ObjectAclIsTheMostSpecificLevel) {
  // No API writes ACLs yet; the level is in the evaluator already.
  BoundPolicy policy = policyOf(R"("rules": [{"grant": ["update"], "roles": ["AuthenticatedUser"], "on": "data:T"}])");
  ObjectFacts object;
  object.ownerId = "U1";
  object.acl = {{.byUser = false, .subject = "AuthenticatedUser", .effect = Effect::kGrant, .ops = opBit(Op::kDataUpdate)},
                {.byUser = true, .subject = "U1", .effect = Effect::kDeny, .ops = opBit(Op::kDataUpdate)}};
  Decision d = decide(policy, user("U1"), "update", "data:T", &object);
  EXPECT_FALSE(d.allow);
  EXPECT_EQ(d.level, L::kObjectAcl);
  EXPECT_EQ(d.index, 1);
  Decision other = decide(policy, user("U2"), "update", "data:T", &object);
  EXPECT_TRUE(other.allow);
  EXPECT_EQ(other.level, L::kObjectAcl);
  EXPECT_EQ(other.index, 0);
  object.acl.clear();
  EXPECT_EQ(decide(policy, user("U1"), "update", "data:T", &object).level, L::kExact);
}

TEST(PolicyEvalTest, UsersOperationsDefaults) {
  runCases({
      {"register is granted to anonymous clients by default", "", anon(ClientKind::kJs), "register", "users", {},
       kGrant, L::kDefault, By::kBuiltinRule, 0},
      {"login is granted to signed-in clients by default", "", user("U1"), "login", "users", {}, kGrant, L::kDefault,
       By::kBuiltinRule, 0},
      {"an app closes self-registration", R"("rules": [{"deny": ["register"], "roles": ["NotAuthenticatedUser"], "on": "users"}])",
       anon(), "register", "users", {}, kDeny, L::kExact, By::kRule, 0},
      {"an app denies login on users:*",
       R"("rules": [{"deny": ["login"], "roles": ["RestUser"], "on": "users:*"}])", anon(), "login", "users", {},
       kDeny, L::kKindWildcard, By::kRule, 0},
      {"an app denies on * too", R"("rules": [{"deny": ["register"], "roles": ["AndroidUser"], "on": "*"}])",
       anon(ClientKind::kAndroid), "register", "users", {}, kDeny, L::kGlobal, By::kRule, 0},
      {"impersonation is denied to ServerCodeUser unless granted", "", service("S"), "impersonate", "users", {}, kDeny,
       L::kDefault, By::kBuiltinRule, 1},
      {"impersonation granted to ServerCodeUser",
       R"("rules": [{"grant": ["impersonate"], "roles": ["ServerCodeUser"], "on": "users"}])", service("S"),
       "impersonate", "users", {}, kGrant, L::kExact, By::kRule, 0},
      {"impersonation granted, but not among the service's grants",
       R"("rules": [{"grant": ["impersonate"], "roles": ["ServerCodeUser"], "on": "users"}],
          "services": {"S": {"grants": [{"ops": ["find"], "on": "data:*"}]}})",
       service("S"), "impersonate", "users", {}, kDeny, L::kServiceGrants, By::kServiceGrant, -1},
      {"impersonation is never a client's", "", user("U1"), "impersonate", "users", {}, kDeny, L::kDefault,
       By::kDefault, -1},
      {"ServerCodeUser registers by default", "", service("S"), "register", "users", {}, kGrant, L::kDefault,
       By::kDefault, -1},
  });
}

TEST(PolicyEvalTest, ServiceGrantsIntersect) {
  const std::string grants =
      R"("services": {"S": {"grants": [{"ops": ["find"], "on": "data:R"}, {"ops": ["read"], "on": "files:/menus"}]},
                      "Empty": {"grants": []}, "Free": {"runAs": "server"}})";
  runCases({
      {"a granted op on a granted resource", grants, service("S"), "find", "data:R", {}, kGrant, L::kDefault,
       By::kDefault, -1},
      {"an op the grants do not list", grants, service("S"), "delete", "data:R", {}, kDeny, L::kServiceGrants,
       By::kServiceGrant, -1},
      {"a resource the grants do not cover", grants, service("S"), "find", "data:Other", {}, kDeny, L::kServiceGrants,
       By::kServiceGrant, -1},
      {"a granted folder covers its files", grants, service("S"), "read", "files:/menus/today.txt", {}, kGrant,
       L::kDefault, By::kDefault, -1},
      {"grants: [] allows nothing", grants, service("Empty"), "find", "data:R", {}, kDeny, L::kServiceGrants,
       By::kServiceGrant, -1},
      {"no grants entry: the whole set", grants, service("Free"), "delete", "data:R", {}, kGrant, L::kDefault,
       By::kDefault, -1},
      {"an undeclared service: the whole set", grants, service("Undeclared"), "delete", "data:R", {}, kGrant,
       L::kDefault, By::kDefault, -1},
      {"a rule's deny stands, grants or not",
       grants + R"(, "rules": [{"deny": ["find"], "roles": ["ServerCodeUser"], "on": "data:R"}])", service("S"), "find",
       "data:R", {}, kDeny, L::kExact, By::kRule, 0},
      {"both must allow: a rule grants, the grants do not",
       grants + R"(, "rules": [{"grant": ["update"], "roles": ["ServerCodeUser"], "on": "data:R"}])", service("S"),
       "update", "data:R", {}, kDeny, L::kServiceGrants, By::kServiceGrant, -1},
      {"grants do not apply to clients", grants + R"(, "rules": [{"grant": ["delete"], "roles": ["AuthenticatedUser"], "on": "data:R"}])",
       user("U1"), "delete", "data:R", {}, kGrant, L::kExact, By::kRule, 0},
  });
}

TEST(PolicyEvalTest, AdminBypassesPolicy) {
  runCases({
      {"admin over a global deny", R"("rules": [{"deny": ["delete"], "roles": ["AuthenticatedUser", "NotAuthenticatedUser", "ServerCodeUser"], "on": "*"}])",
       admin(), "delete", "data:T", {}, kGrant, L::kAdmin, By::kAdmin, -1},
      {"admin impersonates", "", admin(), "impersonate", "users", {}, kGrant, L::kAdmin, By::kAdmin, -1},
  });
}

// DESIGN.md's motivating scenario.
TEST(PolicyEvalTest, CustomersUseTheServiceNotTheData) {
  BoundPolicy policy = policyOf(R"(
    "rules": [{"grant": ["invoke"], "roles": ["Customer"], "on": "service:CustomerService"}],
    "services": {"CustomerService": {"grants": [{"ops": ["find"], "on": "data:Restaurant"}]}})");
  for (ClientKind key : kAllClientKinds) {
    SCOPED_TRACE(std::string(clientKindName(key)));
    Who customer = user("U1", {"Customer"});
    customer.key = key;
    for (const char* op : {"find", "create", "update", "delete", "describe"}) {
      Decision d = decide(policy, customer, op, "data:Restaurant");
      EXPECT_FALSE(d.allow) << op;
      EXPECT_EQ(d.level, L::kDefault) << op;
    }
    EXPECT_FALSE(decide(policy, anon(key), "find", "data:Restaurant").allow);
    Decision invoke = decide(policy, customer, "invoke", "service:CustomerService.getRestaurants");
    EXPECT_TRUE(invoke.allow);
    EXPECT_EQ(invoke.level, L::kCovering);
  }
  Decision find = decide(policy, service("CustomerService"), "find", "data:Restaurant");
  EXPECT_TRUE(find.allow);
  Decision del = decide(policy, service("CustomerService"), "delete", "data:Restaurant");
  EXPECT_FALSE(del.allow);
  EXPECT_EQ(del.level, L::kServiceGrants);
  EXPECT_EQ(del.text, "services.CustomerService.grants");

  // A DENY on the caller's role never reaches the service's decision.
  BoundPolicy strict = policyOf(R"(
    "rules": [{"deny": ["find"], "roles": ["Customer", "AuthenticatedUser"], "on": "*"}],
    "services": {"CustomerService": {"grants": [{"ops": ["find"], "on": "data:Restaurant"}]}})");
  EXPECT_TRUE(decide(strict, service("CustomerService"), "find", "data:Restaurant").allow);
  EXPECT_FALSE(decide(strict, user("U1", {"Customer"}), "find", "data:Restaurant").allow);
}

TEST(PolicyEvalTest, CustomRolesOfAnotherSpellingDoNotMatch) {
  BoundPolicy policy = policyOf(R"("rules": [{"grant": ["find"], "roles": ["Customer"], "on": "data:T"}])");
  EXPECT_TRUE(decide(policy, user("U1", {"Customer"}), "find", "data:T").allow);
  EXPECT_FALSE(decide(policy, user("U1", {"customer"}), "find", "data:T").allow);
  EXPECT_FALSE(decide(policy, user("U1", {"Undeclared"}), "find", "data:T").allow);
}

// A principal with more custom roles than the evaluator keeps inline.
TEST(PolicyEvalTest, ManyCustomRoles) {
  std::string roles, rules;
  for (int i = 0; i < 40; ++i) roles += (i ? ", \"R" : "\"R") + std::to_string(i) + "\"";
  BoundPolicy policy = bound(R"({"roles": [)" + roles + R"(], "rules": [{"grant": ["find"], "roles": ["R37"], "on": "data:T"}]})");
  std::vector<std::string> mine;
  for (int i = 39; i >= 20; --i) mine.push_back("R" + std::to_string(i));
  EXPECT_TRUE(decide(policy, user("U1", mine), "find", "data:T").allow);
  mine.erase(std::find(mine.begin(), mine.end(), "R37"));
  EXPECT_FALSE(decide(policy, user("U1", mine), "find", "data:T").allow);
}

TEST(PolicyExplainTest, TraceNamesEveryRuleConsidered) {
  BoundPolicy policy = policyOf(R"(
    "rules": [
      {"grant": ["find"], "roles": ["Customer"], "on": "data:Order"},
      {"deny": ["find"], "roles": ["AuthenticatedUser"], "on": "data:Order"},
      {"grant": ["update"], "users": ["boris@example.com"], "on": "data:Order"},
      {"grant": ["find"], "roles": ["Manager"], "on": "data:*"},
      {"grant": ["read"], "roles": ["Customer"], "on": "files:/x"}
    ],
    "tables": {"Order": {"ownerPolicy": ["find"]}})");
  Principal boris = clientOf(user("U1", {"Customer"}));
  Explanation e = explain(policy, boris, Op::kDataFind, *ResourceRef::data("Order"));
  const Decision& d = e.decision;
  EXPECT_FALSE(d.allow);
  EXPECT_EQ(d.index, 1);
  ASSERT_EQ(d.trace.size(), 6u);  // 3 exact rules, owner policy, data:*, the default; not files:/x
  EXPECT_EQ(d.trace[0].verdict, TraceVerdict::kBeatenByDeny);
  EXPECT_EQ(d.trace[0].why, "the principal has role Customer");
  EXPECT_EQ(d.trace[1].verdict, TraceVerdict::kDecides);
  EXPECT_EQ(d.trace[2].verdict, TraceVerdict::kNoMatch);
  EXPECT_EQ(d.trace[2].why, "does not list \"find\"");
  EXPECT_EQ(d.trace[3].source, Decider::kOwnerPolicy);
  EXPECT_EQ(d.trace[3].verdict, TraceVerdict::kNotReached);
  EXPECT_EQ(d.trace[3].why, "would apply, but level 2 decided: no narrowing to the user's rows");
  EXPECT_EQ(d.trace[4].verdict, TraceVerdict::kNotReached);
  EXPECT_EQ(d.trace[4].why, "the principal has none of its roles");
  EXPECT_EQ(d.trace[5].source, Decider::kDefault);
  EXPECT_EQ(d.trace[5].verdict, TraceVerdict::kNotReached);

  nlohmann::json j = explainJson(e);
  EXPECT_EQ(j["decision"], "deny");
  EXPECT_EQ(j["level"], 2);
  EXPECT_EQ(j["levelName"], "exact resource");
  EXPECT_EQ(j["decidedBy"], "rule");
  EXPECT_EQ(j["rule"]["index"], 1);
  EXPECT_EQ(j["rule"]["text"], R"({"deny":["find"],"roles":["AuthenticatedUser"],"on":"data:Order"})");
  EXPECT_EQ(j["principal"], "U1@example.com (AuthenticatedUser, RestUser, Customer)");
  EXPECT_EQ(j["trace"].size(), 6u);
  EXPECT_EQ(j["trace"][0]["verdict"], "matches, but DENY beats GRANT");

  std::string text = explainText(e);
  EXPECT_EQ(text.substr(0, text.find('\n')), "find data:Order as U1@example.com (AuthenticatedUser, RestUser, Customer): DENY");
  EXPECT_NE(text.find("decided at level 2 (exact resource) by rules[1] "
                      R"({"deny":["find"],"roles":["AuthenticatedUser"],"on":"data:Order"})"),
            std::string::npos)
      << text;
}

TEST(PolicyExplainTest, UserBeatsRoleAndServiceGrantsAreTheirOwnStep) {
  BoundPolicy policy = policyOf(R"(
    "rules": [
      {"deny": ["find"], "roles": ["Customer"], "on": "data:T"},
      {"grant": ["find"], "users": ["boris@example.com"], "on": "data:T"}
    ],
    "services": {"S": {"grants": [{"ops": ["find"], "on": "data:R"}]}})");
  Decision d = explain(policy, clientOf(user("U1", {"Customer"})), Op::kDataFind, *ResourceRef::data("T")).decision;
  ASSERT_GE(d.trace.size(), 2u);
  EXPECT_EQ(d.trace[0].verdict, TraceVerdict::kBeatenByUser);
  EXPECT_EQ(d.trace[1].verdict, TraceVerdict::kDecides);
  EXPECT_EQ(d.trace[1].why, "this user's rule");

  Explanation s = explainAsService(policy, "S", Op::kDataFind, *ResourceRef::data("T"));
  EXPECT_FALSE(s.decision.allow);
  EXPECT_EQ(s.principal, "ServerCodeUser of S");
  const TraceStep& last = s.decision.trace.back();
  EXPECT_EQ(last.level, L::kServiceGrants);
  EXPECT_EQ(last.verdict, TraceVerdict::kRefuses);
  EXPECT_EQ(last.why, "no grant of the service covers find on data:T; both the rules and the grants must allow");
  const TraceStep& grant = s.decision.trace[s.decision.trace.size() - 2];
  EXPECT_EQ(grant.pattern, "services.S.grants[0]");
  EXPECT_EQ(grant.why, "\"data:R\" does not cover data:T");
  // The user rule is not ServerCodeUser's.
  EXPECT_EQ(s.decision.trace[1].why, "ServerCodeUser has no user (the caller never counts)");
}

}  // namespace
}  // namespace ck::services

namespace ck::services {
namespace {

// A denial names level and rule in dev mode only, and names each once.
TEST(DenialStatus, DevModeNamesTheLevelAndRuleOnce) {
  Decision byDefault;
  byDefault.level = DecisionLevel::kDefault;
  byDefault.text = "default: DENY for client principals";
  Status dev = denialStatus(ErrorCode::kNoPermissionFind, byDefault, /*devMode=*/true);
  EXPECT_EQ(dev.code(), ErrorCode::kNoPermissionFind);
  EXPECT_NE(dev.message().find("(decided at level 7, default: DENY for client principals)"), std::string::npos)
      << dev.message();
  EXPECT_EQ(dev.message().find("default: default"), std::string::npos) << dev.message();

  Decision byRule;
  byRule.level = DecisionLevel::kExact;
  byRule.text = R"(rules[0] {"deny":["find"],"roles":["Customer"],"on":"data:Restaurant"})";
  Status rule = denialStatus(ErrorCode::kNoPermissionFind, byRule, /*devMode=*/true);
  EXPECT_NE(rule.message().find("(decided at level 2, exact resource: rules[0] "), std::string::npos)
      << rule.message();

  Status production = denialStatus(ErrorCode::kNoPermissionFind, byRule, /*devMode=*/false);
  EXPECT_EQ(production.message(), errorInfo(ErrorCode::kNoPermissionFind).defaultMessage);
}

}  // namespace
}  // namespace ck::services
