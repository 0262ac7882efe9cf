// DataService: every data operation goes through the access layer. The
// motivating scenario (a Customer denied the table with every key), owner
// policy narrowed in SQL (paging and counts stay right, other users' rows
// are invisible or refused), a level-2 grant overriding owner policy, system
// columns set by the host, Users' password never read and Users never
// written, dev-mode denial messages, and the audit of admin writes committed
// with the write. Service code's paths (ServerCodeUser, which only Invoker
// can make) are exercised end to end in invoker_data_test.cc.
#include "services/data.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "services/users.h"
#include "storage/app_store.h"
#include "storage/sqlite.h"
#include "storage/test_temp_dir.h"

namespace ck::services {
namespace {

using nlohmann::json;

BoundPolicy bound(const std::string& text) {
  Result<Policy> p = parsePolicy(text);
  if (!p.ok()) ADD_FAILURE() << text << "\n -> " << p.status().message();
  return bindPolicy(p.ok() ? std::move(p).value() : Policy{},
                    [](std::string_view) -> std::optional<std::string> { return std::nullopt; });
}

Principal client(ClientIdentity identity) {
  Result<Principal> p = Principal::client(std::move(identity));
  EXPECT_TRUE(p.ok()) << p.status().message();
  return std::move(p).value();
}
Principal user(const std::string& id, std::vector<std::string> roles = {}, ClientKind key = ClientKind::kRest) {
  return client({key, true, PrincipalUser{id, id + "@example.com"}, std::move(roles)});
}
Principal anonymous(ClientKind key = ClientKind::kRest) { return client({key, false, std::nullopt, {}}); }

std::set<std::string> idsOf(const json& rows) {
  std::set<std::string> ids;
  for (const json& row : rows) ids.insert(row.at("objectId").get<std::string>());
  return ids;
}

class DataTest : public ::testing::Test {
 protected:
  DataTest() {
    storage::AppStore::open(tmp_.path());
    db_ = std::make_unique<storage::Database>(tmp_.file("app.db"));
    tables_ = std::make_unique<storage::TableStore>(*db_);
    audit_ = std::make_unique<AuditLog>(tmp_.file("app.db"), AuditConfig{}, clock_, log_);
    setPolicy("{}");
  }

  void setPolicy(const std::string& text) { policy_ = std::make_unique<BoundPolicy>(bound(text)); }
  DataService data() { return DataService(DataEnv{*db_, *tables_, *policy_, *audit_, clock_, random_, dynamic_}); }

  // A table with columns name (string) and n (number).
  void declare(const std::string& table) {
    Status s =
        tables_->declareTable(table, {{"name", storage::ValueType::kString}, {"n", storage::ValueType::kNumber}});
    ASSERT_TRUE(s.ok()) << s.message();
  }
  // A row owned by `owner` (none when empty), straight into the store.
  std::string seed(const std::string& table, const std::string& owner, json object) {
    storage::WriteContext ctx;
    ctx.objectId = newGuid(random_);
    if (!owner.empty()) ctx.ownerId = owner;
    clock_.advanceMs(1);
    ctx.nowMs = clock_.nowMs();
    Result<json> row = tables_->create(table, object, ctx);
    EXPECT_TRUE(row.ok()) << row.status().message();
    return ctx.objectId;
  }
  int64_t countAll(const std::string& table) {
    Result<int64_t> n = tables_->count(table, "");
    EXPECT_TRUE(n.ok()) << n.status().message();
    return n.ok() ? *n : -1;
  }

