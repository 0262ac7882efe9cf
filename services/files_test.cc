// FilesService: every file operation goes through the access layer on the
// normalised path. Grants on a prefix (files:/menus) and a deeper DENY
// (files:/menus/secret) that no listing, count, delete, copy or move of the
// parent bypasses; paths normalised before the decision (doubled slashes) or
// refused before it (".."); denials that say nothing about what exists;
// Backendless's copy/move/rename semantics; paging limits; dev-mode
// messages; the admin's writes in the audit log.
#include "services/files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "services/access_types.h"
#include "services/policy.h"
#include "storage/app_store.h"
#include "storage/test_temp_dir.h"

namespace ck::services {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPolicy = R"({
  "roles": ["Chef"],
  "rules": [
    { "grant": ["read", "write", "delete", "list"], "roles": ["Chef"], "on": "files:/menus" },
    { "deny": ["read", "delete", "list"], "roles": ["Chef"], "on": "files:/menus/secret" },
    { "grant": ["read", "list"], "roles": ["NotAuthenticatedUser"], "on": "files:/public" }
  ]
})";

BoundPolicy bound(const std::string& text) {
  Result<Policy> p = parsePolicy(text);
  if (!p.ok()) ADD_FAILURE() << p.status().message();
  return bindPolicy(p.ok() ? std::move(p).value() : Policy{},
                    [](std::string_view) -> std::optional<std::string> { return std::nullopt; });
}

Principal client(ClientIdentity identity) {
  Result<Principal> p = Principal::client(std::move(identity));
  EXPECT_TRUE(p.ok()) << p.status().message();
  return std::move(p).value();
}

std::vector<std::string> paths(const std::vector<FileInfo>& entries) {
  std::vector<std::string> out;
  for (const FileInfo& e : entries) out.push_back(e.path);
  return out;
}

class FilesTest : public ::testing::Test {
 protected:
  FilesTest() {
    storage::AppStore::open(tmp_.path());
    audit_ = std::make_unique<AuditLog>(tmp_.file("app.db"), AuditConfig{}, clock_, log_);
    openStore({});
    policy_ = std::make_shared<const BoundPolicy>(bound(kPolicy));
  }

  void openStore(storage::FileStoreConfig config) {
    store_ = std::make_unique<storage::FileStore>(root(), config, random_);
  }
  std::string root() const { return tmp_.path() + "/files"; }
  FilesService files() { return FilesService(*store_, policy_, *audit_, clock_); }
  // Straight into the store, past the policy.
  void put(const std::string& path, const std::string& content) {
    ASSERT_TRUE(store_->writeAll(*storage::FilePath::parse(path), content, true).ok()) << path;
  }

  storage::TempDir tmp_;
  FakeClock clock_;
  SystemRandom random_;
  MemoryLogger log_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<storage::FileStore> store_;
  std::shared_ptr<const BoundPolicy> policy_;
  CallInfo call_;
  const Principal chef_ = client({ClientKind::kRest, true, PrincipalUser{"U1", "chef@example.com"}, {"Chef"}});
  const Principal anonymous_ = client({ClientKind::kJs, false, std::nullopt, {}});
  const Principal admin_ = Principal::admin();
};

TEST_F(FilesTest, NormalisedPathsAreAlwaysFilesResources) {
  for (std::string_view raw : {"", "/", "a", "//a//b//", "menus/today.txt", "%2e%2e", "a b/c"}) {
    Result<storage::FilePath> p = storage::FilePath::parse(raw);
    ASSERT_TRUE(p.ok()) << raw;
    EXPECT_EQ(checkFilePath(p->str()), "") << raw;
  }
}

