#include "runtime/http/cors.h"

#include <gtest/gtest.h>

namespace ck::http {
namespace {

Request preflightRequest(std::string origin, std::string headers) {
  Request r;
  r.method = "OPTIONS";
  r.headers = {{"origin", std::move(origin)}, {"access-control-request-method", "PUT"}};
  if (!headers.empty()) r.headers.emplace_back("access-control-request-headers", std::move(headers));
  return r;
}

TEST(CorsTest, AnyOrigin) {
  CorsPolicy any({"*"});
  EXPECT_EQ(any.allowOrigin("https://a.example"), "*");
  EXPECT_EQ(any.allowOrigin(""), "");
  EXPECT_FALSE(any.echoesOrigin());
}

TEST(CorsTest, ListedOrigins) {
  CorsPolicy listed({"https://a.example/", "http://localhost:3000"});
  EXPECT_EQ(listed.allowOrigin("https://a.example"), "https://a.example");
  EXPECT_EQ(listed.allowOrigin("http://localhost:3000"), "http://localhost:3000");
  EXPECT_EQ(listed.allowOrigin("https://b.example"), "");
  EXPECT_EQ(listed.allowOrigin("https://a.example.evil"), "");
  EXPECT_TRUE(listed.echoesOrigin());
  CorsPolicy none({});
  EXPECT_EQ(none.allowOrigin("https://a.example"), "");
}

TEST(CorsTest, Preflight) {
  CorsPolicy listed({"https://a.example"});
  Request ok = preflightRequest("https://a.example", "content-type, user-token");
  ASSERT_TRUE(CorsPolicy::isPreflight(ok));
  Response r = listed.preflight(ok);
  EXPECT_EQ(r.status, 204);
  HeaderList expected = {{"Access-Control-Allow-Methods", std::string(CorsPolicy::kAllowMethods)},
                         {"Access-Control-Allow-Headers", "content-type, user-token"},
                         {"Access-Control-Max-Age", "86400"}};
  EXPECT_EQ(r.headers, expected);

  Response denied = listed.preflight(preflightRequest("https://evil.example", "x"));
  EXPECT_EQ(denied.status, 204);
  EXPECT_TRUE(denied.headers.empty());

  // Requested headers that are not a header list are not echoed.
  Response odd = listed.preflight(preflightRequest("https://a.example", "a;b"));
  for (const auto& h : odd.headers) EXPECT_NE(h.first, "Access-Control-Allow-Headers");

  Request notPreflight;
  notPreflight.method = "OPTIONS";
  notPreflight.headers = {{"origin", "https://a.example"}};
  EXPECT_FALSE(CorsPolicy::isPreflight(notPreflight));
}

}  // namespace
}  // namespace ck::http