  storage::TempDir tmp_;
  FakeClock clock_;
  SystemRandom random_;
  MemoryLogger log_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::TableStore> tables_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<BoundPolicy> policy_;
  bool dynamic_ = false;
  CallInfo call_;
};

// Each operation with the code its denial answers.
struct OpCase {
  const char* name;
  ErrorCode denied;
  std::function<Status(DataService&, const Principal&, const CallInfo&, const std::string& table)> run;
};

std::vector<OpCase> everyOperation(const std::string& objectId) {
  return {
      {"find", ErrorCode::kNoPermissionFind,
       [](DataService& d, const Principal& p, const CallInfo& c, const std::string& t) {
         return d.find(p, c, t, {}).status();
       }},
      {"findById", ErrorCode::kNoPermissionFind,
       [objectId](DataService& d, const Principal& p, const CallInfo& c, const std::string& t) {
         return d.findById(p, c, t, objectId).status();
       }},
      {"count", ErrorCode::kNoPermissionFind,
       [](DataService& d, const Principal& p, const CallInfo& c, const std::string& t) {
         return d.count(p, c, t, "").status();
       }},
      {"create", ErrorCode::kNoPermissionCreate,
       [](DataService& d, const Principal& p, const CallInfo& c, const std::string& t) {
         return d.create(p, c, t, {{"name", "x"}}).status();
       }},
      {"update", ErrorCode::kNoPermissionUpdate,
       [objectId](DataService& d, const Principal& p, const CallInfo& c, const std::string& t) {
         return d.update(p, c, t, objectId, {{"name", "y"}}).status();
       }},
      {"remove", ErrorCode::kNoPermissionDelete,
       [objectId](DataService& d, const Principal& p, const CallInfo& c, const std::string& t) {
         return d.remove(p, c, t, objectId).status();
       }},
      {"bulkCreate", ErrorCode::kNoPermissionCreate,
       [](DataService& d, const Principal& p, const CallInfo& c, const std::string& t) {
         return d.bulkCreate(p, c, t, json::array({{{"name", "x"}}})).status();
       }},
      {"bulkUpdate", ErrorCode::kNoPermissionUpdate,
       [](DataService& d, const Principal& p, const CallInfo& c, const std::string& t) {
         return d.bulkUpdate(p, c, t, "", {{"name", "y"}}).status();
       }},
      {"bulkDelete", ErrorCode::kNoPermissionDelete,
       [](DataService& d, const Principal& p, const CallInfo& c, const std::string& t) {
         return d.bulkDelete(p, c, t, "").status();
       }},
      {"describe", ErrorCode::kNoPermissionDescribe,
       [](DataService& d, const Principal& p, const CallInfo& c, const std::string& t) {
         return d.describe(p, c, t).status();
       }},
  };
}

constexpr const char* kRestaurants = R"({
  "roles": ["Customer"],
  "rules": [{"grant": ["invoke"], "roles": ["Customer"], "on": "service:CustomerService"}],
  "services": {"CustomerService": {"grants": [{"ops": ["find"], "on": "data:Restaurant"}]}}
})";

TEST_F(DataTest, CustomerIsDeniedTheTableWithEveryKey) {
  setPolicy(kRestaurants);
  declare("Restaurant");
  const std::string id = seed("Restaurant", "", {{"name", "Alfa"}});
  DataService d = data();
  for (ClientKind key : kAllClientKinds) {
    const Principal customer = user("U1", {"Customer"}, key);
    for (const OpCase& op : everyOperation(id)) {
      // A table that does not exist answers the same: a denial reveals nothing.
      for (const std::string table : {"Restaurant", "Nowhere"}) {
        Status s = op.run(d, customer, call_, table);
        EXPECT_EQ(s.code(), op.denied) << clientKindName(key) << " " << op.name << " " << table << ": " << s.message();
        EXPECT_EQ(s.message(), errorInfo(op.denied).defaultMessage);
      }
    }
  }
  EXPECT_EQ(countAll("Restaurant"), 1);
  // The admin reaches it.
  Result<json> rows = d.find(Principal::admin(), call_, "Restaurant", {});
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(rows->size(), 1u);
}

