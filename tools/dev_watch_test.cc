// The dev runner's folder watch on a real folder: which changes call
// onChange (debounced into one call), folders made after the start are
// watched, and the skipped folders never count.

#include "tools/dev_watch.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace ck::tools {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

void writeFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

class FolderWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ck-watch-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    writeFile(root_ / "cloudkeep.json", "{}");
    writeFile(root_ / "services/a.js", "1");
    for (const char* dir : {".cloudkeep/apps", "seed", "files/deep", ".git/objects", "lib/.cache", "data"}) {
      fs::create_directories(root_ / dir);
    }
  }
  void TearDown() override {
    watcher_.reset();
    fs::remove_all(root_);
  }

  void start(const std::string& skipPath = "", std::chrono::milliseconds quiet = 50ms) {
    quiet_ = quiet;
    watcher_ = std::make_unique<FolderWatcher>(root_.string(), skipPath, quiet, [this] { ++calls_; });
    ASSERT_TRUE(watcher_->start().ok());
  }

  // The calls after `change`: waits up to `firstWithin` for the first (3 s:
  // the machine may be busy), then well past the quiet time for any more.
  int callsAfter(const std::function<void()>& change, std::chrono::milliseconds firstWithin = 3s) {
    int before = calls_;
    change();
    auto deadline = std::chrono::steady_clock::now() + firstWithin;
    while (calls_ == before && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    std::this_thread::sleep_for(std::max<std::chrono::milliseconds>(300ms, 4 * quiet_));
    return calls_ - before;
  }

  fs::path root_;
  std::chrono::milliseconds quiet_{50};
  std::atomic<int> calls_{0};
  std::unique_ptr<FolderWatcher> watcher_;
};

TEST_F(FolderWatcherTest, WatchesTheFoldersADeployReads) {
  start((root_ / "data").string());
  // root, services, lib: not .cloudkeep, seed, files, dot-folders or the data folder.
  EXPECT_EQ(watcher_->watchedFolders(), 3u);

  EXPECT_EQ(callsAfter([&] { writeFile(root_ / "services/a.js", "2"); }), 1);
  EXPECT_EQ(callsAfter([&] { writeFile(root_ / "cloudkeep.json", "{ }"); }), 1);
  // A rename into place (how editors save) and a removal count.
  EXPECT_EQ(callsAfter([&] {
              writeFile(root_ / "services/.a.js.tmp", "3");
              fs::rename(root_ / "services/.a.js.tmp", root_ / "services/a.js");
            }),
            1);
  EXPECT_EQ(callsAfter([&] { fs::remove(root_ / "services/a.js"); }), 1);
}

// A burst of writes is one call. The writes come 10 ms apart; the quiet time
// is long enough that a busy machine (a sanitizer build next to other work)
// cannot stretch one gap past it.
TEST_F(FolderWatcherTest, ABurstOfWritesIsOneCall) {
  start((root_ / "data").string(), 500ms);
  EXPECT_EQ(callsAfter([&] {
              for (int i = 0; i < 5; ++i) {
                writeFile(root_ / "services/a.js", std::to_string(i));
                std::this_thread::sleep_for(10ms);
              }
            }),
            1);
}

TEST_F(FolderWatcherTest, IgnoresSkippedFoldersAndDotFiles) {
  start((root_ / "data").string());
  EXPECT_EQ(callsAfter([&] {
              writeFile(root_ / ".cloudkeep/apps/x.db", "x");
              writeFile(root_ / "seed/Thing.json", "[]");
              writeFile(root_ / "files/deep/a.txt", "a");
              writeFile(root_ / ".git/objects/o", "o");
              writeFile(root_ / "lib/.cache/c", "c");
              writeFile(root_ / "data/host.db", "h");
              writeFile(root_ / "services/.a.js.swp", "s");
              writeFile(root_ / "services/a.js~", "b");
            }, 300ms),
            0);
}

TEST_F(FolderWatcherTest, WatchesFoldersMadeAfterTheStart) {
  start();
  EXPECT_EQ(callsAfter([&] { fs::create_directories(root_ / "lib/util/deep"); }), 1);
  EXPECT_EQ(callsAfter([&] { writeFile(root_ / "lib/util/deep/x.js", "x"); }), 1);
  // A folder moved in from outside, with its own subfolder.
  fs::path outside = root_.string() + "-outside";
  writeFile(outside / "sub/y.js", "y");
  EXPECT_EQ(callsAfter([&] { fs::rename(outside, root_ / "models"); }), 1);
  EXPECT_EQ(callsAfter([&] { writeFile(root_ / "models/sub/y.js", "z"); }), 1);
  // Skipped names stay skipped when they appear later.
  EXPECT_EQ(callsAfter([&] { fs::create_directories(root_ / "lib/.tmp"); }, 300ms), 0);
  EXPECT_EQ(callsAfter([&] { writeFile(root_ / "lib/.tmp/t", "t"); }, 300ms), 0);
}

TEST_F(FolderWatcherTest, StopJoinsPromptly) {
  start();
  auto begin = std::chrono::steady_clock::now();
  watcher_->stop();
  watcher_->stop();  // idempotent
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 1s);
  EXPECT_EQ(callsAfter([&] { writeFile(root_ / "services/a.js", "9"); }, 300ms), 0);
}

}  // namespace
}  // namespace ck::tools