TEST_F(FilesTest, GrantedPrefixOnly) {
  FilesService f = files();
  Result<std::string> saved = f.save(chef_, call_, "/menus/today.txt", "soup", false);
  ASSERT_TRUE(saved.ok()) << saved.status().message();
  EXPECT_EQ(*saved, "/menus/today.txt");
  Result<FileDownload> got = f.download(chef_, call_, "menus/today.txt");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->readAll(), "soup");

  // Outside the prefix, and to a client without grants: 4000, nothing on disk.
  EXPECT_EQ(f.save(chef_, call_, "/menusx/today.txt", "x", false).status().code(), ErrorCode::kNoPermissionFiles);
  EXPECT_EQ(f.save(chef_, call_, "/today.txt", "x", false).status().code(), ErrorCode::kNoPermissionFiles);
  EXPECT_EQ(f.save(anonymous_, call_, "/menus/x.txt", "x", false).status().code(), ErrorCode::kNoPermissionFiles);
  EXPECT_EQ(f.download(anonymous_, call_, "/menus/today.txt").status().code(), ErrorCode::kNoPermissionFiles);
  EXPECT_FALSE(fs::exists(root() + "/menusx"));
  EXPECT_FALSE(fs::exists(root() + "/today.txt"));
  EXPECT_FALSE(fs::exists(root() + "/menus/x.txt"));

  // A denial is the same whether or not the path exists.
  EXPECT_EQ(f.download(anonymous_, call_, "/menus/nope.txt").status().code(), ErrorCode::kNoPermissionFiles);
  EXPECT_EQ(f.exists(anonymous_, call_, "/menus/today.txt").status().code(), ErrorCode::kNoPermissionFiles);
  EXPECT_EQ(f.exists(anonymous_, call_, "/menus/nope.txt").status().code(), ErrorCode::kNoPermissionFiles);

  // Existing and missing, for the one allowed to know.
  EXPECT_TRUE(*f.exists(chef_, call_, "/menus/today.txt"));
  EXPECT_FALSE(*f.exists(chef_, call_, "/menus/nope.txt"));
  EXPECT_EQ(f.download(chef_, call_, "/menus/nope.txt").status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(f.save(chef_, call_, "/menus/today.txt", "again", false).status().code(), ErrorCode::kFileAlreadyExists);
  EXPECT_TRUE(f.save(chef_, call_, "/menus/today.txt", "again", true).ok());
}

TEST_F(FilesTest, PathsAreNormalisedBeforeTheDecisionAndRefusedBeforeIt) {
  FilesService f = files();
  // Doubled slashes collapse into the granted prefix...
  ASSERT_TRUE(f.save(chef_, call_, "//menus///today.txt", "soup", false).ok());
  EXPECT_TRUE(fs::exists(root() + "/menus/today.txt"));
  // ... and into a denied one: the decision is on the normalised path.
  put("/menus/secret/recipe.txt", "salt");
  EXPECT_EQ(f.download(chef_, call_, "/menus//secret//recipe.txt").status().code(), ErrorCode::kNoPermissionFiles);
  EXPECT_EQ(f.download(chef_, call_, "menus/secret/recipe.txt").status().code(), ErrorCode::kNoPermissionFiles);
  // A path that cannot be normalised: 6006 before any decision or disk access.
  for (std::string_view bad : {"/menus/../secret.txt", "/menus/..", "menus/./x", "a\\b", "/menus/\x01"}) {
    EXPECT_EQ(f.save(chef_, call_, bad, "x", true).status().code(), ErrorCode::kFilePathProhibited) << bad;
    EXPECT_EQ(f.download(anonymous_, call_, bad).status().code(), ErrorCode::kFilePathProhibited) << bad;
    EXPECT_EQ(f.remove(chef_, call_, bad).status().code(), ErrorCode::kFilePathProhibited) << bad;
  }
}

TEST_F(FilesTest, ListingAndCountShowOnlyWhatMayBeListed) {
  put("/menus/a.txt", "a");
  put("/menus/b.html", "b");
  put("/menus/secret/recipe.txt", "salt");
  put("/menus/secret/more/deep.txt", "deep");
  put("/menus/week/mon.txt", "m");
  FilesService f = files();
  Result<std::vector<FileInfo>> all = f.list(chef_, call_, "/menus", {.recursive = true});
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(paths(*all), (std::vector<std::string>{"/menus/a.txt", "/menus/b.html", "/menus/week",
                                                   "/menus/week/mon.txt"}));
  EXPECT_EQ(*f.count(chef_, call_, "/menus", {.recursive = true}), 4);
  EXPECT_EQ(*f.count(chef_, call_, "/menus", {.recursive = true, .includeDirectories = false}), 3);
  Result<std::vector<FileInfo>> txt = f.list(chef_, call_, "/menus", {.pattern = "*.txt", .recursive = true});
  EXPECT_EQ(paths(*txt), (std::vector<std::string>{"/menus/a.txt", "/menus/week/mon.txt"}));
  // Pages over what may be listed.
  Result<std::vector<FileInfo>> page = f.list(chef_, call_, "/menus", {.recursive = true, .pageSize = 2, .offset = 2});
  EXPECT_EQ(paths(*page), (std::vector<std::string>{"/menus/week", "/menus/week/mon.txt"}));
  EXPECT_EQ(f.list(chef_, call_, "/menus/secret", {}).status().code(), ErrorCode::kNoPermissionFiles);
  EXPECT_EQ(f.list(chef_, call_, "/", {}).status().code(), ErrorCode::kNoPermissionFiles);
  // The admin sees everything.
  EXPECT_EQ(f.list(admin_, call_, "/menus", {.recursive = true})->size(), 8u);
}