TEST_F(DataTest, NamesNoTableCanHaveAreUnknownWhoeverAsks) {
  declare("Restaurant");
  DataService d = data();
  for (const Principal& who : {anonymous(), user("U1"), Principal::admin()}) {
    for (const OpCase& op : everyOperation("X")) {
      for (const std::string table : {"_audit", "_settings", "sqlite_master", "1x", "", "a-b"}) {
        EXPECT_EQ(op.run(d, who, call_, table).code(), ErrorCode::kUnknownTable)
            << who.describe() << " " << op.name << " '" << table << "'";
      }
    }
  }
  // A valid name that names no table: unknown to whoever may look.
  EXPECT_EQ(d.find(Principal::admin(), call_, "Nowhere", {}).status().code(), ErrorCode::kUnknownTable);
  EXPECT_EQ(d.find(Principal::admin(), call_, "restaurant", {}).status().code(), ErrorCode::kUnknownTable);
}

constexpr const char* kOwnerPolicy =
    R"({"tables": {"Order": {"ownerPolicy": ["find", "create", "update", "delete"]}}})";

class OwnerPolicyTest : public DataTest {
 protected:
  OwnerPolicyTest() {
    setPolicy(kOwnerPolicy);
    declare("Order");
    // U1 owns 5 rows, U2 7, U3 3; one row has no owner.
    const std::pair<const char*, int> owners[] = {{"U1", 5}, {"U2", 7}, {"U3", 3}};
    for (int round = 0; round < 7; ++round) {  // interleaved, so narrowing must skip rows
      for (const auto& [owner, n] : owners) {
        if (round < n) rows_[owner].push_back(seed("Order", owner, {{"name", "item"}, {"n", round}}));
      }
    }
    seed("Order", "", {{"name", "orphan"}, {"n", 0}});
  }
  std::map<std::string, std::vector<std::string>> rows_;
};

