// cloudkeep.json: valid policies parse to the model; invalid ones are
// refused whole with the exact error; policy tests run and report.
#include "services/policy.h"

#include <gtest/gtest.h>

#include "services/policy_bind.h"
#include "services/policy_tests.h"

namespace ck::services {
namespace {

// The example of DESIGN.md "What a user writes", verbatim.
constexpr const char* kDesignExample = R"({
  "name": "restaurants",
  "roles": ["Customer"],
  "rules": [
    { "grant": ["invoke"], "roles": ["Customer"], "on": "service:CustomerService" },
    { "grant": ["find"], "roles": ["AuthenticatedUser"], "on": "data:Menu" },
    { "deny": ["delete"], "users": ["boris@example.com"], "on": "data:Menu" }
  ],
  "tables": {
    "Order": { "ownerPolicy": ["find", "update"], "columns": { "deliverAt": "date" }, "indexes": [["status"], ["city", "created"]] }
  },
  "services": {
    "CustomerService": { "grants": [ { "ops": ["find"], "on": "data:Restaurant" } ] }
  },
  "dev": { "users": [ { "email": "boris@example.com", "password": "123123qwe", "roles": ["Customer"] } ] },
  "tests": [
    { "as": { "user": "boris@example.com", "key": "REST" }, "op": "find", "on": "data:Restaurant", "expect": "deny" },
    { "as": { "user": "boris@example.com", "key": "REST" }, "op": "invoke", "on": "service:CustomerService.getRestaurants", "expect": "grant" },
    { "as": { "service": "CustomerService", "user": "boris@example.com" }, "op": "delete", "on": "data:Restaurant", "expect": "deny" },
    { "as": { "role": "NotAuthenticatedUser", "key": "JS" }, "op": "read", "on": "files:/menus/today.txt", "expect": "deny" }
  ]
})";

TEST(PolicyParseTest, TheDesignExample) {
  Result<Policy> p = parsePolicy(kDesignExample);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->name, "restaurants");
  EXPECT_EQ(p->roles, std::vector<std::string>{"Customer"});
  ASSERT_EQ(p->rules.size(), 3u);
  EXPECT_EQ(p->rules[0].effect, Effect::kGrant);
  EXPECT_EQ(p->rules[0].ops, opBit(Op::kServiceInvoke));
  EXPECT_EQ(p->rules[0].on.text(), "service:CustomerService");
  EXPECT_EQ(p->rules[0].text, R"({"grant":["invoke"],"roles":["Customer"],"on":"service:CustomerService"})");
  EXPECT_EQ(p->rules[2].effect, Effect::kDeny);
  EXPECT_EQ(p->rules[2].ops, opBit(Op::kDataDelete));  // data's delete, not files'
  EXPECT_EQ(p->rules[2].users, std::vector<std::string>{"boris@example.com"});
  EXPECT_TRUE(p->rules[2].byUser());
  ASSERT_EQ(p->tables.count("Order"), 1u);
  EXPECT_EQ(p->tables["Order"].ownerPolicy, opBit(Op::kDataFind) | opBit(Op::kDataUpdate));
  EXPECT_EQ(p->tables["Order"].columns["deliverAt"], "date");
  EXPECT_EQ(p->tables["Order"].indexes.size(), 2u);
  const ServiceSettings& cs = p->services.at("CustomerService");
  ASSERT_TRUE(cs.grants.has_value());
  ASSERT_EQ(cs.grants->size(), 1u);
  EXPECT_EQ((*cs.grants)[0].ops, opBit(Op::kDataFind));
  EXPECT_EQ(cs.runAs, RunAs::kServer);
  ASSERT_EQ(p->devUsers.size(), 1u);
  EXPECT_EQ(p->devUsers[0].roles, std::vector<std::string>{"Customer"});
  ASSERT_EQ(p->tests.size(), 4u);
  EXPECT_EQ(p->tests[1].op, Op::kServiceInvoke);
  EXPECT_EQ(p->tests[2].service, "CustomerService");
  EXPECT_EQ(p->tests[3].role, "NotAuthenticatedUser");
  EXPECT_EQ(p->tests[3].key, ClientKind::kJs);
  EXPECT_EQ(p->tests[3].op, Op::kFilesRead);
}

