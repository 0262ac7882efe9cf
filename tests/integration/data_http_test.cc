// The data REST API (runtime/data_routes.h) end to end over HTTP against the
// server core started in-process (issue 5 item 1): the motivating denial (a
// Customer without grants gets 1013 with every key kind), grants that open
// each operation, the save/find/findById/count/remove round trip with where,
// paging and sort in both the body and the query-string forms, owner-policy
// narrowing seen over HTTP (pages and counts), bulk create/update/delete,
// describe, every limit (page size, body size, where length, IN list), bodies
// of the wrong shape, unknown tables, system columns a client cannot set,
// passwords that never leave through data/Users, and the app-info route.

#include <gtest/gtest.h>

#include <concepts>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/http/url.h"
#include "tests/integration/in_process_server.h"

namespace ck::testing {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

const char* const kKinds[] = {"REST", "JS", "IOS", "ANDROID"};

struct TestApp {
  std::string id;
  json keys;  // kind -> key
  // "/<appId>/<key of that kind>"
  std::string base(const std::string& kind = "REST") const { return "/" + id + "/" + keys[kind].get<std::string>(); }
  std::string data(const std::string& rest, const std::string& kind = "REST") const {
    return base(kind) + "/data/" + rest;
  }
};

json parse(const HttpResult& r) { return json::parse(r.body, nullptr, /*allow_exceptions=*/false); }

int codeOf(const HttpResult& r) {
  json body = parse(r);
  return body.is_object() && body.contains("code") && body["code"].is_number() ? body["code"].get<int>() : 0;
}

std::string messageOf(const HttpResult& r) {
  json body = parse(r);
  return body.is_object() && body.contains("message") && body["message"].is_string() ? body["message"].get<std::string>()
                                                                                       : "";
}

// The values of `field` in an array of rows, in order.
template <typename T>
std::vector<T> column(const json& rows, const std::string& field) {
  std::vector<T> out;
  for (const json& row : rows) out.push_back(row.at(field).get<T>());
  return out;
}

class DataHttpTest : public InProcessServerTest {
 protected:
  // Cheap argon2id (the libsodium minimum): these tests register users but never measure logins.
  void configure(runtime::Config& config) override {
    config.passwordOpsLimit = 1;
    config.passwordMemBytes = 8u << 10;
  }

