#include "storage/host_store.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "storage/migrations.h"
#include "storage/sqlite.h"
#include "storage/test_temp_dir.h"

namespace ck::storage {
namespace {

AppRecord makeApp(std::string id, std::string name, int64_t createdMs, std::vector<AppKey> keys) {
  return AppRecord{std::move(id), std::move(name), createdMs, std::move(keys)};
}

std::vector<std::string> ids(const std::vector<AppRecord>& apps) {
  std::vector<std::string> out;
  for (const AppRecord& a : apps) out.push_back(a.id);
  return out;
}

bool sameKeys(const std::vector<AppKey>& a, const std::vector<AppKey>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].kind != b[i].kind || a[i].key != b[i].key) return false;
  }
  return true;
}

class HostStoreTest : public ::testing::Test {
 protected:
  std::string path() const { return tmp_.file("host.db"); }
  TempDir tmp_;
};

TEST_F(HostStoreTest, InsertListAndFind) {
  auto store = HostStore::open(path());
  const std::vector<AppKey> keysB = {{"REST", "rest-b"}, {"JS", "js-b"}, {"IOS", "ios-b"}, {"ANDROID", "and-b"}};
  ASSERT_TRUE(store->insertApp(makeApp("B", "beta", 200, keysB)).ok());
  ASSERT_TRUE(store->insertApp(makeApp("C", "gamma", 100, {{"REST", "rest-c"}})).ok());
  ASSERT_TRUE(store->insertApp(makeApp("A", "alpha", 200, {})).ok());

  std::vector<AppRecord> apps = store->listApps();
  EXPECT_EQ(ids(apps), (std::vector<std::string>{"C", "A", "B"})) << "order is createdMs, then id";
  ASSERT_EQ(apps.size(), 3u);
  EXPECT_TRUE(sameKeys(apps[2].keys, keysB)) << "keys keep their insertion order";
  EXPECT_TRUE(apps[1].keys.empty());

  auto b = store->findApp("B");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->name, "beta");
  EXPECT_EQ(b->createdMs, 200);
  EXPECT_TRUE(sameKeys(b->keys, keysB));

  auto byName = store->findAppByName("gamma");
  ASSERT_TRUE(byName.has_value());
  EXPECT_EQ(byName->id, "C");
  ASSERT_EQ(byName->keys.size(), 1u);
  EXPECT_EQ(byName->keys[0].key, "rest-c");

  auto owner = store->findKey("ios-b");
  ASSERT_TRUE(owner.has_value());
  EXPECT_EQ(owner->appId, "B");
  EXPECT_EQ(owner->kind, "IOS");

  EXPECT_FALSE(store->findApp("Z").has_value());
  EXPECT_FALSE(store->findApp("b").has_value()) << "ids compare exactly";
  EXPECT_FALSE(store->findAppByName("delta").has_value());
  EXPECT_FALSE(store->findKey("rest-").has_value());
  EXPECT_FALSE(store->findKey("").has_value());
}

TEST_F(HostStoreTest, ValuesAreBoundNotFormatted) {
  auto store = HostStore::open(path());
  const std::string name = "O'Brien\"); DROP TABLE apps; --";
  ASSERT_TRUE(store->insertApp(makeApp("id'1", name, 1, {{"REST", "k' OR '1'='1"}})).ok());
  auto app = store->findAppByName(name);
  ASSERT_TRUE(app.has_value());
  EXPECT_EQ(app->id, "id'1");
  EXPECT_FALSE(store->findKey("anything").has_value());
  EXPECT_EQ(store->findKey("k' OR '1'='1")->appId, "id'1");
}

