#include "storage/app_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "storage/migrations.h"
#include "storage/sqlite.h"
#include "storage/test_temp_dir.h"

namespace ck::storage {
namespace {

namespace fs = std::filesystem;

// "t<thread>.<i>", built without `"literal" + std::string&&`, on which
// GCC 12 -O3 reports a false -Wrestrict.
std::string settingKey(int thread, int i) {
  std::string key = "t";
  key += std::to_string(thread);
  key += '.';
  key += std::to_string(i);
  return key;
}

class AppStoreTest : public ::testing::Test {
 protected:
  std::string appDir() const { return tmp_.file("data/apps/748471BF-F2E7-4AF0-A60C-68291B52999F"); }
  TempDir tmp_;
};

TEST_F(AppStoreTest, CreatesItsFolder) {
  ASSERT_FALSE(fs::exists(tmp_.file("data")));
  auto store = AppStore::open(appDir());
  EXPECT_TRUE(fs::is_directory(appDir()));
  EXPECT_EQ(store->dir(), appDir());
  EXPECT_EQ(store->path(), appDir() + "/app.db");
  EXPECT_TRUE(fs::is_regular_file(store->path()));
}

TEST_F(AppStoreTest, HostTablesStartWithAnUnderscore) {
  AppStore::open(appDir());
  Database db(appDir() + "/app.db");
  EXPECT_GE(db.userVersion(), 1);
  Statement tables(db, "SELECT name FROM sqlite_schema WHERE type = 'table'");
  int n = 0;
  while (tables.step()) {
    std::string name = tables.columnText(0);
    EXPECT_EQ(name[0], '_') << name << " could collide with a user table";
    ++n;
  }
  EXPECT_GE(n, 1);
}

TEST_F(AppStoreTest, SettingsPersistAcrossReopen) {
  {
    auto store = AppStore::open(appDir());
    EXPECT_TRUE(store->settings().empty());
    EXPECT_FALSE(store->getSetting("dynamicSchema").has_value());
    store->setSetting("zeta", "1");
    store->setSetting("dynamicSchema", "true");
    store->setSetting("alpha", "x");
    store->setSetting("alpha", "y");
  }
  auto store = AppStore::open(appDir());
  EXPECT_EQ(store->getSetting("alpha"), "y");
  std::vector<std::pair<std::string, std::string>> expected = {
      {"alpha", "y"}, {"dynamicSchema", "true"}, {"zeta", "1"}};
  EXPECT_EQ(store->settings(), expected) << "ordered by key";
}

// A committed setSetting must survive the process being killed without any
// chance to close the database.
TEST_F(AppStoreTest, SetSettingSurvivesKill9) {
  pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    auto store = AppStore::open(appDir());
    store->setSetting("survives", "kill -9");
    raise(SIGKILL);
    _exit(3);  // not reached
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child did not die by SIGKILL";
  auto store = AppStore::open(appDir());
  EXPECT_EQ(store->getSetting("survives"), "kill -9");
}

TEST_F(AppStoreTest, ConcurrentSetSettingIsSafe) {
  auto store = AppStore::open(appDir());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = settingKey(t, i);
        store->setSetting(key, std::to_string(t * 1000 + i));
        store->setSetting("shared", key);  // everyone overwrites one key
        EXPECT_EQ(store->getSetting(key), std::to_string(t * 1000 + i));
        EXPECT_FALSE(store->settings().empty());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  auto all = store->settings();
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread + 1));
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      EXPECT_EQ(store->getSetting(settingKey(t, i)),
                std::to_string(t * 1000 + i));
    }
  }
  ASSERT_TRUE(store->getSetting("shared").has_value());
  EXPECT_EQ(store->getSetting("shared")->rfind("t", 0), 0u);
}

TEST_F(AppStoreTest, OpenRefusesANewerSchema) {
  AppStore::open(appDir());
  {
    Database db(appDir() + "/app.db");
    db.exec("PRAGMA user_version = 1000");
  }
  EXPECT_THROW(AppStore::open(appDir()), SchemaTooNewError);
}

TEST_F(AppStoreTest, OpenFailsWhenTheFolderCannotBeMade) {
  // A file where a parent folder should be.
  fs::create_directories(tmp_.file("data"));
  { std::ofstream(tmp_.file("data/apps")) << "not a folder"; }
  EXPECT_THROW(AppStore::open(appDir()), fs::filesystem_error);
}

}  // namespace
}  // namespace ck::storage