  TestApp createApp(const std::string& name = "shop") {
    HttpResult r = call("POST", "/admin/apps", json{{"name", name}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    json app = parse(r);
    return TestApp{app.value("id", ""), app.value("keys", json::object())};
  }

  void applyPolicy(const TestApp& app, const json& policy) {
    HttpResult r = call("PUT", "/admin/apps/" + app.id + "/policy", policy.dump());
    ASSERT_EQ(r.status, 200) << r.body;
  }

  // A client request: no admin token; `token` as the user-token header.
  HttpResult client(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::string& token = "") {
    Headers headers;
    if (!token.empty()) headers.emplace_back("user-token", token);
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return httpCall(server_->port(), method, target, headers, body, 20'000);
  }
  // The same with a JSON body (exactly a json: a string literal is a raw body).
  template <typename J>
    requires std::same_as<J, json>
  HttpResult client(const std::string& method, const std::string& target, const J& body,
                    const std::string& token = "") {
    return client(method, target, body.dump(), token);
  }

  // Registers a user and logs in; returns {objectId, user-token}.
  std::pair<std::string, std::string> signUp(const TestApp& app, const std::string& email,
                                             const std::string& role = "") {
    HttpResult reg = client("POST", app.base() + "/users/register",
                            json{{"email", email}, {"password", "123123qwe"}});
    EXPECT_EQ(reg.status, 200) << reg.body;
    const std::string id = parse(reg).value("objectId", "");
    if (!role.empty()) {
      HttpResult assigned = call("PUT", "/admin/apps/" + app.id + "/users/" + id + "/roles/" + role);
      EXPECT_EQ(assigned.status, 200) << assigned.body;
    }
    HttpResult in = client("POST", app.base() + "/users/login", json{{"login", email}, {"password", "123123qwe"}});
    EXPECT_EQ(in.status, 200) << in.body;
    return {id, parse(in).value("user-token", "")};
  }

  // Bulk-creates `objects` as the anonymous REST client; returns their ids.
  std::vector<std::string> bulkCreate(const TestApp& app, const std::string& table, const json& objects,
                                      const std::string& token = "") {
    HttpResult r = client("POST", app.data("bulk/" + table), objects, token);
    EXPECT_EQ(r.status, 200) << r.body;
    json ids = parse(r);
    return ids.is_array() ? ids.get<std::vector<std::string>>() : std::vector<std::string>{};
  }
};

// Anonymous clients may do everything on Person (declared: name, age, tags);
// everyone may find on data:* (so unknown tables answer 1009, not 1013).
json openPolicy() {
  return json::parse(R"({
    "rules": [
      { "grant": ["find", "create", "update", "delete", "describe"], "roles": ["NotAuthenticatedUser"], "on": "data:Person" },
      { "grant": ["find", "create"], "roles": ["NotAuthenticatedUser"], "on": "data:*" }
    ],
    "tables": { "Person": { "columns": { "name": "string", "age": "number", "vip": "boolean", "tags": "json" },
                            "indexes": [["age"]] } }
  })");
}

// --- The motivating denial ---

TEST_F(DataHttpTest, CustomerWithoutGrantsIsDeniedEveryDataOperationWithEveryKey) {
  TestApp app = createApp();
  // Anonymous clients may fill Restaurant; Customer has no grant at all.
  applyPolicy(app, json::parse(R"({
    "roles": ["Customer"],
    "rules": [ { "grant": ["find", "create"], "roles": ["NotAuthenticatedUser"], "on": "data:Restaurant" } ],
    "tables": { "Restaurant": { "columns": { "name": "string", "open": "boolean" } } }
  })"));
  std::vector<std::string> ids =
      bulkCreate(app, "Restaurant", json::parse(R"([{"name": "Roma", "open": true}, {"name": "Oslo", "open": false}])"));
  ASSERT_EQ(ids.size(), 2u);
  // The anonymous client itself may find (the grant works).
  EXPECT_EQ(parse(client("POST", app.data("Restaurant/find"), json::object())).size(), 2u);

  auto [customerId, token] = signUp(app, "boris@example.com", "Customer");
  ASSERT_FALSE(token.empty());
  for (const char* kind : kKinds) {
    SCOPED_TRACE(kind);
    const std::string& id = ids[0];
    struct Case {
      const char* method;
      std::string path;
      std::string body;
      int code;
    };
    const Case cases[] = {
        {"POST", "Restaurant/find", R"({"where": "open = true"})", 1013},
        {"GET", "Restaurant?where=open%20%3D%20true", "", 1013},
        {"GET", "Restaurant/" + id, "", 1013},
        {"POST", "Restaurant/count", "{}", 1013},
        {"GET", "Restaurant/count", "", 1013},
        {"PUT", "Restaurant", R"({"name": "Mine"})", 1011},
        {"POST", "Restaurant", R"({"name": "Mine"})", 1011},
        {"PUT", "Restaurant", R"({"objectId": ")" + id + R"(", "name": "Mine"})", 1012},
        {"DELETE", "Restaurant/" + id, "", 1014},
        {"POST", "bulk/Restaurant", R"([{"name": "Mine"}])", 1011},
        {"PUT", "bulk/Restaurant?where=open%3Dtrue", R"({"open": false})", 1012},
        {"POST", "bulk/Restaurant/delete", R"({"where": "open = true"})", 1014},
        {"DELETE", "bulk/Restaurant?where=open%3Dtrue", "", 1014},
        {"GET", "Restaurant/properties", "", 1015},
        // A table that does not exist is denied the same way: no table oracle.
        {"POST", "Nothing/find", "{}", 1013},
    };
    for (const Case& c : cases) {
      HttpResult r = client(c.method, app.data(c.path, kind), c.body, token);
      EXPECT_EQ(r.status, 403) << c.method << " " << c.path << " -> " << r.body;
      EXPECT_EQ(codeOf(r), c.code) << c.method << " " << c.path << " -> " << r.body;
    }
  }
  // Nothing changed.
  EXPECT_EQ(parse(client("POST", app.data("Restaurant/count"), json::object())), json(2));
}

// --- Round trip ---

TEST_F(DataHttpTest, SaveFindFindByIdCountRemoveRoundTrip) {
  TestApp app = createApp();
  applyPolicy(app, openPolicy());

  // Create by PUT (as the SDK saves) and by POST (as the REST docs create).
  HttpResult created = client("PUT", app.data("Person"), json{{"name", "Ann"}, {"age", 30}, {"tags", json::array({"a", "b"})}});
  ASSERT_EQ(created.status, 200) << created.body;
  json ann = parse(created);
  const std::string annId = ann["objectId"];
  EXPECT_EQ(annId.size(), 36u);
  EXPECT_EQ(ann["name"], "Ann");
  EXPECT_EQ(ann["age"], 30);
  EXPECT_EQ(ann["tags"], json::array({"a", "b"}));
  EXPECT_EQ(ann["___class"], "Person");
  EXPECT_TRUE(ann["ownerId"].is_null());  // nobody signed in
  EXPECT_TRUE(ann["created"].is_number());
  EXPECT_TRUE(ann["updated"].is_null());
  HttpResult posted = client("POST", app.data("Person"), json{{"name", "Bob"}, {"age", 40}});
  ASSERT_EQ(posted.status, 200) << posted.body;
  const std::string bobId = parse(posted)["objectId"];

  // Update: the same save with the objectId.
  HttpResult updated = client("PUT", app.data("Person"), json{{"objectId", annId}, {"age", 31}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(parse(updated)["age"], 31);
  EXPECT_EQ(parse(updated)["name"], "Ann");  // untouched properties stay
  EXPECT_TRUE(parse(updated)["updated"].is_number());
  // Updating an object that does not exist is 1000, not a create.
  HttpResult ghost = client("PUT", app.data("Person"), json{{"objectId", "NOPE"}, {"age", 1}});
  EXPECT_EQ(ghost.status, 404);
  EXPECT_EQ(codeOf(ghost), 1000);

  // More rows: ages 0..19 (names p00..p19) through bulk create.
  json many = json::array();
  for (int i = 0; i < 20; ++i) many.push_back({{"name", (i < 10 ? "p0" : "p1") + std::to_string(i % 10)}, {"age", i}});
  ASSERT_EQ(bulkCreate(app, "Person", many).size(), 20u);

  // findById, with and without a selection.
  HttpResult one = client("GET", app.data("Person/" + annId));
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(parse(one)["age"], 31);
  json selected = parse(client("GET", app.data("Person/" + annId + "?property=name&property=age")));
  EXPECT_EQ(selected, json({{"name", "Ann"}, {"age", 31}, {"___class", "Person"}}));
  json excluded = parse(client("GET", app.data("Person/" + annId + "?excludeProps=tags,created")));
  EXPECT_FALSE(excluded.contains("tags"));
  EXPECT_FALSE(excluded.contains("created"));
  EXPECT_EQ(excluded["name"], "Ann");

  // find with where, paging and sort (the SDK's body: arrays joined with commas).
  json page1 = parse(client("POST", app.data("Person/find"),
                            json{{"where", "age < 20"}, {"sortBy", "age desc"}, {"pageSize", 5}, {"offset", 0}}));
  EXPECT_EQ(column<int>(page1, "age"), (std::vector<int>{19, 18, 17, 16, 15}));
  json page2 = parse(client("POST", app.data("Person/find"),
                            json{{"where", "age < 20"}, {"sortBy", json::array({"age desc"})}, {"pageSize", 5}, {"offset", 5}}));
  EXPECT_EQ(column<int>(page2, "age"), (std::vector<int>{14, 13, 12, 11, 10}));
  // Two sort keys, as one string and as an array.
  json byName = parse(client("POST", app.data("Person/find"),
                             json{{"where", "name LIKE 'p%'"}, {"sortBy", "name desc,age"}, {"pageSize", 3}}));
  EXPECT_EQ(column<std::string>(byName, "name"), (std::vector<std::string>{"p19", "p18", "p17"}));
  // props as a comma string; excludeProps as an array.
  json narrow = parse(client("POST", app.data("Person/find"),
                             json{{"where", "age = 3"}, {"props", "name,age"}, {"excludeProps", json::array({"age"})}}));
  EXPECT_EQ(narrow, json::parse(R"([{"name": "p03", "___class": "Person"}])"));
  // The default page is 10 rows in created order; an empty body is a default query.
  EXPECT_EQ(parse(client("POST", app.data("Person/find"), "")).size(), 10u);
  EXPECT_EQ(parse(client("POST", app.data("Person/find"), json{{"pageSize", 100}})).size(), 22u);

  // The query-string form.
  json viaGet = parse(client("GET", app.data("Person?where=" + http::percentEncode("age >= 10 and age < 20") +
                                             "&sortBy=" + http::percentEncode("age desc") + "&pageSize=3&offset=1&props=age")));
  EXPECT_EQ(viaGet, json::parse(R"([{"age": 18, "___class": "Person"}, {"age": 17, "___class": "Person"},
                                     {"age": 16, "___class": "Person"}])"));
  json viaProperty = parse(client("GET", app.data("Person?where=age%3D5&property=name&property=age")));
  EXPECT_EQ(viaProperty, json::parse(R"([{"name": "p05", "age": 5, "___class": "Person"}])"));

  // count, in the body and the query-string forms.
  EXPECT_EQ(parse(client("POST", app.data("Person/count"), json{{"where", "age < 10"}})), json(10));
  EXPECT_EQ(parse(client("POST", app.data("Person/count"), json::object())), json(22));
  EXPECT_EQ(parse(client("GET", app.data("Person/count?where=" + http::percentEncode("age >= 30")))), json(2));
  // distinct with every column (objectId included) changes nothing.
  EXPECT_EQ(parse(client("POST", app.data("Person/count"), json{{"distinct", true}})), json(22));
  EXPECT_EQ(parse(client("POST", app.data("Person/find"), json{{"distinct", true}, {"pageSize", 100}})).size(), 22u);

  // remove.
  HttpResult removed = client("DELETE", app.data("Person/" + bobId));
  ASSERT_EQ(removed.status, 200) << removed.body;
  json deletion = parse(removed);
  ASSERT_TRUE(deletion.is_object());
  EXPECT_TRUE(deletion["deletionTime"].is_number_integer()) << removed.body;
  EXPECT_EQ(deletion.size(), 1u);
  EXPECT_EQ(codeOf(client("GET", app.data("Person/" + bobId))), 1000);
  EXPECT_EQ(codeOf(client("DELETE", app.data("Person/" + bobId))), 1000);
  EXPECT_EQ(parse(client("POST", app.data("Person/count"), json::object())), json(21));
}

TEST_F(DataHttpTest, PropertiesDescribesTheTable) {
  TestApp app = createApp();
  applyPolicy(app, openPolicy());
  HttpResult r = client("GET", app.data("Person/properties"));
  ASSERT_EQ(r.status, 200) << r.body;
  std::set<std::string> names;
  for (const json& c : parse(r)) names.insert(c.at("name").get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"name", "age", "vip", "tags", "objectId", "ownerId", "created", "updated"}));
  for (const json& c : parse(r)) {
    if (c["name"] == "age") {
      EXPECT_EQ(c["type"], "DOUBLE");
    }
    if (c["name"] == "objectId") {
      EXPECT_EQ(c["type"], "STRING_ID");
    }
  }
  // "properties", "count" and "find" are routes, never object ids.
  EXPECT_EQ(client("GET", app.data("Person/count")).body, "0");
}

// --- Owner policy over HTTP ---

TEST_F(DataHttpTest, OwnerPolicyNarrowsPagesCountsAndWrites) {
  TestApp app = createApp();
  applyPolicy(app, json::parse(R"({
    "rules": [ { "grant": ["create"], "roles": ["AuthenticatedUser"], "on": "data:Order" } ],
    "tables": { "Order": { "ownerPolicy": ["find", "update", "delete"], "columns": { "n": "number", "who": "string" } } }
  })"));
  auto [annId, ann] = signUp(app, "ann@example.com");
  auto [bobId, bob] = signUp(app, "bob@example.com");

  // Interleaved: Ann owns 12 rows, Bob 8.
  json annRows = json::array(), bobRows = json::array();
  for (int i = 0; i < 12; ++i) annRows.push_back({{"n", i}, {"who", "ann"}});
  for (int i = 0; i < 8; ++i) bobRows.push_back({{"n", i}, {"who", "bob"}});
  ASSERT_EQ(bulkCreate(app, "Order", bobRows, bob).size(), 8u);
  ASSERT_EQ(bulkCreate(app, "Order", annRows, ann).size(), 12u);
  HttpResult single = client("PUT", app.data("Order"), json{{"n", 100}, {"who", "ann"}}, ann);
  ASSERT_EQ(single.status, 200) << single.body;
  EXPECT_EQ(parse(single)["ownerId"], annId);

  // Pages of Ann's rows: all hers, in order, none skipped or repeated.
  std::vector<int> seen;
  for (int offset = 0; offset < 20; offset += 5) {
    json page = parse(client("POST", app.data("Order/find"),
                             json{{"sortBy", "n"}, {"pageSize", 5}, {"offset", offset}}, ann));
    for (const json& row : page) {
      EXPECT_EQ(row["who"], "ann");
      EXPECT_EQ(row["ownerId"], annId);
      seen.push_back(row["n"].get<int>());
    }
  }
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 100}));
  // The query-string form is narrowed too.
  EXPECT_EQ(parse(client("GET", app.data("Order?pageSize=100"), "", bob)).size(), 8u);

