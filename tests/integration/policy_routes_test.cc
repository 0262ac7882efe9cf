// The policy admin API (runtime/policy_routes.h) over HTTP against the
// server core in-process: apply and show the policy (an invalid one changes
// nothing), explain for users, roles and services (the motivating scenario:
// Customer may not read Restaurant directly with any key, CustomerService's
// code may find but not delete), and policy tests against the app's users.

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "services/host.h"
#include "tests/integration/in_process_server.h"

namespace ck::testing {
namespace {

using nlohmann::json;

constexpr const char* kPolicy = R"({
  "name": "restaurants",
  "roles": ["Customer"],
  "rules": [
    { "grant": ["invoke"], "roles": ["Customer"], "on": "service:CustomerService" },
    { "grant": ["find"], "roles": ["AuthenticatedUser"], "on": "data:Menu" },
    { "deny": ["delete"], "users": ["boris@example.com"], "on": "data:Menu" }
  ],
  "tables": { "Order": { "ownerPolicy": ["find", "update"], "columns": { "deliverAt": "date" } } },
  "services": { "CustomerService": { "grants": [ { "ops": ["find"], "on": "data:Restaurant" } ] } },
  "tests": [
    { "as": { "user": "boris@example.com", "key": "REST" }, "op": "find", "on": "data:Restaurant", "expect": "deny" },
    { "as": { "user": "boris@example.com", "key": "REST" }, "op": "invoke", "on": "service:CustomerService.getRestaurants", "expect": "grant" },
    { "as": { "service": "CustomerService", "user": "boris@example.com" }, "op": "delete", "on": "data:Restaurant", "expect": "deny" }
  ]
})";

json parse(const HttpResult& r) { return json::parse(r.body, nullptr, /*allow_exceptions=*/false); }

class PolicyRoutesTest : public InProcessServerTest {
 protected:
  // Cheap argon2id: these tests register users but never measure logins.
  void configure(runtime::Config& config) override {
    config.passwordOpsLimit = 1;
    config.passwordMemBytes = 8u << 10;
  }

  void SetUp() override {
    InProcessServerTest::SetUp();
    HttpResult created = call("POST", "/admin/apps", R"({"name": "restaurants"})");
    ASSERT_EQ(created.status, 201) << created.body;
    appId_ = parse(created)["id"];
  }

  std::string path(const std::string& rest) const { return "/admin/apps/" + appId_ + rest; }

  // Registers a user in the app directly (the admin side) with `role`, if any.
  void addUser(const std::string& email, const std::string& role = "") {
    services::App* app = server_->host().app(appId_);
    ASSERT_NE(app, nullptr);
    std::string id;
    {
      services::AppLease lease = app->lease();
      Result<json> user = lease.users().registerUser({{"email", email}, {"password", "123123qwe"}});
      ASSERT_TRUE(user.ok()) << user.status().message();
      id = (*user)["objectId"];
    }
    if (!role.empty()) {
      services::CallInfo call;
      call.channel = services::Channel::kAdmin;
      ASSERT_TRUE(app->assignRole(call, id, role).ok());
    }
  }

  json explain(const json& body, int expectStatus = 200) {
    HttpResult r = call("POST", path("/explain"), body.dump());
    EXPECT_EQ(r.status, expectStatus) << body.dump() << " -> " << r.body;
    return parse(r);
  }

  std::string appId_;
};

TEST_F(PolicyRoutesTest, ApplyAndShowThePolicy) {
  HttpResult none = call("GET", path("/policy"));
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(parse(none), json::object()) << "no policy applied: the empty policy";

  HttpResult put = call("PUT", path("/policy"), kPolicy);
  ASSERT_EQ(put.status, 200) << put.body;
  json applied = parse(put);
  EXPECT_GT(applied["applied"].get<int64_t>(), 0);
  ASSERT_EQ(applied["warnings"].size(), 1u) << "boris is no user yet: " << put.body;
  EXPECT_NE(applied["warnings"][0].get<std::string>().find("boris@example.com"), std::string::npos);

  HttpResult shown = call("GET", path("/policy"));
  ASSERT_EQ(shown.status, 200);
  EXPECT_EQ(shown.body, kPolicy) << "the text in force, as applied";

  // Once boris exists, applying again binds his rule: no warning.
  addUser("boris@example.com", "Customer");
  put = call("PUT", path("/policy"), kPolicy);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(parse(put)["warnings"], json::array());
}

