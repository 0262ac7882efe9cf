#include "services/app_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "storage/test_temp_dir.h"

namespace ck::services {
namespace {

TEST(AppLogTest, RedactsTheSecretEverywhere) {
  EXPECT_EQ(redact("a tok b tok", "tok"), "a [redacted] b [redacted]");
  EXPECT_EQ(redact("nothing", ""), "nothing");
  EXPECT_EQ(redact("toktok", "tok"), "[redacted][redacted]");
}

TEST(AppLogTest, WritesReadsAndKeepsSequenceAcrossReopen) {
  storage::TempDir tmp;
  FakeClock clock;
  std::string dir = appLogDir(tmp.path(), "app1");
  {
    AppLog log(dir, clock);
    log.write("info", "console", "inv-1", "hello SECRET", "SECRET");
    clock.advanceMs(10);
    log.write("error", "invocation", "inv-2", "boom", "");
  }
  AppLog again(dir, clock);
  again.write("warn", "logger:x", "inv-3", "third", "");
  std::vector<AppLogLine> lines = readAppLog(dir, {});
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].message, "hello [redacted]");
  EXPECT_EQ(lines[0].invocationId, "inv-1");
  EXPECT_EQ(lines[2].seq, 3);
  EXPECT_EQ(readAppLog(dir, {.afterSeq = 2}).size(), 1u);
  EXPECT_EQ(readAppLog(dir, {.sinceMs = lines[1].timeMs}).size(), 2u);
  EXPECT_EQ(readAppLog(dir, {.limit = 1}).size(), 1u);
  EXPECT_TRUE(readAppLog(appLogDir(tmp.path(), "none"), {}).empty());
}

TEST(AppLogTest, RotatesAndStaysBounded) {
  storage::TempDir tmp;
  FakeClock clock;
  std::string dir = appLogDir(tmp.path(), "app1");
  AppLog log(dir, clock, AppLogConfig{.maxFileBytes = 2000, .maxMessageBytes = 100});
  for (int i = 0; i < 500; ++i) log.write("info", "console", "inv", std::string(300, 'x'), "");
  uint64_t total = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) total += entry.file_size();
  EXPECT_LE(total, 4000u);
  std::vector<AppLogLine> lines = readAppLog(dir, {});
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().seq, 500);
  EXPECT_LE(lines.back().message.size(), 100u + 6) << "cut, with the mark";
}

}  // namespace
}  // namespace ck::services