  // Counts are narrowed, with and without where.
  EXPECT_EQ(parse(client("POST", app.data("Order/count"), json::object(), ann)), json(13));
  EXPECT_EQ(parse(client("POST", app.data("Order/count"), json::object(), bob)), json(8));
  EXPECT_EQ(parse(client("POST", app.data("Order/count"), json{{"where", "n < 5"}}, bob)), json(5));
  // Anonymous: owner policy needs a user, and nothing else grants find.
  EXPECT_EQ(codeOf(client("POST", app.data("Order/count"), json::object())), 1013);

  // Bob's row is invisible to Ann and not hers to change or delete.
  json bobsFirst = parse(client("POST", app.data("Order/find"), json{{"pageSize", 1}}, bob));
  ASSERT_EQ(bobsFirst.size(), 1u);
  const std::string bobsId = bobsFirst[0]["objectId"];
  EXPECT_EQ(codeOf(client("GET", app.data("Order/" + bobsId), "", ann)), 1000);
  EXPECT_EQ(codeOf(client("PUT", app.data("Order"), json{{"objectId", bobsId}, {"n", -1}}, ann)), 1012);
  EXPECT_EQ(codeOf(client("DELETE", app.data("Order/" + bobsId), "", ann)), 1014);
  // Bulk writes only reach the caller's rows.
  EXPECT_EQ(parse(client("PUT", app.data("bulk/Order?where=" + http::percentEncode("n < 3")), json{{"who", "x"}}, ann)), json(3));
  EXPECT_EQ(parse(client("POST", app.data("Order/count"), json{{"where", "who = 'x'"}}, bob)), json(0));
  EXPECT_EQ(parse(client("POST", app.data("bulk/Order/delete"), json{{"where", "n < 100"}}, bob)), json(8));
  EXPECT_EQ(parse(client("POST", app.data("Order/count"), json::object(), ann)), json(13));
  // Ann may still delete her own.
  EXPECT_EQ(client("DELETE", app.data("Order/" + parse(single)["objectId"].get<std::string>()), "", ann).status, 200);
}