TEST(PolicyParseTest, ValidPolicies) {
  const char* cases[] = {
      "{}",
      R"({"rules": []})",
      R"({"rules": [{"deny": ["delete"], "roles": ["AuthenticatedUser"], "on": "*"}]})",
      R"({"rules": [{"grant": ["read", "list"], "roles": ["JSUser"], "on": "files:/public", "comment": "assets"}]})",
      R"({"rules": [{"grant": ["read"], "roles": ["RestUser"], "on": "files:*"}]})",
      R"({"rules": [{"deny": ["register"], "roles": ["NotAuthenticatedUser"], "on": "users"}]})",
      R"({"rules": [{"deny": ["login"], "roles": ["NotAuthenticatedUser"], "on": "users:*"}]})",
      R"({"rules": [{"grant": ["impersonate"], "roles": ["ServerCodeUser"], "on": "users"}]})",
      R"({"rules": [{"deny": ["impersonate"], "roles": ["AuthenticatedUser"], "on": "users"}]})",
      R"({"rules": [{"grant": ["invoke"], "roles": ["AndroidUser", "IOSUser"], "on": "service:S.m"}]})",
      R"({"services": {"S": {}}, "tables": {"T": {}}})",
      R"({"services": {"S": {"grants": [], "runAs": "caller", "executionTimeoutInSeconds": 30}}})",
      R"({"services": {"S": {"config": {"currency": "EUR", "max": 3, "on": false}}}})",
      R"({"roles": ["A", "B"], "tests": [{"as": {"role": "B", "key": "IOS"}, "op": "list", "on": "files:/", "expect": "grant"}]})",
      R"({"tests": [{"as": {"service": "S"}, "op": "impersonate", "on": "users", "expect": "deny"}]})",
  };
  for (const char* text : cases) {
    Result<Policy> p = parsePolicy(text);
    EXPECT_TRUE(p.ok()) << text << "\n  -> " << p.status().message();
  }
  Result<Policy> wild = parsePolicy(R"({"rules": [{"deny": ["delete"], "roles": ["AuthenticatedUser"], "on": "*"}]})");
  EXPECT_EQ(wild->rules[0].ops, opBit(Op::kDataDelete) | opBit(Op::kFilesDelete));
}

