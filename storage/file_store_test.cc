// FileStore and FilePath: normalisation, the table of confinement attacks
// (each refused before the disk is touched), symlinks planted inside the
// root (never followed by a read, write, listing, delete, copy or move),
// temp-file-then-rename writes, the size limit, 6003/6000/6018, listing
// with pattern, recursion and paging.

#include "storage/file_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "base/random.h"
#include "storage/test_temp_dir.h"

namespace ck::storage {
namespace {

namespace fs = std::filesystem;

std::string readDisk(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeDisk(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

// Every name in the folder on disk, hidden ones included.
std::vector<std::string> diskNames(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

FilePath path(std::string_view text) {
  Result<FilePath> p = FilePath::parse(text);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status().message();
  return p.ok() ? *p : FilePath();
}

std::vector<std::string> paths(const std::vector<FileInfo>& entries) {
  std::vector<std::string> out;
  for (const FileInfo& e : entries) out.push_back(e.path);
  return out;
}

// --- FilePath ---

TEST(FilePath, NormalisesWhatTheSdkSends) {
  struct Case {
    std::string in;
    std::string out;
    bool directoryForm;
  };
  const Case cases[] = {
      {"", "/", false},
      {"/", "/", true},
      {"menus", "/menus", false},
      {"/menus/today.txt", "/menus/today.txt", false},
      {"menus//today.txt", "/menus/today.txt", false},
      {"//menus///today.txt", "/menus/today.txt", false},
      {"/menus/", "/menus", true},
      {"menus//", "/menus", true},
      {"/abs", "/abs", false},                // rooted at the storage folder, never the host's /
      {"/etc/passwd", "/etc/passwd", false},  // the same: <root>/etc/passwd
      {"%2e%2e", "/%2e%2e", false},           // never decoded here: a literal, harmless name
      {"%2e%2e/%2fx", "/%2e%2e/%2fx", false},
      {"a b/Ünïcödé €.txt", "/a b/Ünïcödé €.txt", false},
      {"...", "/...", false},
      {".hidden", "/.hidden", false},
      {"~/x", "/~/x", false},
  };
  for (const Case& c : cases) {
    Result<FilePath> p = FilePath::parse(c.in);
    ASSERT_TRUE(p.ok()) << c.in << ": " << p.status().message();
    EXPECT_EQ(p->str(), c.out) << c.in;
    EXPECT_EQ(p->directoryForm(), c.directoryForm) << c.in;
  }
}

TEST(FilePath, RefusesEveryConfinementAttack) {
  const std::string tooLongName(256, 'a');
  std::string tooLongPath;
  while (tooLongPath.size() <= kMaxFilePathBytes) tooLongPath += "/" + std::string(100, 'b');
  const std::string cases[] = {
      "..",
      "../x",
      "/../x",
      "a/../../x",
      "a/..",
      "menus/../../../etc/passwd",
      "a//..//b",
      ".",
      "./x",
      "a/./b",
      "a\\b",
      "..\\..\\x",
      std::string("a\0b", 3),
      std::string("\0", 1),
      "a\nb",
      "a\rb",
      "a\tb",
      "a\x7f",
      "a\x1b[31m",
      "\xff",
      "a\xc0\xaf" "b",       // an overlong "/" in UTF-8
      "\xc0\xae\xc0\xae/x",  // an overlong ".." in UTF-8
      "\xed\xa0\x80",        // a UTF-16 surrogate
      "\xf4\x90\x80\x80",    // past U+10FFFF
      "a/\xe2\x82",          // a truncated sequence
      tooLongName,
      "dir/" + tooLongName,
      tooLongPath,
      std::string(8 * kMaxFilePathBytes, '/') + "x",
      ".cktmp-0123456789abcdef",  // temp files are never addressable
      "dir/.cktmp-x",
  };
  for (const std::string& c : cases) {
    Result<FilePath> p = FilePath::parse(c);
    EXPECT_FALSE(p.ok()) << "accepted: " << c;
    if (!p.ok()) {
      EXPECT_EQ(p.status().code(), ErrorCode::kFilePathProhibited) << c;
    }
  }
}

TEST(FilePath, AcceptsTheLongestPathAndName) {
  const std::string name(kMaxFileNameBytes, 'n');
  EXPECT_TRUE(FilePath::parse(name).ok());
  std::string longest;
  while (longest.size() + 11 <= kMaxFilePathBytes) longest += "/" + std::string(10, 'c');
  longest += "/" + std::string(kMaxFilePathBytes - longest.size() - 1, 'd');
  ASSERT_EQ(longest.size(), kMaxFilePathBytes);
  EXPECT_TRUE(FilePath::parse(longest).ok());
  EXPECT_FALSE(FilePath::parse(longest + "e").ok());
}

TEST(FilePath, PartsAndChildren) {
  FilePath p = path("/menus/today/lunch.txt");
  EXPECT_EQ(p.name(), "lunch.txt");
  EXPECT_EQ(p.parent().str(), "/menus/today");
  EXPECT_EQ(p.parent().parent().parent().str(), "/");
  EXPECT_TRUE(FilePath().parent().isRoot());
  EXPECT_EQ(p.relative(), "menus/today/lunch.txt");
  EXPECT_EQ(p.segments(), (std::vector<std::string_view>{"menus", "today", "lunch.txt"}));
  EXPECT_TRUE(FilePath().segments().empty());
  EXPECT_EQ(path("/menus").child("x.txt")->str(), "/menus/x.txt");
  EXPECT_EQ(FilePath().child("x.txt")->str(), "/x.txt");
  for (std::string_view bad : {"", ".", "..", "a/b", "a\\b"}) {
    EXPECT_EQ(FilePath().child(bad).status().code(), ErrorCode::kFilePathProhibited) << bad;
  }
  EXPECT_TRUE(p.isWithin(path("/menus")));
  EXPECT_TRUE(p.isWithin(FilePath()));
  EXPECT_TRUE(p.isWithin(p));
  EXPECT_FALSE(path("/menus2/x").isWithin(path("/menus")));
  EXPECT_FALSE(path("/menus").isWithin(path("/menus/today")));
}

TEST(Glob, MatchesStarAndQuestionMark) {
  struct Case {
    const char* pattern;
    const char* name;
    bool match;
  };
  const Case cases[] = {
      {"", "anything", true},        {"*", "", true},           {"*", "a.txt", true},
      {"*.txt", "a.txt", true},      {"*.txt", "a.txt.gz", false}, {"a?c", "abc", true},
      {"a?c", "ac", false},          {"a?c", "aéc", true},      {"*a*b*c*", "xaybzc", true},
      {"*a*b*c*", "xaybz", false},   {"today.txt", "today.txt", true}, {"today.txt", "Today.txt", false},
      {"**", "x", true},             {"?", "", false},          {"*.*", "README", false},
  };
  for (const Case& c : cases) EXPECT_EQ(globMatch(c.pattern, c.name), c.match) << c.pattern << " ~ " << c.name;
  // No exponential backtracking.
  EXPECT_FALSE(globMatch(std::string(100, '*') + "b", std::string(255, 'a')));
}

// --- FileStore ---

class FileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }

  void open(FileStoreConfig config = {}) {
    store_.reset();
    store_ = std::make_unique<FileStore>(root(), config, random_);
  }

  std::string root() const { return dir_.path() + "/files"; }
  std::string outside() const { return dir_.path() + "/outside"; }

  void put(std::string_view p, std::string_view content) {
    Result<FileInfo> r = store_->writeAll(path(p), content, true);
    ASSERT_TRUE(r.ok()) << p << ": " << r.status().message();
  }

  std::string get(std::string_view p) {
    Result<ReadableFile> f = store_->openRead(path(p));
    EXPECT_TRUE(f.ok()) << p << ": " << f.status().message();
    return f.ok() ? f->readAll() : "";
  }

  TempDir dir_;
  SystemRandom random_;
  std::unique_ptr<FileStore> store_;
};

TEST_F(FileStoreTest, WritesReadsAndStats) {
  Result<FileInfo> written = store_->writeAll(path("menus/today.txt"), "soup", false);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(written->path, "/menus/today.txt");
  EXPECT_EQ(written->name, "today.txt");
  EXPECT_EQ(written->size, 4u);
  EXPECT_FALSE(written->directory);
  EXPECT_GT(written->modifiedMs, 0);
  EXPECT_EQ(readDisk(root() + "/menus/today.txt"), "soup");
  EXPECT_EQ(get("/menus//today.txt"), "soup");

  Result<FileInfo> dir = store_->stat(path("/menus"));
  ASSERT_TRUE(dir.ok());
  EXPECT_TRUE(dir->directory);
  EXPECT_EQ(dir->size, 0u);
  EXPECT_TRUE(store_->stat(FilePath()).ok());
}

TEST_F(FileStoreTest, ExistingFileIs6003WithoutOverwriteAndReplacedWithIt) {
  put("/a.txt", "one");
  Result<FileInfo> again = store_->writeAll(path("/a.txt"), "two", false);
  EXPECT_EQ(again.status().code(), ErrorCode::kFileAlreadyExists);
  EXPECT_EQ(get("/a.txt"), "one");
  ASSERT_TRUE(store_->writeAll(path("/a.txt"), "two", true).ok());
  EXPECT_EQ(get("/a.txt"), "two");

  // The name is taken between beginWrite and commit: decided at the rename.
  Result<std::unique_ptr<FileWriter>> late = store_->beginWrite(path("/b.txt"), false);
  ASSERT_TRUE(late.ok());
  ASSERT_TRUE((*late)->write("late").ok());
  put("/b.txt", "first");
  EXPECT_EQ((*late)->commit().status().code(), ErrorCode::kFileAlreadyExists);
  EXPECT_EQ(get("/b.txt"), "first");
  EXPECT_EQ(diskNames(root()), (std::vector<std::string>{"a.txt", "b.txt"}));

  // A folder's name is never replaced by a file.
  ASSERT_TRUE(store_->makeDirectory(path("/d")).ok());
  EXPECT_EQ(store_->writeAll(path("/d"), "x", true).status().code(), ErrorCode::kFileAlreadyExists);
  EXPECT_EQ(store_->writeAll(path("/"), "x", true).status().code(), ErrorCode::kFilePathProhibited);
}

TEST_F(FileStoreTest, MissingIs6000) {
  EXPECT_EQ(store_->openRead(path("/nope.txt")).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->openRead(path("/no/such/dir/x")).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->stat(path("/nope")).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->remove(path("/nope")).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->list(path("/nope"), {}).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->count(path("/nope"), {}).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->copy(path("/nope"), path("/x")).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->move(path("/nope"), path("/x")).status().code(), ErrorCode::kFileNotFound);
  put("/menus/a.txt", "a");
  // A folder is not a file to read, a file not a folder to list.
  EXPECT_EQ(store_->openRead(path("/menus")).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->list(path("/menus/a.txt"), {}).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->openRead(path("/menus/a.txt/x")).status().code(), ErrorCode::kFileNotFound);
}

TEST_F(FileStoreTest, SizeLimitRefusesAndLeavesNothing) {
  open({.maxFileBytes = 10});
  EXPECT_TRUE(store_->writeAll(path("/ten.bin"), std::string(10, 'x'), false).ok());
  Result<FileInfo> big = store_->writeAll(path("/eleven.bin"), std::string(11, 'x'), false);
  EXPECT_EQ(big.status().code(), ErrorCode::kBodyTooLarge);

  // Across several writes: the one that passes the limit fails, the writer is spent.
  Result<std::unique_ptr<FileWriter>> w = store_->beginWrite(path("/chunks.bin"), false);
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE((*w)->write(std::string(6, 'x')).ok());
  EXPECT_EQ((*w)->write(std::string(5, 'x')).code(), ErrorCode::kBodyTooLarge);
  EXPECT_THROW((void)(*w)->commit(), std::logic_error);
  EXPECT_EQ(diskNames(root()), (std::vector<std::string>{"ten.bin"}));
}

TEST_F(FileStoreTest, AnAbandonedWriteLeavesNoPartialFile) {
  put("/menu.txt", "old menu");
  {
    Result<std::unique_ptr<FileWriter>> w = store_->beginWrite(path("/menu.txt"), true);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->write("new me").ok());
    // Readers and listings see the old file whole while the new one is written.
    EXPECT_EQ(get("/menu.txt"), "old menu");
    Result<std::vector<FileInfo>> listed = store_->list(FilePath(), {});
    ASSERT_TRUE(listed.ok());
    EXPECT_EQ(paths(*listed), (std::vector<std::string>{"/menu.txt"}));
    EXPECT_EQ(store_->count(FilePath(), {}).value(), 1);
    EXPECT_EQ(diskNames(root()).size(), 2u);  // the temp file is there, hidden
  }  // dropped: the client went away mid-upload
  EXPECT_EQ(get("/menu.txt"), "old menu");
  EXPECT_EQ(diskNames(root()), (std::vector<std::string>{"menu.txt"}));

  {
    Result<std::unique_ptr<FileWriter>> w = store_->beginWrite(path("/new/fresh.txt"), false);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->write("half").ok());
  }
  EXPECT_EQ(store_->openRead(path("/new/fresh.txt")).status().code(), ErrorCode::kFileNotFound);
  EXPECT_TRUE(diskNames(root() + "/new").empty());
}

TEST_F(FileStoreTest, ListsWithPatternRecursionAndPages) {
  put("/web/index.html", "<p>");
  put("/web/about.html", "<p>");
  put("/web/app.js", "1");
  put("/web/css/site.css", "x");
  put("/web/css/print.css", "x");
  put("/web/img/logo.png", "x");
  put("/other/x.html", "x");

  auto list = [&](std::string_view dir, ListOptions o) {
    Result<std::vector<FileInfo>> r = store_->list(path(dir), o);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? paths(*r) : std::vector<std::string>{};
  };
  EXPECT_EQ(list("/web", {}), (std::vector<std::string>{"/web/about.html", "/web/app.js", "/web/css",
                                                          "/web/img", "/web/index.html"}));
  EXPECT_EQ(list("/web", {.pattern = "*.html"}), (std::vector<std::string>{"/web/about.html", "/web/index.html"}));
  EXPECT_EQ(list("/web", {.pattern = "*.css", .recursive = true}),
            (std::vector<std::string>{"/web/css/print.css", "/web/css/site.css"}));
  // A folder comes before its contents; each folder in name order.
  EXPECT_EQ(list("/web", {.recursive = true}),
            (std::vector<std::string>{"/web/about.html", "/web/app.js", "/web/css", "/web/css/print.css",
                                      "/web/css/site.css", "/web/img", "/web/img/logo.png", "/web/index.html"}));
  EXPECT_EQ(list("/web", {.recursive = true, .includeDirectories = false}).size(), 6u);
  // Pages: offset then limit, over the filtered sequence.
  EXPECT_EQ(list("/web", {.recursive = true, .offset = 2, .limit = 3}),
            (std::vector<std::string>{"/web/css", "/web/css/print.css", "/web/css/site.css"}));
  EXPECT_EQ(list("/web", {.recursive = true, .offset = 7, .limit = 3}),
            (std::vector<std::string>{"/web/index.html"}));
  EXPECT_TRUE(list("/web", {.recursive = true, .offset = 8}).empty());
  EXPECT_TRUE(list("/web", {.limit = 0}).empty());
  EXPECT_EQ(list("/", {}), (std::vector<std::string>{"/other", "/web"}));
  // A filter drops entries before paging.
  ListOptions noCss{.recursive = true, .limit = 2};
  noCss.filter = [](const FileInfo& e) { return !e.path.starts_with("/web/css"); };
  EXPECT_EQ(list("/web", noCss), (std::vector<std::string>{"/web/about.html", "/web/app.js"}));
  noCss.offset = 2;
  EXPECT_EQ(list("/web", noCss), (std::vector<std::string>{"/web/img", "/web/img/logo.png"}));

  EXPECT_EQ(store_->count(path("/web"), {}).value(), 5);
  EXPECT_EQ(store_->count(path("/web"), {.recursive = true}).value(), 8);
  EXPECT_EQ(store_->count(path("/web"), {.pattern = "*.css", .recursive = true}).value(), 2);
  EXPECT_EQ(store_->count(path("/web"), {.recursive = true, .includeDirectories = false}).value(), 6);

  Result<std::vector<FileInfo>> withInfo = store_->list(path("/web/css"), {});
  ASSERT_TRUE(withInfo.ok());
  ASSERT_EQ(withInfo->size(), 2u);
  EXPECT_EQ((*withInfo)[0].name, "print.css");
  EXPECT_EQ((*withInfo)[0].size, 1u);
}

TEST_F(FileStoreTest, ListingSkipsNamesThatAreNoPaths) {
  put("/d/ok.txt", "x");
  writeDisk(root() + "/d/back\\slash", "x");
  writeDisk(root() + "/d/ctrl\x01", "x");
  writeDisk(root() + "/d/bad\xff", "x");
  writeDisk(root() + "/d/.cktmp-left-by-a-crash", "x");
  ASSERT_EQ(::mkfifo((root() + "/d/fifo").c_str(), 0644), 0);
  Result<std::vector<FileInfo>> listed = store_->list(path("/d"), {});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(paths(*listed), (std::vector<std::string>{"/d/ok.txt"}));
  // A FIFO is never opened (a read would block a worker).
  EXPECT_EQ(store_->openRead(path("/d/fifo")).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->remove(path("/d")).value(), 2);  // the folder and ok.txt; the rest goes too
  EXPECT_FALSE(fs::exists(root() + "/d"));
}

TEST_F(FileStoreTest, RemovesFilesAndFolders) {
  put("/a/b/c.txt", "x");
  put("/a/b/d.txt", "x");
  put("/a/e.txt", "x");
  EXPECT_EQ(store_->remove(path("/a/e.txt")).value(), 1);
  EXPECT_EQ(store_->remove(path("/a")).value(), 4);
  EXPECT_FALSE(fs::exists(root() + "/a"));
  EXPECT_EQ(store_->remove(FilePath()).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(fs::exists(root()));
}

TEST_F(FileStoreTest, MakesDirectories) {
  Result<FileInfo> made = store_->makeDirectory(path("/x/y/z"));
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_TRUE(made->directory);
  EXPECT_TRUE(fs::is_directory(root() + "/x/y/z"));
  EXPECT_TRUE(store_->makeDirectory(path("/x/y")).ok());  // exists already: fine
  put("/x/file", "f");
  EXPECT_EQ(store_->makeDirectory(path("/x/file")).status().code(), ErrorCode::kFileAlreadyExists);
  EXPECT_EQ(store_->makeDirectory(path("/x/file/sub")).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->writeAll(path("/x/file/sub.txt"), "s", false).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(FileStoreTest, CopiesAndMoves) {
  put("/docs/readme.txt", "read me");
  put("/docs/sub/deep.txt", "deep");

  Result<FileInfo> copied = store_->copy(path("/docs/readme.txt"), path("/updated/readme.txt"));
  ASSERT_TRUE(copied.ok()) << copied.status().message();
  EXPECT_EQ(get("/updated/readme.txt"), "read me");
  EXPECT_EQ(get("/docs/readme.txt"), "read me");
  EXPECT_EQ(store_->copy(path("/docs/readme.txt"), path("/updated/readme.txt")).status().code(),
            ErrorCode::kFileTargetExists);

  ASSERT_TRUE(store_->copy(path("/docs"), path("/backup/docs")).ok());
  EXPECT_EQ(get("/backup/docs/sub/deep.txt"), "deep");
  EXPECT_EQ(store_->copy(path("/docs"), path("/docs/inside")).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->copy(path("/docs"), path("/docs")).status().code(), ErrorCode::kFileTargetExists);
  EXPECT_EQ(store_->copy(FilePath(), path("/x")).status().code(), ErrorCode::kInvalidArgument);

  Result<FileInfo> moved = store_->move(path("/docs/readme.txt"), path("/moved/readme.txt"));
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  EXPECT_EQ(get("/moved/readme.txt"), "read me");
  EXPECT_EQ(store_->openRead(path("/docs/readme.txt")).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->move(path("/updated/readme.txt"), path("/moved/readme.txt")).status().code(),
            ErrorCode::kFileTargetExists);
  EXPECT_EQ(get("/updated/readme.txt"), "read me");
  ASSERT_TRUE(store_->move(path("/docs"), path("/renamed")).ok());
  EXPECT_EQ(get("/renamed/sub/deep.txt"), "deep");
  EXPECT_EQ(store_->move(path("/renamed"), path("/renamed/sub/x")).status().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(store_->makeDirectory(path("/empty")).ok());
  EXPECT_EQ(store_->move(path("/backup"), path("/empty")).status().code(), ErrorCode::kFileTargetExists);
}

// A symlink planted inside the root that points outside it is never followed.
class FileStoreSymlinkTest : public FileStoreTest {
 protected:
  void SetUp() override {
    FileStoreTest::SetUp();
    fs::create_directories(outside());
    writeDisk(outside() + "/secret.txt", "secret");
    fs::create_directory_symlink(outside(), root() + "/link");          // a folder link
    fs::create_symlink(outside() + "/secret.txt", root() + "/filelink");  // a file link
    fs::create_directories(root() + "/inner");
    fs::create_directory_symlink("../../outside", root() + "/inner/up");  // relative
  }

  void expectOutsideUntouched() {
    EXPECT_EQ(diskNames(outside()), (std::vector<std::string>{"secret.txt"}));
    EXPECT_EQ(readDisk(outside() + "/secret.txt"), "secret");
  }
};

TEST_F(FileStoreSymlinkTest, CannotReadThroughIt) {
  for (std::string_view p : {"/link/secret.txt", "/filelink", "/inner/up/secret.txt", "/link"}) {
    EXPECT_EQ(store_->openRead(path(p)).status().code(), ErrorCode::kFileNotFound) << p;
    EXPECT_EQ(store_->stat(path(p)).status().code(), ErrorCode::kFileNotFound) << p;
  }
  EXPECT_EQ(store_->copy(path("/link/secret.txt"), path("/stolen.txt")).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->copy(path("/filelink"), path("/stolen.txt")).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->move(path("/link/secret.txt"), path("/stolen.txt")).status().code(), ErrorCode::kFileNotFound);
  EXPECT_FALSE(fs::exists(root() + "/stolen.txt"));
  expectOutsideUntouched();
}

TEST_F(FileStoreSymlinkTest, CannotWriteThroughIt) {
  for (std::string_view p : {"/link/new.txt", "/link/secret.txt", "/inner/up/new.txt", "/link/a/b.txt"}) {
    EXPECT_EQ(store_->writeAll(path(p), "pwned", true).status().code(), ErrorCode::kInvalidArgument) << p;
  }
  EXPECT_EQ(store_->makeDirectory(path("/link/sub")).status().code(), ErrorCode::kInvalidArgument);
  // The link's own name: without overwrite it is taken; with it, the link
  // itself is replaced by a file and its target stays as it was.
  EXPECT_EQ(store_->writeAll(path("/filelink"), "pwned", false).status().code(), ErrorCode::kFileAlreadyExists);
  ASSERT_TRUE(store_->writeAll(path("/filelink"), "mine", true).ok());
  EXPECT_FALSE(fs::is_symlink(root() + "/filelink"));
  EXPECT_EQ(get("/filelink"), "mine");
  expectOutsideUntouched();
}

TEST_F(FileStoreSymlinkTest, CannotListThroughIt) {
  EXPECT_EQ(store_->list(path("/link"), {}).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->list(path("/inner/up"), {}).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->count(path("/link"), {}).status().code(), ErrorCode::kFileNotFound);
  Result<std::vector<FileInfo>> all = store_->list(FilePath(), {.recursive = true});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(paths(*all), (std::vector<std::string>{"/inner"}));
  EXPECT_EQ(store_->count(FilePath(), {.recursive = true}).value(), 1);
  int visited = 0;
  EXPECT_TRUE(store_->walk(FilePath(), [&](const FileInfo&) {
    ++visited;
    return Status();
  }).ok());
  EXPECT_EQ(visited, 2);  // the root and /inner
}

TEST_F(FileStoreSymlinkTest, CannotDeleteThroughIt) {
  EXPECT_EQ(store_->remove(path("/link/secret.txt")).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->remove(path("/inner/up/secret.txt")).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->remove(path("/link")).status().code(), ErrorCode::kFileNotFound);
  EXPECT_EQ(store_->remove(path("/filelink")).status().code(), ErrorCode::kFileNotFound);
  expectOutsideUntouched();
  // Deleting a folder that holds a link removes the link, never its target.
  EXPECT_EQ(store_->remove(path("/inner")).value(), 1);
  EXPECT_FALSE(fs::exists(root() + "/inner"));
  expectOutsideUntouched();
}

TEST_F(FileStoreSymlinkTest, CannotRenameOrCopyIntoIt) {
  put("/mine.txt", "mine");
  ASSERT_TRUE(store_->makeDirectory(path("/folder")).ok());
  for (std::string_view target : {"/link/mine.txt", "/inner/up/mine.txt", "/link/deeper/mine.txt"}) {
    EXPECT_EQ(store_->move(path("/mine.txt"), path(target)).status().code(), ErrorCode::kInvalidArgument) << target;
    EXPECT_EQ(store_->copy(path("/mine.txt"), path(target)).status().code(), ErrorCode::kInvalidArgument) << target;
    EXPECT_EQ(store_->move(path("/folder"), path(target)).status().code(), ErrorCode::kInvalidArgument) << target;
  }
  // Onto the link's own name: taken.
  EXPECT_EQ(store_->move(path("/mine.txt"), path("/link")).status().code(), ErrorCode::kFileTargetExists);
  EXPECT_EQ(store_->move(path("/mine.txt"), path("/filelink")).status().code(), ErrorCode::kFileTargetExists);
  EXPECT_EQ(get("/mine.txt"), "mine");
  expectOutsideUntouched();
}

TEST_F(FileStoreTest, RefusesARootThatIsASymlink) {
  fs::create_directories(outside());
  fs::create_directory_symlink(outside(), dir_.path() + "/linked-root");
  EXPECT_THROW(FileStore(dir_.path() + "/linked-root", {}, random_), std::system_error);
}

TEST_F(FileStoreTest, ConcurrentListingsOfOneFolder) {
  for (int i = 0; i < 40; ++i) put("/f" + std::to_string(100 + i), "x");
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        Result<std::vector<FileInfo>> r = store_->list(FilePath(), {.limit = 1000});
        if (!r.ok() || r->size() != 40) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace ck::storage
