#include "services/audit.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "storage/app_store.h"
#include "storage/sqlite.h"
#include "storage/test_temp_dir.h"

namespace ck::services {
namespace {

using nlohmann::json;

// Polls `condition` until it holds or `timeoutMs` passes (a bound for a
// loaded machine, not a timing assertion).
bool eventually(const std::function<bool()>& condition, int timeoutMs = 10'000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

class AuditTest : public ::testing::Test {
 protected:
  AuditTest() {
    storage::AppStore::open(tmp_.path());  // the app schema, _audit included
    path_ = tmp_.file("app.db");
    reader_ = std::make_unique<storage::Database>(path_);
  }

  std::unique_ptr<AuditLog> makeLog(AuditConfig config = {}) {
    return std::make_unique<AuditLog>(path_, config, clock_, log_);
  }

  AuditEntry entry(const std::string& requestId, const std::string& userId = "", const std::string& email = "") {
    AuditEntry e;
    e.timeMs = clock_.nowMs();
    e.requestId = requestId;
    e.channel = "rest";
    e.callerUserId = userId;
    e.callerEmail = email;
    e.callerRoles = {"AuthenticatedUser", "RestUser"};
    e.callerKey = "REST";
    e.principal = "someone";
    e.op = "find";
    e.resource = "data:Restaurant";
    e.allowed = true;
    e.rule = "default";
    return e;
  }

  // Rows in _audit, read on a connection of the test's own (no flush).
  int64_t storedCount() {
    storage::CachedStatement stmt = reader_->prepare("SELECT COUNT(*) FROM _audit");
    stmt->step();
    return stmt->columnInt64(0);
  }

  static std::vector<std::string> requestIds(const std::vector<AuditEntry>& entries) {
    std::vector<std::string> out;
    for (const AuditEntry& e : entries) out.push_back(e.requestId);
    return out;
  }

  storage::TempDir tmp_;
  std::string path_;
  std::unique_ptr<storage::Database> reader_;
  FakeClock clock_;
  MemoryLogger log_;
};

TEST_F(AuditTest, WriteEntryCommitsOrRollsBackWithItsTransaction) {
  auto audit = makeLog();
  storage::Database db(path_);
  {
    storage::Transaction tx(db);
    audit->recordInTransaction(db, entry("rolled-back"));
  }  // rolled back
  {
    storage::Transaction tx(db);
    audit->recordInTransaction(db, entry("committed", "U1", "ann@example.com"));
    tx.commit();
  }
  std::vector<AuditEntry> all = audit->query({});
  ASSERT_EQ(all.size(), 1u);
  const AuditEntry& e = all[0];
  EXPECT_GT(e.id, 0);
  EXPECT_EQ(e.requestId, "committed");
  EXPECT_EQ(e.timeMs, clock_.nowMs());
  EXPECT_EQ(e.callerUserId, "U1");
  EXPECT_EQ(e.callerEmail, "ann@example.com");
  EXPECT_EQ(e.callerRoles, (std::vector<std::string>{"AuthenticatedUser", "RestUser"}));
  EXPECT_EQ(e.callerKey, "REST");
  EXPECT_TRUE(e.allowed);
  EXPECT_EQ(e.rule, "default");

  // Outside a transaction it is a bug in the caller.
  EXPECT_THROW(audit->recordInTransaction(db, entry("no-tx")), std::logic_error);
}

TEST_F(AuditTest, StandaloneWriteEntryIsStoredBeforeItReturns) {
  auto audit = makeLog();
  AuditEntry e = entry("file-write");
  e.op = "write";
  e.resource = "files:/menus/today.txt";
  audit->recordWrite(e);
  EXPECT_EQ(storedCount(), 1);  // on the test's own connection, with no flush
  std::vector<AuditEntry> all = audit->query({});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].resource, "files:/menus/today.txt");
}

TEST_F(AuditTest, ReadEntriesAreStoredWithinTheFlushInterval) {
  AuditConfig config;
  config.flushIntervalMs = 20;
  auto audit = makeLog(config);
  audit->recordRead(entry("r1"));
  audit->recordRead(entry("r2"));
  EXPECT_TRUE(eventually([&] { return storedCount() == 2; })) << storedCount();

  // flush() stores at once, whatever the interval.
  AuditConfig slow;
  slow.flushIntervalMs = 60'000;
  auto slowLog = makeLog(slow);
  slowLog->recordRead(entry("r3"));
  slowLog->recordRead(entry("r4"));
  slowLog->flush();
  EXPECT_EQ(storedCount(), 4);
  EXPECT_EQ(requestIds(slowLog->query({})), (std::vector<std::string>{"r1", "r2", "r3", "r4"}));
}

TEST_F(AuditTest, DestructorFlushes) {
  AuditConfig config;
  config.flushIntervalMs = 60'000;
  auto audit = makeLog(config);
  audit->recordRead(entry("r1"));
  audit->recordRead(entry("r2"));
  audit.reset();
  EXPECT_EQ(storedCount(), 2);
}

TEST_F(AuditTest, QueryFilters) {
  auto audit = makeLog();
  const int64_t t0 = clock_.nowMs();
  audit->recordRead(entry("a", "U1", "Boris@Example.com"));
  clock_.advanceMs(1000);
  audit->recordRead(entry("b", "U2", "ann@example.com"));
  clock_.advanceMs(1000);
  audit->recordRead(entry("c", "U1", "boris@example.com"));
  audit->recordRead(entry("d"));
  audit->recordRead(entry("e", "U3", "\xC3\x89mile@example.com"));  // "Émile"

  using Ids = std::vector<std::string>;
  auto ids = [&](AuditQuery q) { return requestIds(audit->query(q)); };
  EXPECT_EQ(ids({}), (Ids{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(ids({.sinceMs = t0 + 1000}), (Ids{"b", "c", "d", "e"}));
  EXPECT_EQ(ids({.sinceMs = t0 + 1001}), (Ids{"c", "d", "e"}));
  EXPECT_EQ(ids({.userEmail = "BORIS@example.COM"}), (Ids{"a", "c"}));
  EXPECT_EQ(ids({.userEmail = "nobody@example.com"}), Ids{});
  // ASCII case only: "É" and "é" are different letters to the lookup.
  EXPECT_EQ(ids({.userEmail = "\xC3\xA9mile@example.com"}), Ids{});
  EXPECT_EQ(ids({.userEmail = "\xC3\x89MILE@EXAMPLE.COM"}), (Ids{"e"}));
  EXPECT_EQ(ids({.userId = "U1"}), (Ids{"a", "c"}));
  EXPECT_EQ(ids({.userId = "u1"}), Ids{});
  EXPECT_EQ(ids({.sinceMs = t0 + 1000, .userEmail = "boris@example.com", .userId = "U1"}), (Ids{"c"}));

  // Paging: limit, then afterId the last id seen.
  std::vector<AuditEntry> page1 = audit->query({.limit = 2});
  EXPECT_EQ(requestIds(page1), (Ids{"a", "b"}));
  std::vector<AuditEntry> page2 = audit->query({.afterId = page1.back().id, .limit = 2});
  EXPECT_EQ(requestIds(page2), (Ids{"c", "d"}));
  std::vector<AuditEntry> page3 = audit->query({.afterId = page2.back().id, .limit = 2});
  EXPECT_EQ(requestIds(page3), (Ids{"e"}));
  EXPECT_TRUE(audit->query({.afterId = page3.back().id, .limit = 2}).empty());
  // Limits above the maximum are taken as the maximum, not refused.
  EXPECT_EQ(audit->query({.limit = 1'000'000'000}).size(), 5u);
  EXPECT_EQ(audit->query({.limit = 0}).size(), 0u);
}

TEST_F(AuditTest, RetentionByCount) {
  AuditConfig config;
  config.maxEntries = 3;
  auto audit = makeLog(config);
  for (const char* id : {"a", "b", "c", "d", "e"}) audit->recordRead(entry(id));
  audit->flush();
  EXPECT_EQ(audit->prune(), 2);
  EXPECT_EQ(requestIds(audit->query({})), (std::vector<std::string>{"c", "d", "e"}));
  EXPECT_EQ(audit->prune(), 0);
}

TEST_F(AuditTest, RetentionByAge) {
  AuditConfig config;
  config.maxAgeMs = 10'000;
  auto audit = makeLog(config);
  audit->recordRead(entry("old"));
  clock_.advanceMs(5'000);
  audit->recordRead(entry("newer"));
  audit->flush();
  EXPECT_EQ(audit->prune(), 0);
  clock_.advanceMs(5'001);  // "old" is now 10,001 ms old
  EXPECT_EQ(audit->prune(), 1);
  EXPECT_EQ(requestIds(audit->query({})), (std::vector<std::string>{"newer"}));
}

TEST_F(AuditTest, RetentionRunsByItselfEveryFewHundredEntries) {
  AuditConfig config;
  config.maxEntries = 10;
  auto audit = makeLog(config);
  storage::Database db(path_);
  for (int i = 0; i < 300; ++i) {
    storage::Transaction tx(db);
    audit->recordInTransaction(db, entry("w" + std::to_string(i)));
    tx.commit();
  }
  // The flusher prunes once 256 entries have been stored, to the newest 10
  // at that moment; the 44 after it wait for the next round.
  EXPECT_TRUE(eventually([&] { return storedCount() <= 10 + 44; })) << storedCount();
  std::vector<AuditEntry> kept = audit->query({});
  ASSERT_FALSE(kept.empty());
  EXPECT_EQ(kept.back().requestId, "w299");
}

TEST_F(AuditTest, IdsAreNotReusedAfterEverythingIsPruned) {
  AuditConfig config;
  config.maxEntries = 0;
  auto audit = makeLog(config);
  audit->recordRead(entry("a"));
  audit->recordRead(entry("b"));
  audit->flush();
  std::vector<AuditEntry> before = audit->query({});
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[1].id, before[0].id + 1);
  EXPECT_EQ(audit->prune(), 2);
  EXPECT_EQ(audit->prune(), 0);  // an empty log keeps what it remembered
  EXPECT_EQ(storedCount(), 0);
  audit->recordRead(entry("c"));
  audit->flush();
  EXPECT_EQ(audit->query({}).at(0).id, before[1].id + 1);
  // A reader that paged to the end sees the new entry.
  EXPECT_EQ(requestIds(audit->query({.afterId = before[1].id})), (std::vector<std::string>{"c"}));
}

// The flusher stores a batch by INSERTs of up to 64 rows each; entries of
// batches of every size around those chunks keep their order, their fields
// and ids one above the previous, also between writes stored meanwhile.
TEST_F(AuditTest, BatchesOfAnySizeKeepOrderFieldsAndIds) {
  AuditConfig config;
  config.flushIntervalMs = 60'000;
  auto audit = makeLog(config);
  storage::Database db(path_);
  std::vector<AuditEntry> expected;
  auto write = [&](const std::string& requestId) {
    AuditEntry e = entry(requestId);
    storage::Transaction tx(db);
    audit->recordInTransaction(db, e);
    tx.commit();
    expected.push_back(e);
  };
  int n = 0;
  for (int batch : {1, 2, 3, 63, 64, 65, 127, 128, 129, 200}) {
    write("w" + std::to_string(n));
    for (int i = 0; i < batch; ++i, ++n) {
      AuditEntry e = entry("r" + std::to_string(n), "U" + std::to_string(n % 3), "");
      // Roles, principal and detail change now and then within a batch.
      if (n % 5 == 0) e.callerRoles = {"AuthenticatedUser", "RestUser", "Customer" + std::to_string(n % 2)};
      if (n % 7 == 0) e.callerRoles.clear();
      if (n % 11 == 0) e.principal = "someone else";
      e.detail = std::to_string(n % 4) + " objects";
      e.allowed = n % 13 != 0;
      clock_.advanceMs(n % 2);
      e.timeMs = clock_.nowMs();
      audit->recordRead(e);
      expected.push_back(e);
    }
    audit->flush();
  }
  write("last");

  std::vector<AuditEntry> stored = audit->query({.limit = kMaxAuditQueryLimit});
  ASSERT_EQ(stored.size(), expected.size());
  for (size_t i = 0; i < stored.size(); ++i) {
    if (i > 0) {
      EXPECT_EQ(stored[i].id, stored[i - 1].id + 1) << i;
    }
    expected[i].id = stored[i].id;
    EXPECT_EQ(stored[i].toJson(), expected[i].toJson()) << i;
  }
}

TEST_F(AuditTest, EntryForAClientPrincipalCarriesTheCaller) {
  Result<Principal> boris = Principal::client({.key = ClientKind::kRest,
                                               .authenticated = true,
                                               .user = PrincipalUser{"U1", "boris@example.com"},
                                               .customRoles = {"Customer"}});
  ASSERT_TRUE(boris.ok()) << boris.status().message();
  Result<ResourceRef> restaurant = ResourceRef::data("Restaurant");
  ASSERT_TRUE(restaurant.ok());
  CallInfo call{.channel = Channel::kRest, .requestId = "req-1", .clientAddress = "10.0.0.1"};
  Decision denied{.allow = false, .level = DecisionLevel::kDefault, .by = Decider::kDefault};

  AuditEntry e = auditEntry(*boris, call, Op::kDataFind, *restaurant, denied, 1234);
  EXPECT_EQ(e.id, 0);
  EXPECT_EQ(e.timeMs, 1234);
  EXPECT_EQ(e.requestId, "req-1");
  EXPECT_EQ(e.channel, "rest");
  EXPECT_EQ(e.callerUserId, "U1");
  EXPECT_EQ(e.callerEmail, "boris@example.com");
  EXPECT_EQ(e.callerRoles, (std::vector<std::string>{"AuthenticatedUser", "RestUser", "Customer"}));
  EXPECT_EQ(e.callerKey, "REST");
  EXPECT_EQ(e.principal, boris->describe());
  EXPECT_EQ(e.service, "");
  EXPECT_EQ(e.op, "find");
  EXPECT_EQ(e.resource, "data:Restaurant");
  EXPECT_FALSE(e.allowed);
  EXPECT_EQ(e.rule, "default");  // no text: the level's name

  Decision granted{.allow = true, .level = DecisionLevel::kExact, .by = Decider::kRule, .index = 0,
                   .text = R"({ "grant": ["find"], "roles": ["Customer"], "on": "data:Restaurant" })"};
  AuditEntry g = auditEntry(*boris, call, Op::kDataFind, *restaurant, granted, 1234);
  EXPECT_TRUE(g.allowed);
  EXPECT_EQ(g.rule, granted.text);

  // An anonymous JS client: no user, its own system roles and key.
  Result<Principal> anon = Principal::client({.key = ClientKind::kJs});
  ASSERT_TRUE(anon.ok());
  AuditEntry a = auditEntry(*anon, call, Op::kDataFind, *restaurant, denied, 1);
  EXPECT_EQ(a.callerUserId, "");
  EXPECT_EQ(a.callerRoles, (std::vector<std::string>{"NotAuthenticatedUser", "JSUser"}));
  EXPECT_EQ(a.callerKey, "JS");

  // Stored and read back unchanged; the JSON names every field and nothing secret.
  auto audit = makeLog();
  audit->recordRead(e);
  std::vector<AuditEntry> stored = audit->query({});
  ASSERT_EQ(stored.size(), 1u);
  json j = stored[0].toJson();
  e.id = stored[0].id;
  EXPECT_EQ(j, e.toJson());
  for (const char* key : {"id", "timeMs", "requestId", "channel", "callerUserId", "callerEmail", "callerRoles",
                          "callerKey", "principal", "service", "method", "op", "resource", "allowed", "rule",
                          "detail"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j.size(), 16u);
  EXPECT_EQ(j["callerRoles"], json({"AuthenticatedUser", "RestUser", "Customer"}));
  EXPECT_EQ(j["allowed"], false);
}

TEST_F(AuditTest, AdminEntry) {
  CallInfo call{.channel = Channel::kAdmin, .requestId = "req-9"};
  AuditEntry e = adminAuditEntry(call, "role.assign", "user:U1", "Customer", 77);
  EXPECT_EQ(e.channel, "admin");
  EXPECT_EQ(e.principal, "admin");
  EXPECT_EQ(e.callerUserId, "");
  EXPECT_TRUE(e.callerRoles.empty());
  EXPECT_EQ(e.callerKey, "");
  EXPECT_EQ(e.op, "role.assign");
  EXPECT_EQ(e.resource, "user:U1");
  EXPECT_EQ(e.detail, "Customer");
  EXPECT_TRUE(e.allowed);
  EXPECT_EQ(e.rule, "admin");
  EXPECT_EQ(e.timeMs, 77);
}

TEST_F(AuditTest, ParseAuditTime) {
  EXPECT_EQ(*parseAuditTime("1700000000000"), 1'700'000'000'000);
  EXPECT_EQ(*parseAuditTime("1970-01-02"), 86'400'000);
  EXPECT_EQ(*parseAuditTime("1970-01-01T00:00:01.5Z"), 1'500);
  EXPECT_EQ(parseAuditTime("yesterday").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(parseAuditTime("").status().code(), ErrorCode::kInvalidArgument);
}

// Fault injection: another connection holds the write lock, so the
// flusher's writes fail with SQLITE_BUSY. The entries stay queued and land
// once the lock is released.
TEST_F(AuditTest, FlusherFailureKeepsTheEntries) {
  AuditConfig config;
  config.flushIntervalMs = 5;
  config.busyTimeoutMs = 10;
  auto audit = makeLog(config);
  storage::Database locker(path_, {.busyTimeoutMs = 10});
  locker.exec("BEGIN IMMEDIATE");
  audit->recordRead(entry("r1"));
  audit->recordRead(entry("r2"));
  ASSERT_TRUE(eventually([&] { return log_.dump().find("writing read entries failed") != std::string::npos; }))
      << log_.dump();
  EXPECT_EQ(storedCount(), 0);  // WAL: reading while the lock is held works
  EXPECT_THROW(audit->flush(), storage::SqliteError);
  audit->recordRead(entry("r3"));
  locker.exec("COMMIT");

  EXPECT_TRUE(eventually([&] { return storedCount() == 3; })) << storedCount();
  EXPECT_EQ(requestIds(audit->query({})), (std::vector<std::string>{"r1", "r2", "r3"}));
  EXPECT_TRUE(eventually([&] { return log_.dump().find("works again") != std::string::npos; })) << log_.dump();
}

TEST_F(AuditTest, QueueIsBoundedWhileWritesFail) {
  AuditConfig config;
  config.flushIntervalMs = 5;
  config.busyTimeoutMs = 10;
  config.maxQueued = 2;
  auto audit = makeLog(config);
  storage::Database locker(path_, {.busyTimeoutMs = 10});
  locker.exec("BEGIN IMMEDIATE");
  for (const char* id : {"r1", "r2", "r3", "r4", "r5"}) audit->recordRead(entry(id));
  // flush() waits for a write the flusher may have in flight (which fails
  // and puts its batch back), then fails too: from here on only the newest
  // two are kept, whichever write stores them.
  EXPECT_THROW(audit->flush(), storage::SqliteError);
  locker.exec("COMMIT");
  audit->flush();
  EXPECT_EQ(requestIds(audit->query({})), (std::vector<std::string>{"r4", "r5"}));
  audit.reset();  // any drop not yet reported is reported now

  uint64_t dropped = 0;
  for (const MemoryLogger::Entry& e : log_.entries()) {
    if (e.message.find("dropped") == std::string::npos) continue;
    EXPECT_EQ(e.level, LogLevel::kWarn);
    for (const auto& [key, value] : e.fields) {
      if (key == "count") dropped += std::stoull(value);
    }
  }
  EXPECT_EQ(dropped, 3u) << log_.dump();
}

}  // namespace
}  // namespace ck::services