TEST_F(HostStoreTest, DuplicatesAreRefusedAndNothingIsHalfWritten) {
  struct Case {
    const char* what;
    AppRecord app;
  } cases[] = {
      {"same id", makeApp("A", "other", 5, {{"REST", "fresh-1"}})},
      {"same name", makeApp("N", "alpha", 5, {{"REST", "fresh-2"}})},
      {"a key of another app", makeApp("N", "other", 5, {{"REST", "fresh-3"}, {"JS", "js-a"}})},
      {"the same key twice", makeApp("N", "other", 5, {{"REST", "fresh-4"}, {"JS", "fresh-4"}})},
  };
  auto store = HostStore::open(path());
  ASSERT_TRUE(store->insertApp(makeApp("A", "alpha", 1, {{"REST", "rest-a"}, {"JS", "js-a"}})).ok());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Status s = store->insertApp(c.app);
    EXPECT_EQ(s.code(), ErrorCode::kAlreadyExists) << s.message();
    EXPECT_FALSE(s.message().empty());
    EXPECT_EQ(store->listApps().size(), 1u);
    EXPECT_FALSE(store->findAppByName("other").has_value());
    EXPECT_FALSE(store->findApp("N").has_value());
    EXPECT_FALSE(store->findKey(c.app.keys[0].key).has_value()) << "a key of the refused app was written";
    EXPECT_EQ(store->findKey("js-a")->appId, "A");
  }
  auto a = store->findApp("A");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->name, "alpha");
  EXPECT_EQ(a->keys.size(), 2u);
  // The store still accepts a clean app afterwards.
  EXPECT_TRUE(store->insertApp(makeApp("N", "other", 5, {{"REST", "fresh-5"}})).ok());
}

TEST_F(HostStoreTest, EmptyIdsAreInvalid) {
  auto store = HostStore::open(path());
  const AppRecord cases[] = {
      makeApp("", "name", 1, {}),
      makeApp("id", "", 1, {}),
      makeApp("id", "name", 1, {{"REST", ""}}),
      makeApp("id", "name", 1, {{"", "key"}}),
  };
  for (const AppRecord& app : cases) {
    EXPECT_EQ(store->insertApp(app).code(), ErrorCode::kInvalidArgument) << app.id << "/" << app.name;
  }
  EXPECT_TRUE(store->listApps().empty());
}

TEST_F(HostStoreTest, SettingsRoundTrip) {
  auto store = HostStore::open(path());
  EXPECT_FALSE(store->getSetting("admin_token_hash").has_value());
  store->setSetting("admin_token_hash", "abc");
  EXPECT_EQ(store->getSetting("admin_token_hash"), "abc");
  store->setSetting("admin_token_hash", "def");
  EXPECT_EQ(store->getSetting("admin_token_hash"), "def");
  store->setSetting("empty", "");
  EXPECT_EQ(store->getSetting("empty"), "") << "an empty value is a value, not a missing one";
  EXPECT_FALSE(store->getSetting("Admin_token_hash").has_value());
}

TEST_F(HostStoreTest, ReopenPersists) {
  {
    auto store = HostStore::open(path());
    ASSERT_TRUE(store->insertApp(makeApp("A", "alpha", 1, {{"REST", "rest-a"}})).ok());
    store->setSetting("s", "v");
  }
  auto store = HostStore::open(path());
  ASSERT_TRUE(store->findApp("A").has_value());
  EXPECT_EQ(store->findKey("rest-a")->appId, "A");
  EXPECT_EQ(store->getSetting("s"), "v");
  EXPECT_EQ(store->insertApp(makeApp("A", "again", 2, {})).code(), ErrorCode::kAlreadyExists);
}

TEST_F(HostStoreTest, OpenRefusesANewerSchema) {
  HostStore::open(path());
  {
    Database db(path());
    db.exec("PRAGMA user_version = 1000");
  }
  EXPECT_THROW(HostStore::open(path()), SchemaTooNewError);
}

TEST_F(HostStoreTest, OpenInAMissingFolderThrows) {
  EXPECT_THROW(HostStore::open(tmp_.file("missing/host.db")), SqliteError);
}

TEST_F(HostStoreTest, ConcurrentInsertsAndReads) {
  auto store = HostStore::open(path());
  constexpr int kThreads = 6;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        EXPECT_TRUE(store->insertApp(makeApp(id, "app " + id, i, {{"REST", "key-" + id}})).ok());
        EXPECT_EQ(store->findKey("key-" + id)->appId, id);
        // Everyone races for the same name; exactly one wins per i.
        store->insertApp(makeApp("shared-" + id, "shared " + std::to_string(i), i, {}));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<AppRecord> apps = store->listApps();
  EXPECT_EQ(apps.size(), static_cast<size_t>(kThreads * kPerThread + kPerThread));
  for (size_t i = 1; i < apps.size(); ++i) {
    EXPECT_LE(apps[i - 1].createdMs, apps[i].createdMs);
  }
}

}  // namespace
}  // namespace ck::storage