// --- Bulk ---

TEST_F(DataHttpTest, BulkCreateUpdateDelete) {
  TestApp app = createApp();
  applyPolicy(app, openPolicy());
  json objects = json::array();
  for (int i = 0; i < 30; ++i) objects.push_back({{"name", "b" + std::to_string(i)}, {"age", i}});
  std::vector<std::string> ids = bulkCreate(app, "Person", objects);
  ASSERT_EQ(ids.size(), 30u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 30u);
  EXPECT_EQ(parse(client("GET", app.data("Person/" + ids[7])))["name"], "b7");

  // Update: the count comes back as a bare number.
  HttpResult updated = client("PUT", app.data("bulk/Person?where=" + http::percentEncode("age >= 20")), json{{"vip", true}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.body, "10");
  EXPECT_EQ(parse(client("POST", app.data("Person/count"), json{{"where", "vip = true"}})), json(10));

  // Delete by body (the SDK) and by query string (the REST docs).
  HttpResult deleted = client("POST", app.data("bulk/Person/delete"), json{{"where", "age < 5"}});
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.body, "5");
  // The SDK's form for a list of objects.
  HttpResult byIds =
      client("POST", app.data("bulk/Person/delete"), json{{"where", "objectId in ('" + ids[5] + "','" + ids[6] + "')"}});
  EXPECT_EQ(byIds.body, "2");
  HttpResult byQuery = client("DELETE", app.data("bulk/Person?where=" + http::percentEncode("age >= 25")));
  EXPECT_EQ(byQuery.body, "5");
  EXPECT_EQ(parse(client("POST", app.data("Person/count"), json::object())), json(18));

  // A bulk update or delete without a condition is refused, not applied to every row.
  for (const auto& [method, path, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"PUT", "bulk/Person", R"({"vip": false})"},
           {"PUT", "bulk/Person?where=%20", R"({"vip": false})"},
           {"POST", "bulk/Person/delete", "{}"},
           {"POST", "bulk/Person/delete", R"({"where": ""})"},
           {"DELETE", "bulk/Person", ""},
       }) {
    HttpResult r = client(method, app.data(path), body);
    EXPECT_EQ(r.status, 400) << method << " " << path << " -> " << r.body;
    EXPECT_NE(messageOf(r).find("\"where\" is required"), std::string::npos) << r.body;
  }
  EXPECT_EQ(parse(client("POST", app.data("Person/count"), json{{"where", "vip = false"}})), json(0));
  EXPECT_EQ(parse(client("POST", app.data("Person/count"), json::object())), json(18));

  // Bulk create is all or nothing: one bad object, nothing stored.
  HttpResult mixed = client("POST", app.data("bulk/Person"), json::parse(R"([{"name": "ok"}, {"age": "old"}])"));
  EXPECT_EQ(mixed.status, 400) << mixed.body;
  EXPECT_EQ(codeOf(mixed), 1007);
  EXPECT_EQ(parse(client("POST", app.data("Person/count"), json::object())), json(18));
}