TEST_F(OwnerPolicyTest, FindAndCountSeeOnlyOwnRows) {
  DataService d = data();
  for (const auto& [owner, ids] : rows_) {
    Result<json> rows = d.find(user(owner), call_, "Order", {.pageSize = 100});
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    EXPECT_EQ(idsOf(*rows), std::set<std::string>(ids.begin(), ids.end())) << owner;
    for (const json& row : *rows) EXPECT_EQ(row["ownerId"], owner);
    Result<int64_t> n = d.count(user(owner), call_, "Order", "");
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, static_cast<int64_t>(ids.size())) << owner;
    // The where clause and the narrowing combine.
    Result<int64_t> some = d.count(user(owner), call_, "Order", "n >= 3");
    ASSERT_TRUE(some.ok()) << some.status().message();
    EXPECT_EQ(*some, std::max<int64_t>(0, static_cast<int64_t>(ids.size()) - 3)) << owner;
  }
  // Anyone signed in who owns nothing sees nothing.
  Result<json> none = d.find(user("U9"), call_, "Order", {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // Owner policy is for signed-in users only.
  EXPECT_EQ(d.find(anonymous(), call_, "Order", {}).status().code(), ErrorCode::kNoPermissionFind);
}

TEST_F(OwnerPolicyTest, PagingIsNarrowedInSql) {
  DataService d = data();
  const std::vector<std::string>& mine = rows_["U2"];  // 7 rows among 16
  std::vector<std::string> paged;
  for (int64_t offset = 0; offset < 9; offset += 3) {
    Result<json> page = d.find(user("U2"), call_, "Order", {.pageSize = 3, .offset = offset});
    ASSERT_TRUE(page.ok()) << page.status().message();
    EXPECT_EQ(page->size(), offset == 6 ? 1u : 3u) << offset;
    for (const json& row : *page) paged.push_back(row["objectId"]);
  }
  // In the default order (created): the rows in the order they were seeded.
  EXPECT_EQ(paged, mine);
  Result<json> past = d.find(user("U2"), call_, "Order", {.pageSize = 3, .offset = 7});
  ASSERT_TRUE(past.ok());
  EXPECT_TRUE(past->empty());
  // Sorted descending by n, second page.
  Result<json> sorted = d.find(user("U2"), call_, "Order", {.sortBy = {"n desc"}, .pageSize = 2, .offset = 2});
  ASSERT_TRUE(sorted.ok()) << sorted.status().message();
  ASSERT_EQ(sorted->size(), 2u);
  EXPECT_EQ((*sorted)[0]["n"], 4);
  EXPECT_EQ((*sorted)[1]["n"], 3);
}

TEST_F(OwnerPolicyTest, AnotherUsersRowIsNotFoundAndCannotBeChanged) {
  DataService d = data();
  const std::string mine = rows_["U1"][0];
  const std::string theirs = rows_["U2"][0];

  Result<json> own = d.findById(user("U1"), call_, "Order", mine);
  ASSERT_TRUE(own.ok()) << own.status().message();
  EXPECT_EQ((*own)["ownerId"], "U1");
  EXPECT_EQ(d.findById(user("U1"), call_, "Order", theirs).status().code(), ErrorCode::kEntityNotFound);
  EXPECT_EQ(d.findById(user("U1"), call_, "Order", "NO-SUCH-ID").status().code(), ErrorCode::kEntityNotFound);

  EXPECT_EQ(d.update(user("U1"), call_, "Order", theirs, {{"name", "mine now"}}).status().code(),
            ErrorCode::kNoPermissionUpdate);
  EXPECT_EQ(d.remove(user("U1"), call_, "Order", theirs).status().code(), ErrorCode::kNoPermissionDelete);
  EXPECT_EQ(d.update(user("U1"), call_, "Order", "NO-SUCH-ID", {{"name", "x"}}).status().code(),
            ErrorCode::kEntityNotFound);
  EXPECT_EQ(d.remove(user("U1"), call_, "Order", "NO-SUCH-ID").status().code(), ErrorCode::kEntityNotFound);
  // A row without an owner belongs to no user.
  Result<json> orphan = tables_->find("Order", {.where = "name = 'orphan'"});
  ASSERT_TRUE(orphan.ok());
  ASSERT_EQ(orphan->size(), 1u);
  EXPECT_EQ(d.remove(user("U1"), call_, "Order", (*orphan)[0]["objectId"].get<std::string>()).status().code(),
            ErrorCode::kNoPermissionDelete);

  Result<json> theirRow = tables_->findById("Order", theirs);
  ASSERT_TRUE(theirRow.ok());
  EXPECT_EQ((*theirRow)["name"], "item");

  Result<json> updated = d.update(user("U1"), call_, "Order", mine, {{"name", "changed"}});
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_EQ((*updated)["name"], "changed");
  Result<int64_t> removed = d.remove(user("U1"), call_, "Order", mine);
  ASSERT_TRUE(removed.ok()) << removed.status().message();
  EXPECT_EQ(*removed, clock_.nowMs());
  EXPECT_EQ(tables_->findById("Order", mine).status().code(), ErrorCode::kEntityNotFound);
}

TEST_F(OwnerPolicyTest, BulkWritesTouchOnlyOwnRows) {
  DataService d = data();
  Result<int64_t> updated = d.bulkUpdate(user("U2"), call_, "Order", "", {{"name", "bulk"}});
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_EQ(*updated, 7);
  Result<int64_t> bulkNamed = tables_->count("Order", "name = 'bulk'");
  EXPECT_EQ(*bulkNamed, 7);
  Result<int64_t> ofU2 = tables_->count("Order", "name = 'bulk'", std::string("U2"));
  EXPECT_EQ(*ofU2, 7);

  Result<int64_t> deleted = d.bulkDelete(user("U1"), call_, "Order", "");
  ASSERT_TRUE(deleted.ok()) << deleted.status().message();
  EXPECT_EQ(*deleted, 5);
  EXPECT_EQ(countAll("Order"), 16 - 5);
  EXPECT_EQ(*tables_->count("Order", "", std::string("U1")), 0);
  EXPECT_EQ(*tables_->count("Order", "", std::string("U2")), 7);
  EXPECT_EQ(*tables_->count("Order", "", std::string("U3")), 3);

  // With a where clause, still only own rows.
  Result<int64_t> some = d.bulkDelete(user("U3"), call_, "Order", "n >= 1");
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(*some, 2);
  EXPECT_EQ(countAll("Order"), 16 - 5 - 2);
}

TEST_F(OwnerPolicyTest, AnExactGrantDecidesWithoutNarrowing) {
  setPolicy(R"({"rules": [{"grant": ["find"], "roles": ["AuthenticatedUser"], "on": "data:Order"}],
                "tables": {"Order": {"ownerPolicy": ["find", "create", "update", "delete"]}}})");
  DataService d = data();
  Result<json> rows = d.find(user("U1"), call_, "Order", {.pageSize = 100});
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(rows->size(), 16u);
  Result<int64_t> n = d.count(user("U1"), call_, "Order", "");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 16);
  Result<json> theirs = d.findById(user("U1"), call_, "Order", rows_["U2"][0]);
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  EXPECT_EQ((*theirs)["ownerId"], "U2");
  // The grant is for find only: owner policy still decides the writes.
  EXPECT_EQ(d.update(user("U1"), call_, "Order", rows_["U2"][0], {{"name", "x"}}).status().code(),
            ErrorCode::kNoPermissionUpdate);
  Result<int64_t> deleted = d.bulkDelete(user("U1"), call_, "Order", "");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 5);
}

