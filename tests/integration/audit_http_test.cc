// The audit log through the real server core: admin changes (app create,
// policy apply, code install) and the elevated data access of service code
// invoked over the admin API, read back from GET /admin/apps/<id>/audit
// with both principals and the deciding rule.

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "tests/integration/in_process_server.h"

namespace ck::testing {
namespace {

using nlohmann::json;

constexpr const char* kPolicy = R"({
  "name": "shop",
  "tables": { "Restaurant": { "columns": { "name": "string" } } },
  "services": { "CustomerService": { "grants": [ { "ops": ["find"], "on": "data:Restaurant" } ] } }
})";

constexpr const char* kCode = R"({
  "files": { "main.js": "exports.find = () => Host.call('data.find', { table: 'Restaurant' });\nexports.count = () => Host.call('data.count', { table: 'Restaurant' }).catch((e) => e.code);\nexports.add = () => Host.call('data.save', { table: 'Restaurant', object: { name: 'x' } }).catch((e) => e.code);" },
  "entries": ["main.js"]
})";

json parse(const HttpResult& r) { return json::parse(r.body, nullptr, /*allow_exceptions=*/false); }

class AuditHttpTest : public InProcessServerTest {};

TEST_F(AuditHttpTest, AdminChangesAndElevatedAccessAreRecorded) {
  HttpResult created = call("POST", "/admin/apps", R"({"name": "shop"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string app = "/admin/apps/" + parse(created)["id"].get<std::string>();
  ASSERT_EQ(call("PUT", app + "/policy", kPolicy).status, 200);
  ASSERT_EQ(call("POST", app + "/code", kCode).status, 200);

  HttpResult found = call("POST", app + "/invoke/find?service=CustomerService", "[]");
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(parse(found)["value"], json::array());
  // The service's grants allow find only: a create is refused, and audited.
  HttpResult added = call("POST", app + "/invoke/add?service=CustomerService", "[]");
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_EQ(parse(added)["value"], 1011);

  HttpResult audit = call("GET", app + "/audit");
  ASSERT_EQ(audit.status, 200) << audit.body;
  json entries = parse(audit)["entries"];
  auto findEntry = [&](const std::string& channel, const std::string& op) -> json {
    for (const json& e : entries) {
      if (e["channel"] == channel && e["op"] == op) return e;
    }
    return nullptr;
  };
  for (const char* op : {"app.create", "policy.apply", "code.install"}) {
    json e = findEntry("admin", op);
    ASSERT_FALSE(e.is_null()) << op << " missing in " << audit.body;
    EXPECT_EQ(e["principal"], "admin");
    EXPECT_FALSE(e["requestId"].get<std::string>().empty());
  }
  json find = findEntry("service", "find");
  ASSERT_FALSE(find.is_null()) << audit.body;
  EXPECT_EQ(find["allowed"], true);
  EXPECT_EQ(find["service"], "CustomerService");
  EXPECT_EQ(find["resource"], "data:Restaurant");
  EXPECT_NE(find["principal"].get<std::string>().find("ServerCodeUser of CustomerService"), std::string::npos);
  json create = findEntry("service", "create");
  ASSERT_FALSE(create.is_null()) << audit.body;
  EXPECT_EQ(create["allowed"], false);
  EXPECT_FALSE(create["rule"].get<std::string>().empty());

  // Nothing secret: the admin token never appears in the log it reads back.
  EXPECT_EQ(audit.body.find(token_), std::string::npos);
}

TEST_F(AuditHttpTest, CodeThatNamesNoServiceCannotReachData) {
  HttpResult created = call("POST", "/admin/apps", R"({"name": "shop"})");
  const std::string app = "/admin/apps/" + parse(created)["id"].get<std::string>();
  ASSERT_EQ(call("PUT", app + "/policy", kPolicy).status, 200);
  ASSERT_EQ(call("POST", app + "/code", kCode).status, 200);
  HttpResult r = call("POST", app + "/invoke/count", "[]");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r)["value"], 100600);
  HttpResult bad = call("POST", app + "/invoke/count?service=not%20a%20name", "[]");
  EXPECT_EQ(bad.status, 400) << bad.body;
}

}  // namespace
}  // namespace ck::testing