TEST_F(PolicyRoutesTest, AnInvalidPolicyIsRefusedNamingTheFieldAndChangesNothing) {
  ASSERT_EQ(call("PUT", path("/policy"), kPolicy).status, 200);
  std::string bad = kPolicy;
  bad.replace(bad.find("\"on\": \"data:Menu\""), 17, "\"on\": \"date:Menu\"");
  HttpResult refused = call("PUT", path("/policy"), bad);
  EXPECT_EQ(refused.status, 400);
  json error = parse(refused);
  EXPECT_EQ(error["code"], 100600);
  EXPECT_EQ(error["message"].get<std::string>().rfind("rules[1].on: ", 0), 0u) << refused.body;

  // A table declaration that fails is refused whole as well.
  std::string badTable = kPolicy;
  badTable.replace(badTable.find("\"deliverAt\": \"date\""), 19, "\"deliverAt\": \"moment\"");
  refused = call("PUT", path("/policy"), badTable);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(parse(refused)["message"].get<std::string>().find("tables.Order.columns.deliverAt"), std::string::npos)
      << refused.body;

  EXPECT_EQ(call("PUT", path("/policy"), "[1, 2]").status, 400);
  EXPECT_EQ(call("PUT", path("/policy"), "{not json").status, 400);
  EXPECT_EQ(call("GET", path("/policy")).body, kPolicy) << "the last good policy stays in force";
}

TEST_F(PolicyRoutesTest, AdminTokenAndAppAreRequired) {
  for (const auto& [method, rest] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/policy"}, {"PUT", "/policy"}, {"POST", "/explain"}, {"POST", "/policy/test"}}) {
    EXPECT_EQ(call(method, path(rest), "{}", /*admin=*/false).status, 401) << method << " " << rest;
    HttpResult unknown = call(method, "/admin/apps/NO-SUCH-APP" + rest, "{}");
    EXPECT_EQ(unknown.status, 404) << method << " " << rest;
    EXPECT_EQ(parse(unknown)["code"], 2002);
  }
}

// The motivating scenario (DESIGN.md "The problem it solves").
TEST_F(PolicyRoutesTest, CustomersReachRestaurantsOnlyThroughTheService) {
  ASSERT_EQ(call("PUT", path("/policy"), kPolicy).status, 200);
  for (const char* key : {"REST", "JS", "IOS", "ANDROID"}) {
    json e = explain({{"op", "find"}, {"resource", "data:Restaurant"}, {"as", {{"role", "Customer"}}}, {"key", key}});
    EXPECT_EQ(e["decision"], "deny") << key;
    EXPECT_EQ(e["level"], 7) << key;
    EXPECT_EQ(e["levelName"], "default") << key;
    EXPECT_NE(e["principal"].get<std::string>().find("Customer"), std::string::npos) << e.dump();
    EXPECT_NE(e["text"].get<std::string>().find("DENY"), std::string::npos);
  }
  json invoke = explain({{"op", "invoke"},
                         {"resource", "service:CustomerService.getRestaurants"},
                         {"as", {{"role", "Customer"}, {"key", "JS"}}}});
  EXPECT_EQ(invoke["decision"], "grant");
  EXPECT_EQ(invoke["levelName"], "covering pattern");

  json find = explain({{"op", "find"}, {"resource", "data:Restaurant"}, {"as", {{"service", "CustomerService"}}}});
  EXPECT_EQ(find["decision"], "grant") << find.dump();
  EXPECT_EQ(find["principal"], "ServerCodeUser of CustomerService");
  json del = explain({{"op", "delete"}, {"resource", "data:Restaurant"}, {"as", {{"service", "CustomerService"}}}});
  EXPECT_EQ(del["decision"], "deny");
  EXPECT_EQ(del["level"], 8);
  EXPECT_EQ(del["levelName"], "service grants");
}

TEST_F(PolicyRoutesTest, ExplainForUsersOfTheApp) {
  addUser("boris@example.com", "Customer");
  ASSERT_EQ(call("PUT", path("/policy"), kPolicy).status, 200);
  json e = explain({{"op", "find"}, {"resource", "data:Restaurant"}, {"as", {{"user", "boris@example.com"}}}});
  EXPECT_EQ(e["decision"], "deny");
  EXPECT_EQ(e["principal"], "boris@example.com (AuthenticatedUser, RestUser, Customer)");
  // His user rule beats the role grant on data:Menu.
  json menu = explain({{"op", "delete"}, {"resource", "data:Menu"}, {"as", {{"user", "boris@example.com"}}}});
  EXPECT_EQ(menu["decision"], "deny");
  EXPECT_EQ(menu["decidedBy"], "rule");
  EXPECT_EQ(menu["rule"]["index"], 2);
  // Owner policy decides for a signed-in user, narrowed to his rows.
  json order = explain({{"op", "find"}, {"resource", "data:Order"}, {"as", {{"user", "boris@example.com"}}}, {"key", "IOS"}});
  EXPECT_EQ(order["decision"], "grant");
  EXPECT_EQ(order["levelName"], "owner policy");
  EXPECT_TRUE(order["narrowToOwner"].get<bool>());
  // Nobody signed in: no `as`.
  json anonymous = explain({{"op", "find"}, {"resource", "data:Menu"}});
  EXPECT_EQ(anonymous["decision"], "deny");
  // The service called by boris decides as ServerCodeUser all the same.
  json service = explain({{"op", "find"},
                          {"resource", "data:Restaurant"},
                          {"as", {{"service", "CustomerService"}, {"user", "boris@example.com"}}}});
  EXPECT_EQ(service["decision"], "grant");
}