TEST_F(OwnerPolicyTest, TheHostSetsTheSystemColumns) {
  DataService d = data();
  Result<json> created = d.create(user("U1"), call_, "Order",
                                  {{"name", "new"},
                                   {"ownerId", "U2"},
                                   {"objectId", "MY-OWN-ID"},
                                   {"created", 5},
                                   {"updated", 6},
                                   {"___class", "Other"}});
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ((*created)["ownerId"], "U1");
  EXPECT_NE((*created)["objectId"], "MY-OWN-ID");
  EXPECT_EQ((*created)["objectId"].get<std::string>().size(), 36u);
  EXPECT_EQ((*created)["created"], clock_.nowMs());
  EXPECT_EQ((*created)["updated"], nullptr);
  EXPECT_EQ((*created)["___class"], "Order");
  const std::string id = (*created)["objectId"];

  clock_.advanceMs(10);
  Result<json> updated = d.update(user("U1"), call_, "Order", id, {{"name", "renamed"}, {"ownerId", "U2"}});
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_EQ((*updated)["ownerId"], "U1");
  EXPECT_EQ((*updated)["updated"], clock_.nowMs());
  Result<int64_t> bulk = d.bulkUpdate(user("U1"), call_, "Order", "", {{"ownerId", "U2"}, {"n", 9}});
  ASSERT_TRUE(bulk.ok()) << bulk.status().message();
  EXPECT_EQ(*tables_->count("Order", "", std::string("U1")), 6);

  Result<std::vector<std::string>> many =
      d.bulkCreate(user("U3"), call_, "Order", json::array({{{"name", "a"}, {"ownerId", "U1"}}, {{"name", "b"}}}));
  ASSERT_TRUE(many.ok()) << many.status().message();
  ASSERT_EQ(many->size(), 2u);
  for (const std::string& created_id : *many) EXPECT_EQ((*tables_->findById("Order", created_id))["ownerId"], "U3");
}

TEST_F(DataTest, CreatesWithoutAUserHaveNoOwner) {
  setPolicy(R"({"rules": [{"grant": ["create"], "roles": ["NotAuthenticatedUser"], "on": "data:Order"}]})");
  declare("Order");
  DataService d = data();
  Result<json> anon = d.create(anonymous(ClientKind::kJs), call_, "Order", {{"name", "a"}, {"ownerId", "U1"}});
  ASSERT_TRUE(anon.ok()) << anon.status().message();
  EXPECT_EQ((*anon)["ownerId"], nullptr);
  Result<json> admin = d.create(Principal::admin(), call_, "Order", {{"name", "b"}});
  ASSERT_TRUE(admin.ok()) << admin.status().message();
  EXPECT_EQ((*admin)["ownerId"], nullptr);
}