// --- Limits ---

TEST_F(DataHttpTest, EveryLimitIsRefusedClearly) {
  TestApp app = createApp();
  applyPolicy(app, openPolicy());
  ASSERT_EQ(bulkCreate(app, "Person", json::parse(R"([{"name": "a", "age": 1}])")).size(), 1u);

  // Page size: over 100 is 1025 (never clamped), in both forms; below 1 and negative offsets are 400.
  for (const std::string& target : {app.data("Person?pageSize=101"), app.data("Person?pageSize=99999999999999999999")}) {
    HttpResult r = client("GET", target);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(codeOf(r), 1025) << target;
  }
  for (const json& body : {json{{"pageSize", 101}}, json{{"pageSize", 1e30}}}) {
    HttpResult r = client("POST", app.data("Person/find"), body);
    EXPECT_EQ(codeOf(r), 1025) << body.dump() << " -> " << r.body;
  }
  EXPECT_EQ(parse(client("POST", app.data("Person/find"), json{{"pageSize", 100}})).size(), 1u);
  for (const json& body : {json{{"pageSize", 0}}, json{{"pageSize", -1}}, json{{"offset", -1}}}) {
    HttpResult r = client("POST", app.data("Person/find"), body);
    EXPECT_EQ(r.status, 400) << body.dump();
    EXPECT_EQ(codeOf(r), 100600) << body.dump() << " -> " << r.body;
  }
  EXPECT_EQ(codeOf(client("GET", app.data("Person?offset=-5"))), 100600);

  // Body size: 1 MB per data route, bulk too.
  std::string big = R"({"name": ")" + std::string(1024 * 1024, 'x') + R"("})";
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"PUT", "Person"}, {"POST", "Person/find"}, {"POST", "bulk/Person"}, {"PUT", "bulk/Person?where=age%3D1"}}) {
    HttpResult r = client(method, app.data(path), big);
    EXPECT_EQ(r.status, 413) << method << " " << path;
    EXPECT_EQ(codeOf(r), 100413) << method << " " << path;
  }
  // Just under the limit is fine (one string of ~1,000,000 bytes).
  HttpResult near = client("PUT", app.data("Person"), json{{"name", std::string(1000 * 1000, 'y')}});
  EXPECT_EQ(near.status, 200) << near.body.substr(0, 200);

  // Bulk create: at most 100 objects.
  json tooMany = json::array();
  for (int i = 0; i < 101; ++i) tooMany.push_back({{"age", i}});
  HttpResult bulk = client("POST", app.data("bulk/Person"), tooMany);
  EXPECT_EQ(bulk.status, 400) << bulk.body;
  EXPECT_NE(messageOf(bulk).find("at most 100"), std::string::npos) << bulk.body;

  // The where compiler's limits reach the client as 1017: length, IN list, terms.
  std::string longWhere = "name = '" + std::string(9000, 'z') + "'";
  HttpResult tooLong = client("POST", app.data("Person/find"), json{{"where", longWhere}});
  EXPECT_EQ(tooLong.status, 400);
  EXPECT_EQ(codeOf(tooLong), 1017) << tooLong.body;
  std::string in = "age IN (";
  for (int i = 0; i < 1001; ++i) in += (i ? "," : "") + std::to_string(i);
  in += ")";
  HttpResult bigIn = client("POST", app.data("Person/find"), json{{"where", in}});
  EXPECT_EQ(codeOf(bigIn), 1017) << bigIn.body;
  EXPECT_EQ(codeOf(client("POST", app.data("Person/count"), json{{"where", in}})), 1017);
  EXPECT_EQ(codeOf(client("PUT", app.data("bulk/Person?where=" + http::percentEncode("age IN (1,")), json{{"vip", true}})), 1017);
  std::string terms;
  for (int i = 0; i < 300; ++i) terms += (i ? " or " : "") + std::string("age = ") + std::to_string(i);
  EXPECT_EQ(codeOf(client("POST", app.data("Person/find"), json{{"where", terms}})), 1017);
  // A where clause just inside the limits works.
  std::string okIn = "age IN (";
  for (int i = 0; i < 1000; ++i) okIn += (i ? "," : "") + std::to_string(i);
  okIn += ")";
  EXPECT_EQ(parse(client("POST", app.data("Person/count"), json{{"where", okIn}})), json(1));
}