TEST_F(PolicyRoutesTest, ExplainRefusesRequestsItCannotAnswer) {
  ASSERT_EQ(call("PUT", path("/policy"), kPolicy).status, 200);
  auto messageOf = [&](const json& body) {
    json e = explain(body, 400);
    EXPECT_EQ(e["code"], 100600) << e.dump();
    return e["message"].is_string() ? e["message"].get<std::string>() : "";
  };
  EXPECT_EQ(messageOf({{"op", "find"}, {"resource", "data:Restaurant"}, {"as", {{"user", "nobody@example.com"}}}})
                .rfind("as.user: ", 0),
            0u);
  EXPECT_EQ(messageOf({{"op", "read"}, {"resource", "data:Restaurant"}}).rfind("op: ", 0), 0u);
  EXPECT_EQ(messageOf({{"op", "find"}, {"resource", "date:Restaurant"}}).rfind("resource: ", 0), 0u);
  EXPECT_EQ(messageOf({{"op", "find"}, {"resource", "data:Restaurant"}, {"key", "WINDOWS"}}).rfind("key: ", 0), 0u);
  // ServerCodeUser is never a role a request can name.
  EXPECT_NE(messageOf({{"op", "find"}, {"resource", "data:Restaurant"}, {"as", {{"role", "ServerCodeUser"}}}})
                .find("service"),
            std::string::npos);
  EXPECT_EQ(messageOf({{"op", "find"}, {"resource", "data:Restaurant"}, {"as", {{"role", "RestUser"}}}})
                .rfind("as.role: ", 0),
            0u);
  EXPECT_EQ(messageOf({{"op", "find"}, {"resource", "data:Restaurant"}, {"as", {{"role", "Customer"}, {"user", "x@y.z"}}}})
                .rfind("as: ", 0),
            0u);
  EXPECT_EQ(call("POST", path("/explain"), "not json").status, 400);
}

TEST_F(PolicyRoutesTest, PolicyTestsRunAgainstTheAppsUsers) {
  ASSERT_EQ(call("PUT", path("/policy"), kPolicy).status, 200);
  // boris does not exist yet: his tests cannot run.
  HttpResult r = call("POST", path("/policy/test"));
  ASSERT_EQ(r.status, 200) << r.body;
  json out = parse(r);
  EXPECT_EQ(out["passed"], 1) << r.body;  // the service test needs no user
  EXPECT_EQ(out["failed"], 2);
  EXPECT_NE(out["results"][0]["summary"].get<std::string>().find("no user"), std::string::npos) << r.body;

  addUser("boris@example.com", "Customer");
  out = parse(call("POST", path("/policy/test")));
  EXPECT_EQ(out["passed"], 3) << out.dump();
  EXPECT_EQ(out["failed"], 0);
  EXPECT_EQ(out["results"].size(), 3u);
  EXPECT_EQ(out["report"], "3 of 3 policy tests passed\n");

  // A body is tested instead of the policy in force, without applying it.
  std::string wrong = kPolicy;
  size_t at = wrong.find("\"expect\": \"grant\"");
  wrong.replace(at, 17, "\"expect\": \"deny\"");
  r = call("POST", path("/policy/test"), wrong);
  ASSERT_EQ(r.status, 200) << r.body;
  out = parse(r);
  EXPECT_EQ(out["failed"], 1);
  const json& failed = out["results"][1];
  EXPECT_FALSE(failed["passed"].get<bool>());
  EXPECT_EQ(failed["explain"]["decision"], "grant");
  EXPECT_EQ(failed["explain"]["levelName"], "covering pattern");
  EXPECT_TRUE(out["results"][0]["passed"].get<bool>());
  EXPECT_FALSE(out["results"][0].contains("explain")) << "only failures carry their trace";
  EXPECT_NE(out["report"].get<std::string>().find("FAIL tests[1]"), std::string::npos) << out["report"];
  EXPECT_EQ(call("GET", path("/policy")).body, kPolicy);

  HttpResult invalid = call("POST", path("/policy/test"), R"({"rules": [{"grant": ["find"]}]})");
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(parse(invalid)["message"].get<std::string>().rfind("rules[0]", 0), 0u) << invalid.body;
}

}  // namespace
}  // namespace ck::testing