TEST_F(DataTest, NewColumnsFromClientsOnlyWithDynamicSchema) {
  setPolicy(R"({"rules": [{"grant": ["create"], "roles": ["AuthenticatedUser"], "on": "data:*"}]})");
  declare("Order");
  EXPECT_EQ(data().create(user("U1"), call_, "Order", {{"color", "red"}}).status().code(),
            ErrorCode::kNoSuchProperties);
  EXPECT_EQ(data().create(user("U1"), call_, "Fresh", {{"color", "red"}}).status().code(), ErrorCode::kUnknownTable);
  // The admin adds columns whatever the setting.
  EXPECT_TRUE(data().create(Principal::admin(), call_, "Order", {{"color", "red"}}).ok());
  dynamic_ = true;
  EXPECT_TRUE(data().create(user("U1"), call_, "Order", {{"size", 3}}).ok());
  EXPECT_TRUE(data().create(user("U1"), call_, "Fresh", {{"color", "red"}}).ok());
}

class UsersTableTest : public DataTest {
 protected:
  UsersTableTest() {
    throttle_ = std::make_unique<LoginThrottle>(LoginThrottleConfig{}, clock_);
    UsersConfig config;
    config.password = {1, 8u << 10};
    users_ = std::make_unique<Users>(*db_, clock_, random_, *throttle_, config);
    for (const char* email : {"ann@example.com", "boris@example.com"}) {
      Result<json> r = users_->registerUser({{"email", email}, {"password", "secret pw"}, {"name", "N"}});
      EXPECT_TRUE(r.ok()) << r.status().message();
      ids_.push_back(r.ok() ? (*r)["objectId"].get<std::string>() : "");
    }
  }
  std::unique_ptr<LoginThrottle> throttle_;
  std::unique_ptr<Users> users_;
  std::vector<std::string> ids_;
};

TEST_F(UsersTableTest, PasswordIsNeverRead) {
  setPolicy(R"({"rules": [{"grant": ["find", "describe"], "roles": ["AuthenticatedUser"], "on": "data:Users"}]})");
  DataService d = data();
  // The hash is there, in the table.
  ASSERT_TRUE((*tables_->findById("Users", ids_[0])).contains("password"));
  for (const Principal& who : {user(ids_[0]), Principal::admin()}) {
    const std::string w = who.describe();
    Result<json> all = d.find(who, call_, "Users", {});
    ASSERT_TRUE(all.ok()) << w << ": " << all.status().message();
    ASSERT_EQ(all->size(), 2u) << w;
    for (const json& row : *all) {
      EXPECT_FALSE(row.contains("password")) << w;
      EXPECT_TRUE(row.contains("email")) << w;
    }
    Result<json> asked = d.find(who, call_, "Users", {.props = {"password", "email"}});
    ASSERT_TRUE(asked.ok()) << w << ": " << asked.status().message();
    for (const json& row : *asked) EXPECT_FALSE(row.contains("password")) << w;
    Result<json> one = d.findById(who, call_, "Users", ids_[1], {.props = {"password"}});
    ASSERT_TRUE(one.ok()) << w << ": " << one.status().message();
    EXPECT_FALSE(one->contains("password")) << w;
    Result<json> byId = d.findById(who, call_, "Users", ids_[1]);
    ASSERT_TRUE(byId.ok());
    EXPECT_FALSE(byId->contains("password")) << w;
    // Filtering or sorting on it would be an oracle for the hash.
    EXPECT_EQ(d.find(who, call_, "Users", {.where = "password LIKE '$argon2%'"}).status().code(),
              ErrorCode::kInvalidWhere)
        << w;
    EXPECT_EQ(d.find(who, call_, "Users", {.sortBy = {"password"}}).status().code(), ErrorCode::kInvalidWhere) << w;
    EXPECT_EQ(d.count(who, call_, "Users", "password IS NOT NULL").status().code(), ErrorCode::kInvalidWhere) << w;
    Result<int64_t> n = d.count(who, call_, "Users", "email LIKE '%example.com'");
    ASSERT_TRUE(n.ok()) << n.status().message();
    EXPECT_EQ(*n, 2);
    // Describe shows the column, never a value.
    Result<json> schema = d.describe(who, call_, "Users");
    ASSERT_TRUE(schema.ok()) << schema.status().message();
    EXPECT_NE(schema->dump().find("\"password\""), std::string::npos);
    EXPECT_EQ(schema->dump().find("argon2"), std::string::npos);
  }
}