// --- Malformed input ---

TEST_F(DataHttpTest, MalformedBodiesAndParametersNameTheField) {
  TestApp app = createApp();
  applyPolicy(app, openPolicy());

  struct Case {
    std::string method;
    std::string path;
    std::string body;
    int code;
    std::string mentions;  // the message names this
  };
  const std::vector<Case> cases = {
      // find bodies
      {"POST", "Person/find", "not json", 100400, "not valid JSON"},
      {"POST", "Person/find", "[1]", 100400, "JSON object"},
      {"POST", "Person/find", R"({"where": 5})", 100600, "\"where\" must be a string"},
      {"POST", "Person/find", R"({"pageSize": "10"})", 100600, "\"pageSize\" must be a whole number"},
      {"POST", "Person/find", R"({"pageSize": 2.5})", 100600, "\"pageSize\" must be a whole number"},
      {"POST", "Person/find", R"({"offset": true})", 100600, "\"offset\""},
      {"POST", "Person/find", R"({"sortBy": 5})", 100600, "\"sortBy\" must be a string or an array"},
      {"POST", "Person/find", R"({"props": ["name", 1]})", 100600, "\"props\"[1] must be a string"},
      {"POST", "Person/find", R"({"excludeProps": {}})", 100600, "\"excludeProps\""},
      {"POST", "Person/find", R"({"distinct": "yes"})", 100600, "\"distinct\" must be true or false"},
      {"POST", "Person/find", R"({"distinct": true, "props": "name"})", 100600, "\"distinct\" is supported only"},
      {"POST", "Person/find", R"({"distinct": true, "excludeProps": "objectId"})", 100600, "\"distinct\""},
      {"POST", "Person/find", R"({"loadRelations": "owner"})", 100600, "\"loadRelations\" is not supported"},
      {"POST", "Person/find", R"({"relationsDepth": 2})", 100600, "\"relationsDepth\" is not supported"},
      {"POST", "Person/find", R"({"relationsPageSize": 5})", 100600, "\"relationsPageSize\""},
      {"POST", "Person/find", R"({"having": "count(age) > 1"})", 100600, "\"having\" is not supported"},
      {"POST", "Person/find", R"({"groupBy": ["age"]})", 100600, "\"groupBy\" is not supported"},
      {"POST", "Person/find", R"({"props": "nope"})", 1006, "nope"},
      {"POST", "Person/find", R"({"where": "age >"})", 1017, "position"},
      {"POST", "Person/find", R"({"sortBy": "nope desc"})", 1017, "nope"},
      {"POST", "Person/count", R"({"where": []})", 100600, "\"where\" must be a string"},
      {"POST", "Person/count", R"({"groupBy": "age"})", 100600, "\"groupBy\" is not supported"},
      // query strings
      {"GET", "Person?pageSize=ten", "", 100600, "\"pageSize\" must be a whole number"},
      {"GET", "Person?where=age%3D1&where=age%3D2", "", 100600, "\"where\" is sent more than once"},
      {"GET", "Person?pageSize=1&pageSize=2", "", 100600, "more than once"},
      {"GET", "Person?distinct=maybe", "", 100600, "\"distinct\""},
      {"GET", "Person?loadRelations=*", "", 100600, "\"loadRelations\" is not supported"},
      {"GET", "Person?relationsDepth=1", "", 100600, "\"relationsDepth\""},
      {"GET", "Person?groupBy=age", "", 100600, "\"groupBy\""},
      {"GET", "Person/SOMEID?loadRelations=owner", "", 100600, "\"loadRelations\""},
      {"GET", "Person/count?where=age%3D1&where=age%3D2", "", 100600, "more than once"},
      // saves
      {"PUT", "Person", "", 100400, "JSON body"},
      {"PUT", "Person", "{\"name\": ", 100400, "not valid JSON"},
      {"PUT", "Person", "[]", 100400, "JSON object"},
      {"POST", "Person", "\"text\"", 100400, "JSON object"},
      {"PUT", "Person", R"({"objectId": 5})", 100600, "\"objectId\" must be a non-empty string"},
      {"PUT", "Person", R"({"objectId": ""})", 100600, "\"objectId\""},
      {"PUT", "Person", R"({"age": "old"})", 1007, "age"},
      {"PUT", "Person", R"({"color": "red"})", 1021, "color"},  // no dynamic schema under serve
      // bulk
      {"POST", "bulk/Person", R"({"name": "a"})", 100400, "JSON array"},
      {"POST", "bulk/Person", R"([{"name": "a"}, 5])", 100600, "Element [1] must be a JSON object"},
      {"PUT", "bulk/Person?where=age%3D1", "[]", 100400, "JSON object"},
      {"PUT", "bulk/Person?where=age%3D1&where=age%3D2", "{}", 100600, "more than once"},
      {"POST", "bulk/Person/delete", R"({"where": 1})", 100600, "\"where\" must be a string"},
  };
  for (const Case& c : cases) {
    HttpResult r = client(c.method, app.data(c.path), c.body);
    EXPECT_EQ(r.status, 400) << c.method << " " << c.path << " " << c.body << " -> " << r.body;
    EXPECT_EQ(codeOf(r), c.code) << c.method << " " << c.path << " " << c.body << " -> " << r.body;
    EXPECT_NE(messageOf(r).find(c.mentions), std::string::npos)
        << c.method << " " << c.path << " " << c.body << " -> " << r.body;
  }

  // Empty values of unsupported fields, and unknown fields, are accepted (as the SDK sends them).
  for (const char* body : {R"({"loadRelations": "", "relations": [], "relationsDepth": 0, "having": null,
                                "groupBy": [], "distinct": false, "fileReferencePrefix": "x", "whatever": 1})",
                           R"({"relationsPageSize": null, "sortBy": [], "props": [], "excludeProps": ""})"}) {
    HttpResult r = client("POST", app.data("Person/find"), std::string(body));
    EXPECT_EQ(r.status, 200) << body << " -> " << r.body;
  }
  EXPECT_EQ(client("GET", app.data("Person?loadRelations=&relationsDepth=0&whatever=1")).status, 200);
  EXPECT_EQ(parse(client("POST", app.data("Person/count"), json::object())), json(0));
}

