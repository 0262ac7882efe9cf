#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "base/log.h"
#include "base/random.h"
#include "base/status.h"

namespace ck {
namespace {

TEST(Errors, CodesAreUniqueAndHaveHttpStatus) {
  int n = 0;
  const ErrorInfo* all = allErrors(&n);
  ASSERT_GT(n, 0);
  std::set<int> seen;
  for (int i = 0; i < n; ++i) {
    EXPECT_TRUE(seen.insert(static_cast<int>(all[i].code)).second) << all[i].name;
    EXPECT_GE(all[i].httpStatus, 400) << all[i].name;
    EXPECT_LT(all[i].httpStatus, 600) << all[i].name;
  }
  EXPECT_EQ(errorInfo(ErrorCode::kBodyTooLarge).httpStatus, 413);
  EXPECT_EQ(Status::error(ErrorCode::kPageSizeTooLarge).httpStatus(), 400);
}

TEST(Status, ResultCarriesValueOrError) {
  Result<int> good = 5;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 5);
  Result<int> bad = Status(ErrorCode::kEntityNotFound, "no such row");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kEntityNotFound);
  EXPECT_EQ(bad.status().message(), "no such row");
}

class CountingRandom final : public Random {
 public:
  void fill(void* out, size_t n) override {
    auto* p = static_cast<unsigned char*>(out);
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<unsigned char>(next_++);
  }

 private:
  unsigned next_ = 0;
};

TEST(Random, GuidIsUppercaseVersion4) {
  SystemRandom random;
  std::regex shape("^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string g = newGuid(random);
    EXPECT_TRUE(std::regex_match(g, shape)) << g;
    seen.insert(g);
  }
  EXPECT_EQ(seen.size(), 100u);
  CountingRandom counting;
  EXPECT_EQ(newGuid(counting), "00010203-0405-4607-8809-0A0B0C0D0E0F");
}

TEST(Random, HexAndConstantTimeEquals) {
  EXPECT_EQ(toHex(std::string("\x00\xff\x10", 3)), "00ff10");
  SystemRandom random;
  EXPECT_EQ(randomHex(random, 32).size(), 64u);
  struct Case {
    const char* a;
    const char* b;
    bool equal;
  } cases[] = {{"", "", true}, {"abc", "abc", true}, {"abc", "abd", false}, {"abc", "ab", false}, {"", "a", false}};
  for (const Case& c : cases) EXPECT_EQ(constantTimeEquals(c.a, c.b), c.equal) << c.a << " vs " << c.b;
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Log, JsonLinesAreParseable) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  StreamLogger log(f, LogLevel::kInfo, LogFormat::kJson);
  log.debug("hidden");
  log.info("request", {{"path", "/a \"b\""}, {"status", 200}});
  std::rewind(f);
  char buf[512] = {};
  ASSERT_NE(std::fgets(buf, sizeof buf, f), nullptr);
  auto j = nlohmann::json::parse(buf);
  EXPECT_EQ(j["msg"], "request");
  EXPECT_EQ(j["path"], "/a \"b\"");
  EXPECT_EQ(j["status"], 200);
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(std::fgets(buf, sizeof buf, f), nullptr) << "debug line was written below the level";
  std::fclose(f);
}

// A human line: the UTC time to the millisecond (the current second's, also
// when the line before was written in an earlier second), the level padded
// to five, the message, the fields.
TEST(Log, HumanLinesCarryTheTimeAndThePaddedLevel) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  StreamLogger log(f, LogLevel::kInfo, LogFormat::kHuman);
  auto wallSecs = [] {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  };
  const int64_t before = wallSecs();
  log.info("request", {{"path", "/a \"b\""}, {"status", 200}});
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the next line is in a later second
  log.warn("slow");
  const int64_t after = wallSecs();
  std::rewind(f);
  const std::regex line(R"((\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.\d{3}Z (.*)\n)");
  int64_t last = 0;
  std::vector<std::string> rests;
  char buf[512] = {};
  while (std::fgets(buf, sizeof buf, f) != nullptr) {
    std::cmatch m;
    ASSERT_TRUE(std::regex_match(buf, m, line)) << buf;
    std::tm tm{};
    tm.tm_year = std::stoi(m[1]) - 1900;
    tm.tm_mon = std::stoi(m[2]) - 1;
    tm.tm_mday = std::stoi(m[3]);
    tm.tm_hour = std::stoi(m[4]);
    tm.tm_min = std::stoi(m[5]);
    tm.tm_sec = std::stoi(m[6]);
    const int64_t secs = timegm(&tm);
    EXPECT_GE(secs, before);
    EXPECT_LE(secs, after);
    EXPECT_GT(secs, last) << "the second line is a second or more later";
    last = secs;
    rests.push_back(m[7]);
  }
  EXPECT_EQ(rests, (std::vector<std::string>{R"(info  request path="/a \"b\"" status=200)", "warn  slow"}));
  std::fclose(f);
}

// A batching thread's lines wait for flush(); another thread's line writes
// them out first, so the order holds; past kMaxHeldBytes a batch goes at once.
TEST(Log, BatchedLinesWaitForFlushAndKeepTheirOrder) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  StreamLogger log(f, LogLevel::kInfo, LogFormat::kHuman);
  auto written = [&] {
    std::fflush(f);
    std::string text(static_cast<size_t>(std::ftell(f)), '\0');
    std::rewind(f);
    size_t n = std::fread(text.data(), 1, text.size(), f);
    std::fseek(f, 0, SEEK_END);
    text.resize(n);
    return text;
  };
  std::thread([&] {
    LogBatchScope batch;
    EXPECT_TRUE(LogBatchScope::active());
    log.info("one");
    log.info("two");
  }).join();
  EXPECT_FALSE(LogBatchScope::active());
  EXPECT_EQ(written(), "");
  log.info("three");  // this thread does not batch: everything goes, in order
  std::string text = written();
  ASSERT_NE(text.find(" one\n"), std::string::npos) << text;
  EXPECT_LT(text.find(" one\n"), text.find(" two\n"));
  EXPECT_LT(text.find(" two\n"), text.find(" three\n"));

  std::thread([&] {
    LogBatchScope batch;
    log.info("four");
    EXPECT_EQ(written(), text);
    log.flush();
    EXPECT_NE(written().find(" four\n"), std::string::npos);
    const std::string big(1024, 'x');
    size_t before = written().size();
    for (size_t i = 0; i * big.size() < StreamLogger::kMaxHeldBytes; ++i) log.info("big", {{"v", big}});
    EXPECT_GT(written().size(), before + StreamLogger::kMaxHeldBytes / 2) << "a full batch was held back";
  }).join();
  std::fclose(f);
}

TEST(Log, LevelsParse) {
  LogLevel l;
  EXPECT_TRUE(parseLogLevel("warn", &l));
  EXPECT_EQ(l, LogLevel::kWarn);
  EXPECT_FALSE(parseLogLevel("loud", &l));
}

}  // namespace
}  // namespace ck
