#include "runtime/http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace ck::http {
namespace {

Handler tagged(std::string tag) {
  return [tag](Request&) {
    Response r;
    r.body = tag;
    return r;
  };
}

// The route a (method, path) reaches, by its handler's tag; "404" or "405".
std::string reach(const Router& router, std::string_view method, std::string_view path,
                  std::vector<std::pair<std::string, std::string>>* params = nullptr) {
  Router::Match m = router.match(method, path);
  if (!m.route) return m.pathMatched ? "405" : "404";
  if (params) *params = m.params;
  Request req;
  return m.route->handler(req).body;
}

Router sampleRouter() {
  Router r;
  // Registered in an order that would break a first-match router.
  r.add("GET", "/users/{id}", tagged("user"));
  r.add("GET", "/users/me", tagged("me"));
  r.add("POST", "/users/login", tagged("login"));
  r.add("GET", "/files/{path*}", tagged("files"));
  r.add("GET", "/files/{dir}/index", tagged("index"));
  r.add("GET", "/files", tagged("files-root"));
  r.add("*", "/any/{x}", tagged("any"));
  r.add("DELETE", "/any/{x}", tagged("any-delete"));
  r.add("GET", "/", tagged("root"));
  r.add("GET", "/health", tagged("health"));
  r.add("PUT", "/a/{b}/c/{d}", tagged("abcd"));
  return r;
}

TEST(RouterTest, MatchesTable) {
  Router router = sampleRouter();
  struct Case {
    const char* method;
    const char* path;
    const char* expected;
  };
  const Case cases[] = {
      {"GET", "/health", "health"},
      {"GET", "/", "root"},
      {"GET", "/users/me", "me"},            // literal beats {id}, registered later
      {"GET", "/users/42", "user"},          // parameter
      {"GET", "/users/login", "user"},       // POST-only literal: GET falls back to {id}
      {"POST", "/users/login", "login"},
      {"DELETE", "/users/login", "405"},     // the path exists, the method does not
      {"POST", "/users/42", "405"},
      {"GET", "/users", "404"},              // {id} needs a segment
      {"GET", "/users/", "404"},             // ... a non-empty one
      {"GET", "/users/42/x", "404"},         // no extra segments
      {"GET", "/files/a/b/c.txt", "files"},  // rest
      {"GET", "/files/", "files"},           // rest may be empty
      {"GET", "/files", "files-root"},       // exact literal beats an empty rest
      {"GET", "/files/docs/index", "index"}, // param+literal beats rest
      {"GET", "/files/docs/index/more", "files"},
      {"PATCH", "/any/1", "any"},            // "*" method
      {"DELETE", "/any/1", "any-delete"},    // exact method beats "*"
      {"PUT", "/a/1/c/2", "abcd"},
      {"PUT", "/a/1/x/2", "404"},
      {"GET", "/nothing", "404"},
      {"GET", "", "404"},
      {"GET", "*", "404"},
      {"GET", "/health/", "404"},            // no trailing-slash folding
  };
  for (const Case& c : cases) {
    EXPECT_EQ(reach(router, c.method, c.path), c.expected) << c.method << " " << c.path;
  }
}

TEST(RouterTest, CapturesParams) {
  Router router = sampleRouter();
  std::vector<std::pair<std::string, std::string>> params;
  ASSERT_EQ(reach(router, "PUT", "/a/one/c/two", &params), "abcd");
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0], (std::pair<std::string, std::string>{"b", "one"}));
  EXPECT_EQ(params[1], (std::pair<std::string, std::string>{"d", "two"}));

  ASSERT_EQ(reach(router, "GET", "/files/a/b c/d.txt", &params), "files");
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].first, "path");
  EXPECT_EQ(params[0].second, "a/b c/d.txt");

  ASSERT_EQ(reach(router, "GET", "/files/", &params), "files");
  EXPECT_EQ(params.at(0).second, "");
}

TEST(RouterTest, EqualPatternsFirstRegistrationWins) {
  Router router;
  router.add("GET", "/x/{a}", tagged("first"));
  router.add("GET", "/x/{b}", tagged("second"));
  EXPECT_EQ(reach(router, "GET", "/x/1"), "first");
}

TEST(RouterTest, RejectsMalformedPatterns) {
  const char* bad[] = {"", "no-slash", "/a/{}", "/a/{x", "/a/{rest*}/b", "/a/b{c}", "/a/{*}", "/a/{x/y}"};
  for (const char* pattern : bad) {
    Router router;
    EXPECT_THROW(router.add("GET", pattern, tagged("x")), std::invalid_argument) << pattern;
  }
  Router ok;
  EXPECT_NO_THROW(ok.add("GET", "/a/{rest*}", tagged("x")));
  EXPECT_NO_THROW(ok.add("GET", "/", tagged("x")));
}

TEST(RouterTest, AsyncRoutesMatchLikeOthersAndRefuseStreaming) {
  Router router;
  router.addAsync("POST", "/admin/apps/{id}/invoke/{fn}", [](Request&, Responder) {});
  router.add("GET", "/admin/apps/{id}", tagged("app"));
  Router::Match m = router.match("POST", "/admin/apps/A1/invoke/hello");
  ASSERT_TRUE(m.route);
  EXPECT_EQ(m.route->options.lane, Lane::kAsync);
  EXPECT_TRUE(m.route->asyncHandler);
  EXPECT_FALSE(m.route->handler);
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[1].second, "hello");
  EXPECT_FALSE(router.match("GET", "/admin/apps/A1/invoke/hello").route);
  EXPECT_THROW(router.addAsync("POST", "/up", [](Request&, Responder) {}, {.streamBody = true}),
               std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/x", tagged("x"), {.lane = Lane::kAsync}), std::invalid_argument);
  EXPECT_THROW(router.addAsync("GET", "no-slash", [](Request&, Responder) {}), std::invalid_argument);
}

}  // namespace
}  // namespace ck::http