TEST_F(UsersTableTest, OwnerPolicyOnUsersShowsOwnRecord) {
  setPolicy(R"({"tables": {"Users": {"ownerPolicy": ["find"]}}})");
  Result<json> rows = data().find(user(ids_[1]), call_, "Users", {});
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0]["objectId"], ids_[1]);
  EXPECT_FALSE((*rows)[0].contains("password"));
}

TEST_F(UsersTableTest, DataApiNeverWritesUsers) {
  DataService d = data();
  // Denied first: without a grant, the permission error.
  for (const OpCase& op : everyOperation(ids_[0])) {
    EXPECT_EQ(op.run(d, user(ids_[0]), call_, "Users").code(), op.denied) << op.name;
  }
  setPolicy(R"({"rules": [{"grant": ["find", "create", "update", "delete"], "roles": ["AuthenticatedUser"],
                           "on": "data:Users"}]})");
  DataService granted = data();
  for (const Principal& who : {user(ids_[0]), Principal::admin()}) {
    for (const OpCase& op : everyOperation(ids_[0])) {
      std::string name = op.name;
      if (name == "find" || name == "findById" || name == "count" || name == "describe") continue;
      Status s = op.run(granted, who, call_, "Users");
      EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << who.describe() << " " << name << ": " << s.message();
    }
  }
  EXPECT_EQ(countAll("Users"), 2);
  Result<json> ann = users_->findById(ids_[0]);
  ASSERT_TRUE(ann.ok());
  EXPECT_EQ((*ann)["name"], "N");
}

TEST_F(DataTest, DevModeDenialsNameTheRule) {
  setPolicy(R"({"roles": ["Customer"],
                "rules": [{"deny": ["find", "delete"], "roles": ["Customer"], "on": "data:Restaurant"}]})");
  declare("Restaurant");
  const std::string id = seed("Restaurant", "", {{"name", "Alfa"}});
  DataService d = data();
  CallInfo dev;
  dev.devMode = true;

  Status plain = d.find(user("U1", {"Customer"}), call_, "Restaurant", {}).status();
  EXPECT_EQ(plain.code(), ErrorCode::kNoPermissionFind);
  EXPECT_EQ(plain.message(), "No permission to find");

  Status named = d.find(user("U1", {"Customer"}), dev, "Restaurant", {}).status();
  EXPECT_EQ(named.code(), ErrorCode::kNoPermissionFind);
  EXPECT_NE(named.message().find("level 2"), std::string::npos) << named.message();
  EXPECT_NE(named.message().find("exact resource"), std::string::npos) << named.message();
  EXPECT_NE(named.message().find(R"("deny":["find","delete"])"), std::string::npos) << named.message();

  Status removal = d.remove(user("U1", {"Customer"}), dev, "Restaurant", id).status();
  EXPECT_EQ(removal.code(), ErrorCode::kNoPermissionDelete);
  EXPECT_NE(removal.message().find("data:Restaurant"), std::string::npos) << removal.message();

  // The default denial names the default.
  Status byDefault = d.create(user("U1", {"Customer"}), dev, "Restaurant", {{"name", "x"}}).status();
  EXPECT_EQ(byDefault.code(), ErrorCode::kNoPermissionCreate);
  EXPECT_NE(byDefault.message().find("default"), std::string::npos) << byDefault.message();
}