// --- Tables and system columns ---

TEST_F(DataHttpTest, UnknownTablesAnswer1009ToThoseAllowedToAsk) {
  TestApp app = createApp();
  applyPolicy(app, openPolicy());  // find and create on data:* for anonymous clients
  for (const auto& [method, path, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"POST", "Nowhere/find", "{}"},
           {"GET", "Nowhere", ""},
           {"GET", "Nowhere/ABC", ""},
           {"POST", "Nowhere/count", "{}"},
           {"PUT", "Nowhere", R"({"a": 1})"},  // no dynamic schema under serve: no new table
           {"POST", "bulk/Nowhere", R"([{"a": 1}])"},
       }) {
    HttpResult r = client(method, app.data(path), body);
    EXPECT_EQ(r.status, 404) << method << " " << path << " -> " << r.body;
    EXPECT_EQ(codeOf(r), 1009) << method << " " << path << " -> " << r.body;
  }
  // Names no table can have: 1009 too, whatever the grants.
  EXPECT_EQ(codeOf(client("POST", app.data("_settings/find"), json::object())), 1009);
  EXPECT_EQ(codeOf(client("POST", app.data("sqlite_master/find"), json::object())), 1009);
  // Unknown app or key: 2002.
  EXPECT_EQ(codeOf(client("POST", "/" + app.id + "/nokey/data/Person/find", json::object())), 2002);
}

TEST_F(DataHttpTest, SystemColumnsSentByTheClientAreIgnored) {
  TestApp app = createApp();
  applyPolicy(app, json::parse(R"({
    "rules": [ { "grant": ["find", "create", "update"], "roles": ["AuthenticatedUser"], "on": "data:Note" } ],
    "tables": { "Note": { "columns": { "text": "string" } } }
  })"));
  auto [userId, token] = signUp(app, "ann@example.com");
  HttpResult r = client("POST", app.data("Note"),
                        json{{"text", "hi"}, {"ownerId", "SOMEONE-ELSE"}, {"created", 5}, {"updated", 6},
                             {"___class", "Other"}},
                        token);
  ASSERT_EQ(r.status, 200) << r.body;
  json note = parse(r);
  EXPECT_EQ(note["ownerId"], userId);
  EXPECT_NE(note["created"], 5);
  EXPECT_TRUE(note["updated"].is_null());
  EXPECT_EQ(note["___class"], "Note");
  // An update cannot move the row to another owner either.
  HttpResult u = client("PUT", app.data("Note"),
                        json{{"objectId", note["objectId"]}, {"text", "bye"}, {"ownerId", "SOMEONE-ELSE"}}, token);
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(parse(u)["ownerId"], userId);
  EXPECT_EQ(parse(u)["text"], "bye");
  // Bulk create: same.
  json ids = parse(client("POST", app.data("bulk/Note"), json::parse(R"([{"text": "x", "ownerId": "Z"}])"), token));
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(parse(client("GET", app.data("Note/" + ids[0].get<std::string>()), "", token))["ownerId"], userId);
}

