#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "services/host.h"

namespace ck::services {
namespace {

std::string readToken(const std::string& dataDir) {
  std::ifstream in(Host::adminTokenPath(dataDir));
  std::string token;
  std::getline(in, token);
  return token;
}

class HostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ck-host-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = std::string(tmpl) + "/data";  // Host creates the folder itself
  }
  void TearDown() override { std::filesystem::remove_all(std::filesystem::path(dir_).parent_path()); }
  std::unique_ptr<Host> open() { return Host::open(dir_, random_, clock_, log_); }

  std::string dir_;
  SystemRandom random_;
  FakeClock clock_;
  MemoryLogger log_;
};

TEST_F(HostTest, AdminTokenIsPrivateHashedAndChecked) {
  auto host = open();
  std::string path = Host::adminTokenPath(dir_);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string token = readToken(dir_);
  EXPECT_EQ(token.size(), 64u);
  EXPECT_TRUE(host->checkAdminToken(token));
  EXPECT_FALSE(host->checkAdminToken(""));
  EXPECT_FALSE(host->checkAdminToken(token.substr(1)));
  std::string wrong = token;
  wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(host->checkAdminToken(wrong));
  // The token is in no log line.
  EXPECT_EQ(log_.dump().find(token), std::string::npos);
}

TEST_F(HostTest, OneHostPerDataFolder) {
  {
    auto host = open();
    std::string token = readToken(dir_);
    try {
      open();
      ADD_FAILURE() << "a second host opened the same folder";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("in use by another cloudkeep server"), std::string::npos) << e.what();
    }
    EXPECT_EQ(readToken(dir_), token);  // the refused host rewrote nothing
  }
  EXPECT_NE(open(), nullptr);
}

TEST_F(HostTest, TokenSurvivesRestartAndIsReplacedWhenFileIsRemoved) {
  std::string first;
  {
    auto host = open();
    first = readToken(dir_);
  }
  {
    auto host = open();
    EXPECT_EQ(readToken(dir_), first);
    EXPECT_TRUE(host->checkAdminToken(first));
  }
  std::filesystem::remove(Host::adminTokenPath(dir_));
  auto host = open();
  std::string second = readToken(dir_);
  EXPECT_NE(second, first);
  EXPECT_FALSE(host->checkAdminToken(first));
  EXPECT_TRUE(host->checkAdminToken(second));
}

TEST_F(HostTest, CreateAppGivesGuidAndOneKeyPerKind) {
  auto host = open();
  Result<AppInfo> app = host->createApp("restaurants");
  ASSERT_TRUE(app.ok()) << app.status().message();
  std::regex guid("^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$");
  EXPECT_TRUE(std::regex_match(app->id, guid)) << app->id;
  ASSERT_EQ(app->keys.size(), 4u);
  for (ClientKind kind : kAllClientKinds) {
    EXPECT_TRUE(std::regex_match(app->key(kind), guid));
    EXPECT_EQ(host->resolveKey(app->id, app->key(kind)), kind);
  }
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/apps/" + app->id + "/app.db"));

  auto found = host->findApp(app->id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "restaurants");
  EXPECT_EQ(found->createdMs, clock_.nowMs());
  EXPECT_EQ(host->findAppByName("restaurants")->id, app->id);
  EXPECT_EQ(host->listApps().size(), 1u);
}

TEST_F(HostTest, KeysAreBoundToTheirApp) {
  auto host = open();
  auto a = host->createApp("a");
  auto b = host->createApp("b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(host->resolveKey(a->id, b->key(ClientKind::kRest)).has_value());
  EXPECT_FALSE(host->resolveKey(b->id, a->key(ClientKind::kJs)).has_value());
  EXPECT_FALSE(host->resolveKey(a->id, "").has_value());
  EXPECT_FALSE(host->resolveKey(a->id, "not-a-key").has_value());
}

// knownOpen() says yes only once both the key and the app are in memory,
// and never for a key of another app.
TEST_F(HostTest, KnownOpenOnlyForAKnownKeyOfAnOpenApp) {
  auto host = open();
  auto a = host->createApp("a");
  auto b = host->createApp("b");
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string& key = a->key(ClientKind::kRest);
  EXPECT_FALSE(host->knownOpen(a->id, key));
  ASSERT_TRUE(host->resolveKey(a->id, key).has_value());
  EXPECT_FALSE(host->knownOpen(a->id, key));  // the app is not open yet
  ASSERT_NE(host->app(a->id), nullptr);
  EXPECT_TRUE(host->knownOpen(a->id, key));
  ASSERT_NE(host->app(b->id), nullptr);
  EXPECT_FALSE(host->knownOpen(b->id, key));
  EXPECT_FALSE(host->knownOpen(a->id, b->key(ClientKind::kRest)));
  EXPECT_FALSE(host->knownOpen(a->id, ""));
}

TEST_F(HostTest, AppNamesAreValidatedAndUnique) {
  auto host = open();
  const char* bad[] = {"", "-x", ".x", "a b", "a/b", "../x", "ä", "x;drop table apps"};
  for (const char* name : bad) {
    auto r = host->createApp(name);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << name;
  }
  EXPECT_FALSE(host->createApp(std::string(65, 'a')).ok());
  EXPECT_TRUE(host->createApp(std::string(64, 'a')).ok());
  ASSERT_TRUE(host->createApp("shop").ok());
  auto dup = host->createApp("shop");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(host->listApps().size(), 2u);
}

TEST_F(HostTest, SettingsPersistAndAreValidated) {
  std::string id;
  {
    auto host = open();
    auto app = host->createApp("s");
    ASSERT_TRUE(app.ok());
    id = app->id;
    EXPECT_TRUE(host->setAppSetting(id, "dynamicSchema", "true").ok());
    EXPECT_EQ(host->setAppSetting(id, "1bad", "x").code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(host->setAppSetting(id, "big", std::string(Host::kMaxSettingValueBytes + 1, 'x')).code(),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(host->setAppSetting("NO-SUCH-APP", "k", "v").code(), ErrorCode::kAppNotFound);
    EXPECT_EQ(host->appSettings("NO-SUCH-APP").status().code(), ErrorCode::kAppNotFound);
  }
  auto host = open();
  auto settings = host->appSettings(id);
  ASSERT_TRUE(settings.ok());
  ASSERT_EQ(settings->size(), 1u);
  EXPECT_EQ((*settings)[0].first, "dynamicSchema");
  EXPECT_EQ((*settings)[0].second, "true");
}

// An open app keeps the dynamicSchema setting in memory and follows each change.
TEST_F(HostTest, AnOpenAppFollowsSettingChanges) {
  auto host = open();
  auto info = host->createApp("s");
  ASSERT_TRUE(info.ok());
  App* app = host->app(info->id);
  ASSERT_NE(app, nullptr);
  auto dynamic = [&] {
    AppLease lease = app->lease();
    return app->dynamicSchema(lease);
  };
  EXPECT_FALSE(dynamic());  // the config's default
  EXPECT_FALSE(dynamic());  // kept
  ASSERT_TRUE(host->setAppSetting(info->id, "dynamicSchema", "true").ok());
  EXPECT_TRUE(dynamic());
  EXPECT_TRUE(dynamic());
  ASSERT_TRUE(host->setAppSetting(info->id, "dynamicSchema", "false").ok());
  EXPECT_FALSE(dynamic());
}

}  // namespace
}  // namespace ck::services