TEST_F(DataTest, DescribeAnswersTheSchema) {
  declare("Menu");
  Result<json> schema = data().describe(Principal::admin(), call_, "Menu");
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  std::map<std::string, std::string> types;
  for (const json& c : *schema) {
    types[c["name"]] = c["type"];
    EXPECT_EQ(c["required"], false);
    EXPECT_TRUE(c.contains("defaultValue"));
    EXPECT_EQ(c["isPrimaryKey"], c["name"] == "objectId");
  }
  EXPECT_EQ(types, (std::map<std::string, std::string>{{"name", "STRING"},
                                                       {"n", "DOUBLE"},
                                                       {"objectId", "STRING_ID"},
                                                       {"ownerId", "STRING"},
                                                       {"created", "DATETIME"},
                                                       {"updated", "DATETIME"}}));
  EXPECT_EQ(data().describe(Principal::admin(), call_, "Nowhere").status().code(), ErrorCode::kUnknownTable);
}

TEST_F(DataTest, AdminWritesAreAuditedReadsAndClientsAreNot) {
  setPolicy(kOwnerPolicy);
  declare("Order");
  DataService d = data();
  CallInfo admin{Channel::kAdmin, "req-1"};
  Result<json> created = d.create(Principal::admin(), admin, "Order", {{"name", "a"}});
  ASSERT_TRUE(created.ok()) << created.status().message();
  const std::string id = (*created)["objectId"];
  ASSERT_TRUE(d.find(Principal::admin(), admin, "Order", {}).ok());
  ASSERT_TRUE(d.create(user("U1"), call_, "Order", {{"name", "b"}}).ok());
  ASSERT_TRUE(d.find(user("U1"), call_, "Order", {}).ok());
  // A refused write of the admin is audited too, as an attempt.
  EXPECT_EQ(d.create(Principal::admin(), admin, "Order", {{"n", "not a number"}}).status().code(),
            ErrorCode::kInvalidDataType);
  ASSERT_TRUE(d.remove(Principal::admin(), admin, "Order", id).ok());

  std::vector<AuditEntry> entries = audit_->query(AuditQuery{});
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].op, "create");
  EXPECT_EQ(entries[0].resource, "data:Order");
  EXPECT_EQ(entries[0].principal, "admin");
  EXPECT_EQ(entries[0].requestId, "req-1");
  EXPECT_TRUE(entries[0].allowed);
  EXPECT_NE(entries[0].detail.find(id), std::string::npos) << entries[0].detail;
  EXPECT_EQ(entries[1].op, "create");
  EXPECT_NE(entries[1].detail.find("1007"), std::string::npos) << entries[1].detail;
  EXPECT_EQ(entries[2].op, "delete");
  EXPECT_NE(entries[2].detail.find(id), std::string::npos) << entries[2].detail;
}

TEST_F(DataTest, AnAuditedWriteAndItsEntryCommitOrRollBackTogether) {
  declare("Order");
  DataService d = data();
  {
    // Inside the caller's transaction: the store and the log use it, and
    // when it rolls back, both go.
    storage::Transaction tx(*db_);
    ASSERT_TRUE(d.create(Principal::admin(), call_, "Order", {{"name", "gone"}}).ok());
    ASSERT_TRUE(d.bulkUpdate(Principal::admin(), call_, "Order", "", {{"n", 1}}).ok());
    EXPECT_EQ(countAll("Order"), 1);
  }
  EXPECT_EQ(countAll("Order"), 0);
  EXPECT_TRUE(audit_->query(AuditQuery{}).empty());
  {
    storage::Transaction tx(*db_);
    ASSERT_TRUE(d.create(Principal::admin(), call_, "Order", {{"name", "kept"}}).ok());
    tx.commit();
  }
  EXPECT_EQ(countAll("Order"), 1);
  EXPECT_EQ(audit_->query(AuditQuery{}).size(), 1u);
  // On its own, a write opens its transaction and leaves none open.
  ASSERT_TRUE(d.bulkDelete(Principal::admin(), call_, "Order", "").ok());
  EXPECT_FALSE(db_->inTransaction());
  EXPECT_EQ(countAll("Order"), 0);
  EXPECT_EQ(audit_->query(AuditQuery{}).size(), 2u);
}

}  // namespace
}  // namespace ck::services
