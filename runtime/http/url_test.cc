#include "runtime/http/url.h"

#include <gtest/gtest.h>

namespace ck::http {
namespace {

TEST(UrlTest, PercentEncodeKeepsOnlyUnreservedAndRoundTrips) {
  EXPECT_EQ(percentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percentEncode("a b/c?d=e&f%"), "a%20b%2Fc%3Fd%3De%26f%25");
  EXPECT_EQ(percentEncode("\xff\x01+"), "%FF%01%2B");
  std::string decoded;
  ASSERT_TRUE(percentDecode(percentEncode("ann+1@example.com/x y"), true, &decoded));
  EXPECT_EQ(decoded, "ann+1@example.com/x y");
}

TEST(UrlTest, PercentDecode) {
  struct Case {
    std::string in;
    bool plus;
    bool ok;
    std::string out;
  };
  const Case cases[] = {
      {"plain", false, true, "plain"},
      {"a%20b", false, true, "a b"},
      {"a+b", false, true, "a+b"},
      {"a+b", true, true, "a b"},
      {"%41%62%2f", false, true, "Ab/"},
      {"%e2%82%ac", false, true, "\xe2\x82\xac"},
      {"%", false, false, ""},
      {"%4", false, false, ""},
      {"ab%", false, false, ""},
      {"%zz", false, false, ""},
      {"%4g", false, false, ""},
      {"%00", false, false, ""},
      {std::string("a\0b", 3), false, false, ""},
  };
  for (const Case& c : cases) {
    std::string out;
    EXPECT_EQ(percentDecode(c.in, c.plus, &out), c.ok) << c.in;
    if (c.ok) {
      EXPECT_EQ(out, c.out) << c.in;
    }
  }
}

TEST(UrlTest, SplitTarget) {
  struct Case {
    const char* target;
    bool ok;
    const char* path;
    const char* query;
  };
  const Case cases[] = {
      {"/", true, "/", ""},
      {"/a/b", true, "/a/b", ""},
      {"/a%20b/c?x=1&y=2", true, "/a b/c", "x=1&y=2"},
      {"/a?", true, "/a", ""},
      {"/a?x=%zz", true, "/a", "x=%zz"},  // the query is decoded separately
      {"/a#frag", true, "/a", ""},
      {"/a?q=1#frag", true, "/a", "q=1"},
      {"*", true, "*", ""},
      {"http://example.com/x/y?z", true, "/x/y", "z"},
      {"http://example.com", true, "/", ""},
      {"http://example.com?q=1", true, "/", "q=1"},
      {"/a%2Fb", true, "/a/b", ""},
      {"/a+b", true, "/a+b", ""},
      {"/bad%zz", false, "", ""},
      {"/nul%00", false, "", ""},
      {"/trunc%2", false, "", ""},
      {"/a/../b", false, "", ""},
      {"/a/./b", false, "", ""},
      {"/..", false, "", ""},
      {"/a/%2e%2e/b", false, "", ""},
      {"/a/..b/c", true, "/a/..b/c", ""},
      {"relative", false, "", ""},
      {"", false, "", ""},
  };
  for (const Case& c : cases) {
    std::string path;
    std::string query;
    EXPECT_EQ(splitTarget(c.target, &path, &query), c.ok) << c.target;
    if (c.ok) {
      EXPECT_EQ(path, c.path) << c.target;
      EXPECT_EQ(query, c.query) << c.target;
    }
  }
}

TEST(UrlTest, ParseQuery) {
  QueryList q;
  ASSERT_TRUE(parseQuery("a=1&b=x+y&c&&d=%41%3D&a=2&e=", &q));
  QueryList expected = {{"a", "1"}, {"b", "x y"}, {"c", ""}, {"d", "A="}, {"a", "2"}, {"e", ""}};
  EXPECT_EQ(q, expected);
  ASSERT_TRUE(parseQuery("", &q));
  EXPECT_TRUE(q.empty());
  ASSERT_TRUE(parseQuery("k%20ey=v", &q));
  EXPECT_EQ(q.at(0).first, "k ey");
  EXPECT_FALSE(parseQuery("a=%zz", &q));
  EXPECT_FALSE(parseQuery("a=%00", &q));
  EXPECT_FALSE(parseQuery("%=1", &q));
}

}  // namespace
}  // namespace ck::http
