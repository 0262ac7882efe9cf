#include "runtime/http/stream_buffer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

namespace ck::http {
namespace {

std::string readAll(StreamBuffer& s, size_t step, Status* error) {
  std::string out;
  std::string buf(step, '\0');
  while (true) {
    Result<size_t> n = s.read(buf.data(), buf.size());
    if (!n.ok()) {
      *error = n.status();
      return out;
    }
    if (*n == 0) return out;
    out.append(buf.data(), *n);
  }
}

TEST(StreamBufferTest, ReadsWhatWasPushedThenEnd) {
  StreamBuffer s(1024, 11, nullptr);
  EXPECT_EQ(s.declaredLength(), std::optional<uint64_t>(11));
  EXPECT_TRUE(s.push("hello ", 6));
  EXPECT_TRUE(s.push("world", 5));
  s.finish();
  Status error;
  EXPECT_EQ(readAll(s, 4, &error), "hello world");
  EXPECT_TRUE(error.ok());
}

TEST(StreamBufferTest, FullUntilDrainedToHalf) {
  std::atomic<int> drained{0};
  StreamBuffer s(10, std::nullopt, [&] { ++drained; });
  EXPECT_TRUE(s.push("12345", 5));
  EXPECT_FALSE(s.push("67890", 5));  // at capacity: stop reading
  EXPECT_TRUE(s.full());
  char buf[3];
  ASSERT_EQ(*s.read(buf, 3), 3u);  // 7 left: still above half
  EXPECT_EQ(drained.load(), 0);
  ASSERT_EQ(*s.read(buf, 3), 3u);  // 4 left: resume
  EXPECT_EQ(drained.load(), 1);
  EXPECT_FALSE(s.full());
  EXPECT_TRUE(s.push("x", 1));
}

TEST(StreamBufferTest, FailureWakesAndWinsOverData) {
  StreamBuffer s(1024, std::nullopt, nullptr);
  s.push("abc", 3);
  std::thread failer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    s.fail(Status::error(ErrorCode::kBodyTooLarge));
  });
  char buf[8];
  ASSERT_EQ(*s.read(buf, 8), 3u);
  Result<size_t> r = s.read(buf, 8);  // blocks until the failure
  failer.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kBodyTooLarge);
  s.fail(Status::error(ErrorCode::kBadRequest));  // the first failure stays
  EXPECT_EQ(s.read(buf, 8).status().code(), ErrorCode::kBodyTooLarge);
  EXPECT_FALSE(s.read(buf, 0).ok());
}

TEST(StreamBufferTest, CompleteBodyStaysReadableAfterFail) {
  StreamBuffer s(1024, 3, nullptr);
  s.push("abc", 3);
  s.finish();
  s.fail(Status::error(ErrorCode::kBadRequest));
  Status error;
  EXPECT_EQ(readAll(s, 2, &error), "abc");
  EXPECT_TRUE(error.ok());
}

TEST(StreamBufferTest, ConcurrentProducerConsumer) {
  StreamBuffer s(4096, std::nullopt, nullptr);
  std::string expected;
  for (int i = 0; i < 20000; ++i) expected += static_cast<char>('a' + i % 26);
  std::thread producer([&] {
    for (size_t pos = 0; pos < expected.size(); pos += 100) {
      while (s.full()) std::this_thread::yield();
      s.push(expected.data() + pos, std::min<size_t>(100, expected.size() - pos));
    }
    s.finish();
  });
  Status error;
  std::string got = readAll(s, 37, &error);
  producer.join();
  EXPECT_TRUE(error.ok());
  EXPECT_EQ(got, expected);
}

}  // namespace
}  // namespace ck::http