TEST(PolicyParseTest, ServiceConfigValuesAreKeptAsJsonText) {
  Result<Policy> p = parsePolicy(R"({"services": {"S": {"config": {"b": "x\u00e9", "a": 2.5, "c": true}}, "T": {}}})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->services.at("S").config, R"({"b":"xé","a":2.5,"c":true})");  // as written, in order
  EXPECT_EQ(p->services.at("T").config, "{}");
  std::string big(16 * 1024 + 1, 'x');
  Result<Policy> tooLong = parsePolicy(R"({"services": {"S": {"config": {"k": ")" + big + R"("}}}})");
  EXPECT_EQ(tooLong.status().message(), "services.S.config.k: longer than 16 KiB");
}

TEST(PolicyParseTest, InvalidPoliciesAreRefusedWithTheirError) {
  struct Case {
    const char* json;
    const char* error;
  } cases[] = {
      {"[]", "cloudkeep.json must hold a JSON object"},
      {"{\"rules\": [", "cloudkeep.json is not valid JSON (at byte 12)"},
      {R"({"roles": [], "rules": [{"grant": ["find"], "roles": ["AuthenticatedUser"], "roles": ["Customer"], "on": "data:T"}]})",
       "cloudkeep.json has the key \"roles\" twice in one object"},
      {R"({"rule": []})", "unknown field \"rule\" (fields: name, roles, rules, tables, services, dev, tests)"},
      {R"({"name": 3})", "name: expected a string"},
      // Reserved and bad role names.
      {R"({"roles": ["ServerCodeUser"]})",
       "roles[0]: \"ServerCodeUser\" is the system role ServerCodeUser; custom roles cannot be named like system roles"},
      {R"({"roles": ["servercodeuser"]})",
       "roles[0]: \"servercodeuser\" is the system role ServerCodeUser; custom roles cannot be named like system roles"},
      {R"({"roles": ["A", "notauthenticateduser"]})",
       "roles[1]: \"notauthenticateduser\" is the system role NotAuthenticatedUser; custom roles cannot be named like system roles"},
      {R"({"roles": ["Customer", "customer"]})", "roles[1]: \"customer\" is declared twice (role names ignore case)"},
      {R"({"roles": ["9lives"]})",
       "roles[0]: \"9lives\" is not a role name (a letter, then up to 63 letters, digits or '_')"},
      // Rules: shape.
      {R"({"rules": {}})", "rules: expected an array of rules"},
      {R"({"rules": [1]})", "rules[0]: expected an object"},
      {R"({"rules": [{"grant": ["find"], "roles": ["AuthenticatedUser"], "on": "data:T", "onn": 1}]})",
       "rules[0]: unknown field \"onn\" (fields: grant, deny, roles, users, on, comment)"},
      {R"({"rules": [{"grant": ["find"], "deny": ["find"], "roles": ["AuthenticatedUser"], "on": "data:T"}]})",
       "rules[0]: has both \"grant\" and \"deny\"; write two rules"},
      {R"({"rules": [{"roles": ["AuthenticatedUser"], "on": "data:T"}]})", "rules[0]: needs \"grant\" or \"deny\""},
      {R"({"rules": [{"grant": ["find"], "on": "data:T"}]})", "rules[0]: needs \"roles\" or \"users\""},
      {R"({"rules": [{"grant": ["find"], "roles": ["AuthenticatedUser"], "users": ["a@b.c"], "on": "data:T"}]})",
       "rules[0]: has both \"roles\" and \"users\"; write one rule for each"},
      {R"({"rules": [{"grant": ["find"], "roles": ["AuthenticatedUser"]}]})", "rules[0].on: required"},
      {R"({"rules": [{"grant": "find", "roles": ["AuthenticatedUser"], "on": "data:T"}]})",
       "rules[0].grant: expected a non-empty array of operation names"},
      {R"({"rules": [{"grant": [], "roles": ["AuthenticatedUser"], "on": "data:T"}]})",
       "rules[0].grant: expected a non-empty array of operation names"},
      // Rules: resources.
      {R"({"rules": [{}, {}, {}, {"grant": ["find"], "roles": ["AuthenticatedUser"], "on": "date:Order"}]})",
       "rules[0]: needs \"grant\" or \"deny\""},
      {R"({"rules": [{"grant": ["find"], "roles": ["AuthenticatedUser"], "on": "date:Order"}]})",
       "rules[0].on: unknown resource kind \"date:\""},
      {R"({"rules": [{"grant": ["find"], "roles": ["AuthenticatedUser"], "on": 7}]})", "rules[0].on: expected a string"},
      {R"({"rules": [{"grant": ["find"], "roles": ["AuthenticatedUser"], "on": "Order"}]})",
       "rules[0].on: \"Order\" is not a resource pattern (\"*\", \"<kind>:*\" or \"<kind>:<name>\")"},
      {R"({"rules": [{"grant": ["read"], "roles": ["AuthenticatedUser"], "on": "files:/a/../b"}]})",
       "rules[0].on: \"/a/../b\" is not a file path: no \".\" or \"..\" segments"},
      {R"({"rules": [{"grant": ["read"], "roles": ["AuthenticatedUser"], "on": "files:/a/"}]})",
       "rules[0].on: \"/a/\" is not a file path: no trailing \"/\""},
      {R"({"rules": [{"grant": ["read"], "roles": ["AuthenticatedUser"], "on": "files:a"}]})",
       "rules[0].on: \"a\" is not a file path: it must start with \"/\""},
      {R"({"rules": [{"grant": ["find"], "roles": ["AuthenticatedUser"], "on": "data:sqlite_master"}]})",
       "rules[0].on: \"sqlite_master\" is not a table name (names starting with \"sqlite_\" are reserved)"},
      {R"({"rules": [{"grant": ["invoke"], "roles": ["AuthenticatedUser"], "on": "service:a-b"}]})",
       "rules[0].on: \"a-b\" is not a service or method name (a letter, '_' or '$', then up to 63 of those or digits)"},
      // Rules: operations.
      {R"({"rules": [{"grant": ["find", "fetch"], "roles": ["AuthenticatedUser"], "on": "data:T"}]})",
       "rules[0].grant[1]: unknown operation \"fetch\""},
      {R"({"rules": [{"deny": ["count"], "roles": ["AuthenticatedUser"], "on": "data:T"}]})",
       "rules[0].deny[0]: unknown operation \"count\""},
      {R"({"rules": [{"grant": ["read"], "roles": ["AuthenticatedUser"], "on": "data:T"}]})",
       "rules[0].grant[0]: \"read\" does not apply to data resources (data operations: find, create, update, delete, describe)"},
      {R"({"rules": [{"grant": ["find"], "roles": ["AuthenticatedUser"], "on": "service:S"}]})",
       "rules[0].grant[0]: \"find\" does not apply to service resources (service operations: invoke)"},
      {R"({"rules": [{"grant": ["invoke"], "roles": ["AuthenticatedUser"], "on": "files:*"}]})",
       "rules[0].grant[0]: \"invoke\" does not apply to files resources (files operations: read, write, delete, list)"},
      {R"({"rules": [{"grant": ["impersonate"], "roles": ["AuthenticatedUser"], "on": "users"}]})",
       "rules[0].grant: \"impersonate\" can be granted only to ServerCodeUser"},
      {R"({"rules": [{"grant": ["impersonate"], "users": ["a@b.c"], "on": "*"}]})",
       "rules[0].grant: \"impersonate\" can be granted only to ServerCodeUser"},
      // Rules: subjects.
      {R"({"rules": [{"grant": ["find"], "roles": ["Customer"], "on": "data:T"}]})",
       "rules[0].roles[0]: \"Customer\" is not a declared role (declare custom roles in \"roles\")"},
      {R"({"rules": [{"grant": ["find"], "roles": ["servercodeuser"], "on": "data:T"}]})",
       "rules[0].roles[0]: \"servercodeuser\" is not a role; the system role is spelled \"ServerCodeUser\""},
      {R"({"rules": [{"grant": ["find"], "users": ["boris"], "on": "data:T"}]})",
       "rules[0].users[0]: \"boris\" is not an email address"},
      {R"({"rules": [{"grant": ["find"], "users": [], "on": "data:T"}]})",
       "rules[0].users: expected a non-empty array of emails"},
      {R"({"rules": [{"grant": ["find"], "roles": ["AuthenticatedUser"], "on": "data:T", "comment": 1}]})",
       "rules[0].comment: expected a string"},
      // Tables.
      {R"({"tables": {"Order": {"ownerPolicy": ["find", "describe"]}}})",
       "tables.Order.ownerPolicy[1]: \"describe\" is not an owner policy operation (find, create, update, delete)"},
      {R"({"tables": {"Order": {"ownerPolicy": ["read"]}}})", "tables.Order.ownerPolicy[0]: \"read\" is not a data operation"},
      {R"({"tables": {"Order": {"ownerPolicy": ["x"]}}})", "tables.Order.ownerPolicy[0]: unknown operation \"x\""},
      {R"({"tables": {"Order": {"owner": []}}})",
       "tables.Order: unknown field \"owner\" (fields: ownerPolicy, columns, indexes)"},
      {R"({"tables": {"_x": {}}})", "tables._x: \"_x\" is not a table name (a letter, then up to 63 letters, digits or '_')"},
      {R"({"tables": {"T": {"columns": []}}})", "tables.T.columns: expected an object of column types"},
      // Services.
      {R"({"services": {"S": {"grants": [{"ops": ["find"], "on": "date:R"}]}}})",
       "services.S.grants[0].on: unknown resource kind \"date:\""},
      {R"({"services": {"S": {"grants": [{"ops": ["read"], "on": "data:R"}]}}})",
       "services.S.grants[0].ops[0]: \"read\" does not apply to data resources (data operations: find, create, update, delete, describe)"},
      {R"({"services": {"S": {"grants": [{"on": "data:R"}]}}})", "services.S.grants[0].ops: required"},
      {R"({"services": {"S": {"grants": [{"ops": ["find"], "on": "data:R", "why": ""}]}}})",
       "services.S.grants[0]: unknown field \"why\" (fields: ops, on)"},
      {R"({"services": {"S": {"runAs": "admin"}}})", "services.S.runAs: expected \"server\" or \"caller\""},
      {R"({"services": {"S": {"executionTimeoutInSeconds": 0}}})",
       "services.S.executionTimeoutInSeconds: expected a whole number of seconds from 1 to 60"},
      {R"({"services": {"S": {"config": [1]}}})", "services.S.config: expected an object of config item values"},
      {R"({"services": {"S": {"config": {"a": {"b": 1}}}}})",
       "services.S.config.a: expected a string, a number or a boolean"},
      {R"({"services": {"S": {"config": {"a": null}}}})", "services.S.config.a: expected a string, a number or a boolean"},
      {R"({"services": {"S": {"config": {"": 1}}}})", "services.S.config.: config item names are 1-64 characters"},
      {R"({"services": {"S.m": {}}})",
       "services.S.m: \"S.m\" is not a service or method name (a letter, '_' or '$', then up to 63 of those or digits)"},
      // Dev users.
      {R"({"dev": {"users": [{"email": "a@b.c", "password": "p", "roles": ["AuthenticatedUser"]}]}})",
       "dev.users[0].roles[0]: \"AuthenticatedUser\" is the system role AuthenticatedUser; users cannot be given system roles"},
      {R"({"dev": {"users": [{"email": "a@b.c", "password": "p", "roles": ["Boss"]}]}})",
       "dev.users[0].roles[0]: \"Boss\" is not a declared role (declare custom roles in \"roles\")"},
      {R"({"dev": {"users": [{"email": "a@b.c"}]}})", "dev.users[0].password: required"},
      {R"({"dev": {"admins": []}})", "dev: unknown field \"admins\" (fields: users)"},
      // Tests.
      {R"({"tests": [{"as": {"role": "ServerCodeUser", "key": "REST"}, "op": "find", "on": "data:T", "expect": "grant"}]})",
       "tests[0].as.role: \"ServerCodeUser\" cannot be taken by a test; write {\"service\": \"<Name>\"} to test a service's code"},
      {R"({"tests": [{"as": {"role": "servercodeuser", "key": "REST"}, "op": "find", "on": "data:T", "expect": "grant"}]})",
       "tests[0].as.role: \"servercodeuser\" cannot be taken by a test; write {\"service\": \"<Name>\"} to test a service's code"},
      {R"({"tests": [{"as": {"role": "RestUser", "key": "REST"}, "op": "find", "on": "data:T", "expect": "grant"}]})",
       "tests[0].as.role: \"RestUser\" comes with an API key; write \"key\" instead"},
      {R"({"tests": [{"as": {"role": "authenticateduser", "key": "REST"}, "op": "find", "on": "data:T", "expect": "grant"}]})",
       "tests[0].as.role: \"authenticateduser\" is not a role; the system role is spelled \"AuthenticatedUser\""},
      {R"({"tests": [{"as": {"role": "Customer", "key": "REST"}, "op": "find", "on": "data:T", "expect": "grant"}]})",
       "tests[0].as.role: \"Customer\" is not a declared role (declare custom roles in \"roles\")"},
      {R"({"tests": [{"as": {"user": "a@b.c"}, "op": "find", "on": "data:T", "expect": "grant"}]})",
       "tests[0].as.key: required (\"REST\", \"JS\", \"IOS\" or \"ANDROID\")"},
      {R"({"tests": [{"as": {"user": "a@b.c", "key": "rest"}, "op": "find", "on": "data:T", "expect": "grant"}]})",
       "tests[0].as.key: expected \"REST\", \"JS\", \"IOS\" or \"ANDROID\""},
      {R"({"tests": [{"as": {"service": "S", "role": "AuthenticatedUser"}, "op": "find", "on": "data:T", "expect": "grant"}]})",
       "tests[0].as: has both \"service\" and \"role\"; service code has no roles but ServerCodeUser"},
      {R"({"tests": [{"as": {"key": "REST"}, "op": "find", "on": "data:T", "expect": "grant"}]})",
       "tests[0].as: needs \"user\", \"role\" or \"service\""},
      {R"({"tests": [{"as": {"service": "S"}, "op": "find", "on": "data:T", "expect": "allow"}]})",
       "tests[0].expect: expected \"grant\" or \"deny\""},
      {R"({"tests": [{"as": {"service": "S"}, "op": "find", "on": "data:T", "expect": true}]})",
       "tests[0].expect: expected a string"},
      {R"({"tests": [{"as": {"service": "S"}, "op": "find", "on": "data:*", "expect": "deny"}]})",
       "tests[0].on: \"data:*\" is a pattern; a request names one resource"},
      {R"({"tests": [{"as": {"service": "S"}, "op": "read", "on": "data:T", "expect": "deny"}]})",
       "tests[0].op: \"read\" does not apply to data resources (data operations: find, create, update, delete, describe)"},
      {R"({"tests": [{"as": {"service": "S"}, "op": "find", "on": "data:T"}]})", "tests[0].expect: required"},
      {R"({"tests": [{"as": {"service": "S"}, "op": "find", "on": "data:T", "expect": "deny", "note": ""}]})",
       "tests[0]: unknown field \"note\" (fields: as, op, on, expect)"},
  };
  for (const auto& c : cases) {
    Result<Policy> p = parsePolicy(c.json);
    ASSERT_FALSE(p.ok()) << c.json;
    EXPECT_EQ(p.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(p.status().message(), c.error) << c.json;
  }
}

TEST(PolicyBindTest, UnknownEmailsLeaveTheRuleInertWithAWarning) {
  Result<Policy> p = parsePolicy(R"({"rules": [
      {"deny": ["delete"], "users": ["boris@example.com", "ghost@example.com"], "on": "data:Menu"},
      {"grant": ["find"], "users": ["ghost@example.com"], "on": "data:Menu"}]})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  int lookups = 0;
  BoundPolicy bound = bindPolicy(std::move(p).value(), [&](std::string_view email) -> std::optional<std::string> {
    ++lookups;
    if (email == "boris@example.com") return "U1";
    return std::nullopt;
  });
  EXPECT_EQ(lookups, 2);  // once per distinct email
  EXPECT_EQ(bound.warnings(),
            (std::vector<std::string>{
                "rules[0].users[1]: no user \"ghost@example.com\"; this part of the rule applies to no one until the "
                "policy is applied again",
                "rules[1].users[0]: no user \"ghost@example.com\"; this part of the rule applies to no one until the "
                "policy is applied again"}));
}

