#include "runtime/http/response_head.h"

#include <gtest/gtest.h>

#include "runtime/http/request_id.h"

#include <set>

namespace ck::http {
namespace {

HeadParams params() {
  HeadParams p;
  p.requestId = "0123456789abcdef";
  p.date = "Tue, 14 Nov 2023 22:13:20 GMT";
  return p;
}

TEST(ResponseHeadTest, SerializesStatusAndServerHeaders) {
  Response r;
  r.status = 201;
  r.body = "hello";
  r.header("Content-Type", "text/plain");
  std::string out;
  EXPECT_TRUE(appendResponseHead(out, r, params()));
  EXPECT_EQ(out,
            "HTTP/1.1 201 Created\r\n"
            "Content-Length: 5\r\n"
            "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
            "X-Request-Id: 0123456789abcdef\r\n"
            "Connection: keep-alive\r\n"
            "Content-Type: text/plain\r\n"
            "\r\n");
}

TEST(ResponseHeadTest, CorsCloseAndDroppedHeaders) {
  Response r;
  r.status = 404;
  r.body = "{}";
  r.header("Content-Length", "999").header("connection", "keep-alive").header("X-Evil", "a\r\nSet-Cookie: x");
  r.header("Bad Name", "x").header("X-Ok", "yes").header("x-request-id", "forged");
  HeadParams p = params();
  p.keepAlive = false;
  p.allowOrigin = "https://a.example";
  p.varyOrigin = true;
  std::string out;
  appendResponseHead(out, r, p);
  EXPECT_NE(out.find("HTTP/1.1 404 Not Found\r\n"), std::string::npos);
  EXPECT_NE(out.find("Content-Length: 2\r\n"), std::string::npos);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(out.find("Access-Control-Allow-Origin: https://a.example\r\n"), std::string::npos);
  EXPECT_NE(out.find("Access-Control-Expose-Headers: X-Request-Id\r\n"), std::string::npos);
  EXPECT_NE(out.find("Vary: Origin\r\n"), std::string::npos);
  EXPECT_NE(out.find("X-Ok: yes\r\n"), std::string::npos);
  EXPECT_EQ(out.find("999"), std::string::npos);
  EXPECT_EQ(out.find("keep-alive"), std::string::npos);
  EXPECT_EQ(out.find("Set-Cookie"), std::string::npos);
  EXPECT_EQ(out.find("Bad Name"), std::string::npos);
  EXPECT_EQ(out.find("forged"), std::string::npos);
}

TEST(ResponseHeadTest, BodylessStatusesAndHead) {
  struct Case {
    int status;
    bool head;
    bool body;
    bool length;
  };
  const Case cases[] = {{200, false, true, true}, {200, true, false, true}, {204, false, false, false},
                        {304, false, false, false}, {100, false, false, false}, {500, false, true, true}};
  for (const Case& c : cases) {
    Response r;
    r.status = c.status;
    r.body = "xyz";
    HeadParams p = params();
    p.headRequest = c.head;
    std::string out;
    EXPECT_EQ(appendResponseHead(out, r, p), c.body) << c.status;
    EXPECT_EQ(out.find("Content-Length: 3") != std::string::npos, c.length) << c.status;
  }
  Response empty;
  std::string out;
  EXPECT_FALSE(appendResponseHead(out, empty, params()));  // nothing to send
  EXPECT_NE(out.find("Content-Length: 0\r\n"), std::string::npos);
}

TEST(ResponseHeadTest, DateCacheFormatsOncePerSecond) {
  DateCache cache;
  EXPECT_EQ(cache.get(1'700'000'000'000), "Tue, 14 Nov 2023 22:13:20 GMT");
  EXPECT_EQ(cache.get(1'700'000'000'999), "Tue, 14 Nov 2023 22:13:20 GMT");
  EXPECT_EQ(cache.get(1'700'000'001'000), "Tue, 14 Nov 2023 22:13:21 GMT");
  EXPECT_EQ(cache.get(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(RequestIdTest, SixteenHexAndUnique) {
  RequestIdGenerator gen(42);
  std::set<std::string> seen;
  for (int i = 0; i < 10'000; ++i) {
    std::string id = gen.next();
    ASSERT_EQ(id.size(), 16u);
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    ASSERT_TRUE(seen.insert(id).second) << id;
  }
  RequestIdGenerator other(43);
  EXPECT_NE(RequestIdGenerator(42).next(), other.next());
}

}  // namespace
}  // namespace ck::http
