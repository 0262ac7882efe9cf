#include "runtime/http/response_parser.h"

#include <gtest/gtest.h>

namespace ck::http {
namespace {

// Feeds `wire` one byte at a time (the hardest split) and returns every response.
std::vector<ClientResponse> parseBytewise(ResponseParser& p, std::string_view wire, Status* st) {
  std::vector<ClientResponse> out;
  for (char c : wire) {
    *st = p.feed(&c, 1);
    if (!st->ok()) return out;
    while (p.hasResponse()) out.push_back(p.take());
  }
  return out;
}

TEST(ResponseParserTest, LengthChunkedInterimAndHead) {
  ResponseParser p;
  std::string wire =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello"
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
      "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
  Status st;
  std::vector<ClientResponse> r = parseBytewise(p, wire, &st);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].status, 100);
  EXPECT_EQ(r[1].status, 200);
  EXPECT_EQ(r[1].body, "hello");
  EXPECT_EQ(r[1].header("x-a"), "1");
  EXPECT_TRUE(r[1].keepAlive);
  EXPECT_EQ(r[2].status, 201);
  EXPECT_EQ(r[2].body, "abcde");
  EXPECT_EQ(r[3].status, 204);
  EXPECT_FALSE(r[3].keepAlive);
  EXPECT_FALSE(p.midResponse());

  ResponseParser head;
  head.expectHeadResponse();
  std::string headWire = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
  r = parseBytewise(head, headWire, &st);
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].body, "");  // HEAD: the length is not a body
  EXPECT_EQ(r[1].body, "x");
}

TEST(ResponseParserTest, BodyUntilEofAndErrors) {
  ResponseParser eof;
  std::string wire = "HTTP/1.0 200 OK\r\n\r\nuntil the end";
  ASSERT_TRUE(eof.feed(wire.data(), wire.size()).ok());
  EXPECT_FALSE(eof.hasResponse());
  EXPECT_TRUE(eof.midResponse());
  ASSERT_TRUE(eof.finish().ok());
  ASSERT_TRUE(eof.hasResponse());
  EXPECT_EQ(eof.take().body, "until the end");

  ResponseParser cut;
  std::string partial = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
  ASSERT_TRUE(cut.feed(partial.data(), partial.size()).ok());
  EXPECT_FALSE(cut.finish().ok());
  EXPECT_FALSE(cut.hasResponse());

  ResponseParser garbage;
  std::string junk = "NOT HTTP\r\n\r\n";
  EXPECT_FALSE(garbage.feed(junk.data(), junk.size()).ok());
}

}  // namespace
}  // namespace ck::http