TEST_F(FilesTest, PageAndPatternLimits) {
  FilesService f = files();
  put("/menus/a.txt", "a");
  EXPECT_EQ(f.list(chef_, call_, "/menus", {.pageSize = 101}).status().code(), ErrorCode::kPageSizeTooLarge);
  EXPECT_EQ(f.count(chef_, call_, "/menus", {.pageSize = 101}).status().code(), ErrorCode::kPageSizeTooLarge);
  EXPECT_TRUE(f.list(chef_, call_, "/menus", {.pageSize = 100}).ok());
  EXPECT_EQ(f.list(chef_, call_, "/menus", {.pageSize = 0})->size(), 1u);  // 0 takes the default
  EXPECT_EQ(f.list(chef_, call_, "/menus", {.pattern = std::string(1025, '*')}).status().code(),
            ErrorCode::kInvalidArgument);
  for (int i = 0; i < 130; ++i) put("/menus/many/f" + std::to_string(1000 + i), "x");
  EXPECT_EQ(f.list(chef_, call_, "/menus/many", {})->size(), 100u);
  EXPECT_EQ(f.list(chef_, call_, "/menus/many", {.offset = 100})->size(), 30u);
  EXPECT_EQ(*f.count(chef_, call_, "/menus/many", {}), 130);
}

