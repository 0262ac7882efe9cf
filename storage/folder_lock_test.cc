#include "storage/folder_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace ck::storage {
namespace {

class FolderLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ck-lock-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/data";  // made by acquire
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string root_;
  std::string dir_;
};

TEST_F(FolderLockTest, SecondHolderInThisProcessIsRefusedUntilTheFirstLetsGo) {
  {
    Result<FolderLock> first = FolderLock::acquire(dir_);
    ASSERT_TRUE(first.ok()) << first.status().message();
    Result<FolderLock> second = FolderLock::acquire(dir_);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), ErrorCode::kAlreadyExists);
    EXPECT_EQ(second.status().message(), "in use by another cloudkeep server (pid " + std::to_string(::getpid()) + ")");
    // Moving the hold keeps it.
    FolderLock moved = std::move(*first);
    EXPECT_FALSE(FolderLock::acquire(dir_).ok());
  }
  EXPECT_TRUE(FolderLock::acquire(dir_).ok());
}

TEST_F(FolderLockTest, AnotherProcessHoldingItIsNamedAndItsEndFreesTheFolder) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Result<FolderLock> held = FolderLock::acquire(dir_);
    char c = held.ok() ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    ::pause();  // killed by the parent: the kernel drops the hold
    std::_Exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  Result<FolderLock> refused = FolderLock::acquire(dir_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("(pid " + std::to_string(child) + ")"), std::string::npos)
      << refused.status().message();

  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ::close(ready[0]);
  ::close(ready[1]);
  EXPECT_TRUE(FolderLock::acquire(dir_).ok());
}

TEST_F(FolderLockTest, AFolderThatCannotBeMadeIsAnError) {
  std::string file = root_ + "/plain";
  FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  Result<FolderLock> lock = FolderLock::acquire(file + "/data");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ck::storage