TEST_F(DataHttpTest, PasswordsNeverLeaveThroughDataUsers) {
  TestApp app = createApp();
  applyPolicy(app, json::parse(R"({
    "rules": [ { "grant": ["find", "describe", "update", "create", "delete"], "roles": ["AuthenticatedUser"], "on": "data:Users" } ]
  })"));
  auto [annId, ann] = signUp(app, "ann@example.com");
  signUp(app, "bob@example.com");

  for (const std::string& target : {app.data("Users/find"), app.data("Users?pageSize=100"),
                                    app.data("Users?props=password"), app.data("Users/" + annId),
                                    app.data("Users/" + annId + "?property=password")}) {
    const bool post = target.find("/find") != std::string::npos;
    HttpResult r = client(post ? "POST" : "GET", target, post ? R"({"props": ["email", "password"]})" : "", ann);
    ASSERT_EQ(r.status, 200) << target << " -> " << r.body;
    EXPECT_EQ(r.body.find("password"), std::string::npos) << target << " -> " << r.body;
    EXPECT_EQ(r.body.find("$argon2"), std::string::npos) << target;
  }
  EXPECT_EQ(parse(client("POST", app.data("Users/count"), json::object(), ann)), json(2));
  // Filtering or sorting on it would be an oracle: 1017.
  EXPECT_EQ(codeOf(client("POST", app.data("Users/find"), json{{"where", "password LIKE '$%'"}}, ann)), 1017);
  EXPECT_EQ(codeOf(client("POST", app.data("Users/count"), json{{"where", "password IS NULL"}}, ann)), 1017);
  EXPECT_EQ(codeOf(client("POST", app.data("Users/find"), json{{"sortBy", "password"}}, ann)), 1017);
  // Users are written through the users API, not the data API.
  EXPECT_EQ(codeOf(client("PUT", app.data("Users"), json{{"objectId", annId}, {"password", "x"}}, ann)), 100600);
  EXPECT_EQ(codeOf(client("POST", app.data("bulk/Users"), json::parse(R"([{"email": "c@example.com"}])"), ann)),
            100600);
}

TEST_F(DataHttpTest, ASignedInUserReadsTheirOwnRecordThroughDataUsers) {
  TestApp app = createApp();  // no policy: nothing is granted on data:Users
  auto [annId, ann] = signUp(app, "ann@example.com");
  auto [bobId, bob] = signUp(app, "bob@example.com");

  // The SDK's getCurrentUser(true) reloads the user this way.
  HttpResult own = client("GET", app.data("Users/" + annId), "", ann);
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(parse(own)["email"], "ann@example.com");
  EXPECT_EQ(parse(own)["objectId"], annId);
  EXPECT_EQ(own.body.find("password"), std::string::npos) << own.body;
  EXPECT_EQ(parse(client("GET", app.data("Users/" + annId + "?property=email"), "", ann)),
            json({{"email", "ann@example.com"}, {"___class", "Users"}}));
  json without = parse(client("GET", app.data("Users/" + annId + "?excludeProps=email,created"), "", ann));
  EXPECT_FALSE(without.contains("email"));
  EXPECT_FALSE(without.contains("created"));
  EXPECT_EQ(without["objectId"], annId);
  EXPECT_EQ(codeOf(client("GET", app.data("Users/" + annId + "?property=nope"), "", ann)), 1006);
  // The password is a column, but never returned.
  EXPECT_EQ(parse(client("GET", app.data("Users/" + annId + "?property=password"), "", ann)),
            json({{"___class", "Users"}}));

  // Anyone else's record follows the rules: none here.
  EXPECT_EQ(codeOf(client("GET", app.data("Users/" + bobId), "", ann)), 1013);
  EXPECT_EQ(codeOf(client("GET", app.data("Users/" + annId))), 1013);
  EXPECT_EQ(codeOf(client("POST", app.data("Users/find"), json::object(), ann)), 1013);
}

// --- App info ---

TEST_F(DataHttpTest, InfoAnswersWhatTheSdkReadsOnInitApp) {
  TestApp app = createApp();
  for (const char* kind : kKinds) {
    HttpResult r = client("GET", app.base(kind) + "/info");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(parse(r), json({{"appId", app.id}, {"loggers", json::array()}}));
  }
  // A stale token is 3064 (the SDK then drops it and asks again without).
  HttpResult stale = client("GET", app.base() + "/info", "", std::string(64, 'a'));
  EXPECT_EQ(stale.status, 401);
  EXPECT_EQ(codeOf(stale), 3064);
  auto [id, token] = signUp(app, "ann@example.com");
  EXPECT_EQ(client("GET", app.base() + "/info", "", token).status, 200);
  EXPECT_EQ(codeOf(client("GET", "/" + app.id + "/wrong/info")), 2002);
}

}  // namespace
}  // namespace ck::testing