TEST_F(FilesTest, DeletingAFolderNeedsDeleteOnEverythingInIt) {
  put("/menus/a.txt", "a");
  put("/menus/secret/recipe.txt", "salt");
  FilesService f = files();
  EXPECT_EQ(f.remove(chef_, call_, "/menus").status().code(), ErrorCode::kNoPermissionFiles);
  EXPECT_TRUE(fs::exists(root() + "/menus/a.txt"));
  EXPECT_TRUE(fs::exists(root() + "/menus/secret/recipe.txt"));
  EXPECT_EQ(*f.remove(chef_, call_, "/menus/a.txt"), 1);
  EXPECT_EQ(f.remove(chef_, call_, "/menus/a.txt").status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(f.remove(anonymous_, call_, "/menus/a.txt").status().code(), ErrorCode::kNoPermissionFiles);
  EXPECT_EQ(*f.remove(admin_, call_, "/menus"), 3);
}

TEST_F(FilesTest, CopyMoveRenameAsBackendlessDoes) {
  put("/menus/today.txt", "soup");
  put("/menus/secret/recipe.txt", "salt");
  FilesService f = files();
  // Copy and move take the folder to put the source in.
  Result<std::string> copied = f.copy(chef_, call_, "/menus/today.txt", "/menus/archive");
  ASSERT_TRUE(copied.ok()) << copied.status().message();
  EXPECT_EQ(*copied, "/menus/archive/today.txt");
  EXPECT_EQ(f.copy(chef_, call_, "/menus/today.txt", "/menus/archive").status().code(), ErrorCode::kFileTargetExists);
  EXPECT_EQ(f.copy(chef_, call_, "/menus/today.txt", "/elsewhere").status().code(), ErrorCode::kNoPermissionFiles);
  EXPECT_EQ(f.copy(chef_, call_, "/menus/secret/recipe.txt", "/menus").status().code(), ErrorCode::kNoPermissionFiles);
  // A folder holding something the principal may not read cannot be copied or moved.
  EXPECT_EQ(f.copy(chef_, call_, "/menus/secret", "/menus/copy").status().code(), ErrorCode::kNoPermissionFiles);
  EXPECT_FALSE(fs::exists(root() + "/menus/copy"));
  EXPECT_EQ(f.move(chef_, call_, "/menus", "/menus2").status().code(), ErrorCode::kNoPermissionFiles);

  Result<std::string> moved = f.move(chef_, call_, "/menus/archive/today.txt", "/menus/old");
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  EXPECT_EQ(*moved, "/menus/old/today.txt");
  EXPECT_FALSE(fs::exists(root() + "/menus/archive/today.txt"));

  Result<std::string> renamed = f.rename(chef_, call_, "/menus/old/today.txt", "yesterday.txt");
  ASSERT_TRUE(renamed.ok()) << renamed.status().message();
  EXPECT_EQ(*renamed, "/menus/old/yesterday.txt");
  EXPECT_EQ(f.rename(chef_, call_, "/menus/old/yesterday.txt", "../../x").status().code(),
            ErrorCode::kFilePathProhibited);
  EXPECT_EQ(f.rename(chef_, call_, "/menus/old/yesterday.txt", "a/b").status().code(), ErrorCode::kFilePathProhibited);
  EXPECT_EQ(f.rename(chef_, call_, "/menus/old/nope.txt", "x.txt").status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(f.rename(chef_, call_, "/menus/today.txt", "secret").status().code(), ErrorCode::kFileTargetExists);
}

TEST_F(FilesTest, KindOfNeedsReadOrList) {
  put("/public/menu.txt", "m");
  FilesService f = files();
  EXPECT_EQ(*f.kindOf(anonymous_, call_, "/public"), FileKind::kDirectory);
  EXPECT_EQ(*f.kindOf(anonymous_, call_, "/public/menu.txt"), FileKind::kFile);
  EXPECT_EQ(f.kindOf(anonymous_, call_, "/public/nope").status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(f.kindOf(anonymous_, call_, "/menus").status().code(), ErrorCode::kNoPermissionFiles);
}

TEST_F(FilesTest, DevModeDenialNamesTheRule) {
  put("/menus/secret/recipe.txt", "salt");
  CallInfo dev;
  dev.devMode = true;
  Status s = files().download(chef_, dev, "/menus/secret/recipe.txt").status();
  EXPECT_EQ(s.code(), ErrorCode::kNoPermissionFiles);
  EXPECT_NE(s.message().find("files:/menus/secret"), std::string::npos) << s.message();
  Status quiet = files().download(chef_, call_, "/menus/secret/recipe.txt").status();
  EXPECT_EQ(quiet.message(), "User has no permissions to specified resource");
}

TEST_F(FilesTest, AdminWritesAreAudited) {
  CallInfo call;
  call.channel = Channel::kAdmin;
  call.requestId = "r1";
  FilesService f = files();
  ASSERT_TRUE(f.save(admin_, call, "/x/y.txt", "12345", false).ok());
  ASSERT_TRUE(f.download(admin_, call, "/x/y.txt").ok());  // the admin's reads are not
  EXPECT_EQ(f.save(admin_, call, "/x/y.txt", "1", false).status().code(), ErrorCode::kFileAlreadyExists);
  ASSERT_TRUE(f.remove(admin_, call, "/x").ok());
  // A client's writes are not audited.
  ASSERT_TRUE(f.save(chef_, call_, "/menus/z.txt", "z", false).ok());

  std::vector<AuditEntry> entries = audit_->query({});
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].op, "write");
  EXPECT_EQ(entries[0].resource, "files:/x/y.txt");
  EXPECT_EQ(entries[0].detail, "5 bytes");
  EXPECT_EQ(entries[0].principal, "admin");
  EXPECT_EQ(entries[0].requestId, "r1");
  EXPECT_EQ(entries[1].detail, "failed with 6003");
  EXPECT_EQ(entries[2].op, "delete");
  EXPECT_EQ(entries[2].resource, "files:/x");
  EXPECT_EQ(entries[2].detail, "2 entries");
}

TEST_F(FilesTest, UploadSizeLimit) {
  openStore({.maxFileBytes = 10});
  FilesService f = files();
  Result<std::unique_ptr<FileUpload>> up = f.beginUpload(admin_, call_, "/big.bin", false);
  ASSERT_TRUE(up.ok());
  EXPECT_TRUE((*up)->write("123456", 6).ok());
  EXPECT_EQ((*up)->write("123456", 6).code(), ErrorCode::kBodyTooLarge);
  EXPECT_FALSE(fs::exists(root() + "/big.bin"));
  std::vector<AuditEntry> entries = audit_->query({});
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].detail, "failed with 100413");
  EXPECT_EQ(f.save(chef_, call_, "/menus/ten.bin", std::string(10, 't'), false).status().code(), ErrorCode::kOk);
}

}  // namespace
}  // namespace ck::services