TEST(PolicyTestsTest, TheDesignExampleTestsPass) {
  Result<Policy> p = parsePolicy(kDesignExample);
  ASSERT_TRUE(p.ok()) << p.status().message();
  PolicyTestUserLookup users = devUserLookup(*p);
  UserIdLookup ids = devUserIdLookup(*p);
  BoundPolicy bound = bindPolicy(std::move(p).value(), ids);
  std::vector<PolicyTestResult> results = runPolicyTests(bound, users);
  ASSERT_EQ(results.size(), 4u);
  for (const PolicyTestResult& r : results) EXPECT_TRUE(r.passed) << r.summary << "\n" << policyTestReport(results);
  EXPECT_EQ(results[0].summary, "tests[0]: boris@example.com (REST) find data:Restaurant: expected deny, got deny");
  EXPECT_EQ(results[2].summary,
            "tests[2]: service CustomerService called by boris@example.com (REST) delete data:Restaurant: expected "
            "deny, got deny");
  EXPECT_EQ(policyTestReport(results), "4 of 4 policy tests passed\n");
}

TEST(PolicyTestsTest, FailuresCarryTheirTraceAndUnknownUsersFail) {
  Result<Policy> p = parsePolicy(R"({
    "roles": ["Customer"],
    "rules": [{"grant": ["find"], "roles": ["Customer"], "on": "data:Restaurant"}],
    "services": {"Mine": {"runAs": "caller"}},
    "tests": [
      {"as": {"role": "Customer", "key": "JS"}, "op": "find", "on": "data:Restaurant", "expect": "deny"},
      {"as": {"user": "nobody@example.com", "key": "JS"}, "op": "find", "on": "data:Restaurant", "expect": "deny"},
      {"as": {"role": "AuthenticatedUser", "key": "JS"}, "op": "find", "on": "data:Restaurant", "expect": "deny"},
      {"as": {"service": "Mine", "user": "ann@example.com"}, "op": "find", "on": "data:Restaurant", "expect": "grant"},
      {"as": {"service": "Mine"}, "op": "find", "on": "data:Restaurant", "expect": "grant"},
      {"as": {"service": "Other"}, "op": "delete", "on": "data:Restaurant", "expect": "grant"}
    ]})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  PolicyTestUserLookup users = [](std::string_view email) -> std::optional<PolicyTestUser> {
    if (email == "ann@example.com") return PolicyTestUser{"U7", {"Customer"}};
    return std::nullopt;
  };
  BoundPolicy bound = bindPolicy(std::move(p).value(), [](std::string_view) { return std::nullopt; });
  std::vector<PolicyTestResult> results = runPolicyTests(bound, users);
  ASSERT_EQ(results.size(), 6u);
  EXPECT_FALSE(results[0].passed);
  ASSERT_TRUE(results[0].explanation.has_value());
  EXPECT_EQ(results[0].explanation->decision.level, DecisionLevel::kExact);
  EXPECT_EQ(results[0].summary, "tests[0]: role Customer (JS) find data:Restaurant: expected deny, got grant");
  EXPECT_FALSE(results[1].passed);
  EXPECT_FALSE(results[1].explanation.has_value());
  EXPECT_EQ(results[1].summary,
            "tests[1]: nobody@example.com (JS) find data:Restaurant: cannot run: no user \"nobody@example.com\"");
  EXPECT_TRUE(results[2].passed);
  // runAs caller: the caller's own permissions, so Ann (a Customer) may find...
  EXPECT_TRUE(results[3].passed) << results[3].summary;
  // ... and an anonymous caller may not, though ServerCodeUser could.
  EXPECT_FALSE(results[4].passed);
  EXPECT_TRUE(results[5].passed);
  std::string report = policyTestReport(results);
  EXPECT_NE(report.find("3 of 6 policy tests passed"), std::string::npos) << report;
  EXPECT_NE(report.find("FAIL tests[0]: role Customer (JS) find data:Restaurant: expected deny, got grant"),
            std::string::npos);
  EXPECT_NE(report.find("rules[0] {\"grant\":[\"find\"],\"roles\":[\"Customer\"],\"on\":\"data:Restaurant\"}: decides"),
            std::string::npos)
      << report;
}

}  // namespace
}  // namespace ck::services
