#include "services/app_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace ck::services {
namespace {

using nlohmann::json;

TEST(AppCacheTest, PutGetExpire) {
  AppCache cache;
  ASSERT_TRUE(cache.put("k", {{"a", 1}}, std::nullopt, 1000).ok());
  EXPECT_EQ(**cache.get("k", 1000), json({{"a", 1}}));
  EXPECT_TRUE(*cache.contains("k", 1000));
  // Default TTL: two hours.
  EXPECT_TRUE(cache.get("k", 1000 + 7'200'000 - 1)->has_value());
  EXPECT_FALSE(cache.get("k", 1000 + 7'200'000)->has_value());
  EXPECT_EQ(cache.entries(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(AppCacheTest, ExpireInAndRemove) {
  AppCache cache;
  ASSERT_TRUE(cache.put("k", 1, 60'000, 0).ok());
  EXPECT_TRUE(*cache.expireAt("k", 10, 0));
  EXPECT_TRUE(*cache.contains("k", 9));
  EXPECT_FALSE(*cache.contains("k", 10));
  EXPECT_FALSE(*cache.expireAt("missing", 10, 0));
  ASSERT_TRUE(cache.put("k", 1, std::nullopt, 0).ok());
  EXPECT_TRUE(*cache.remove("k"));
  EXPECT_FALSE(*cache.remove("k"));
  // A TTL past the maximum is cut to it.
  ASSERT_TRUE(cache.put("long", 1, 100'000'000, 0).ok());
  EXPECT_FALSE(cache.get("long", 7'200'000)->has_value());
}

TEST(AppCacheTest, EntryLimitEvictsTheLeastRecentlyUsed) {
  AppCache cache(AppCacheLimits{.maxEntries = 3});
  for (const char* k : {"a", "b", "c"}) ASSERT_TRUE(cache.put(k, 1, std::nullopt, 0).ok());
  ASSERT_TRUE(cache.get("a", 0)->has_value());  // a is now the most recent
  ASSERT_TRUE(cache.put("d", 1, std::nullopt, 0).ok());
  EXPECT_EQ(cache.entries(), 3u);
  EXPECT_FALSE(*cache.contains("b", 0));
  EXPECT_TRUE(*cache.contains("a", 0));
  EXPECT_TRUE(*cache.contains("d", 0));
}

TEST(AppCacheTest, ByteLimitEvictsExpiredFirstAndRefusesTooLarge) {
  AppCache cache(AppCacheLimits{.maxBytes = 100, .maxValueBytes = 60});
  ASSERT_TRUE(cache.put("old", std::string(30, 'x'), 10, 0).ok());    // expires at 10
  ASSERT_TRUE(cache.put("keep", std::string(30, 'y'), std::nullopt, 0).ok());
  ASSERT_TRUE(cache.put("new", std::string(30, 'z'), std::nullopt, 20).ok());
  EXPECT_LE(cache.bytes(), 100u);
  EXPECT_FALSE(*cache.contains("old", 20));
  EXPECT_TRUE(*cache.contains("keep", 20));
  EXPECT_TRUE(*cache.contains("new", 20));
  Status big = cache.put("big", std::string(70, 'b'), std::nullopt, 20);
  EXPECT_EQ(big.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(*cache.contains("keep", 20)) << "a refused put evicts nothing";
  // Replacing a key counts its bytes once.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(cache.put("keep", std::string(30, 'y'), std::nullopt, 20).ok());
  EXPECT_LE(cache.bytes(), 100u);
}

TEST(AppCacheTest, InvalidKeysAndTtl) {
  AppCache cache;
  EXPECT_EQ(cache.put("", 1, std::nullopt, 0).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(cache.put(std::string(257, 'k'), 1, std::nullopt, 0).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(cache.put("k", 1, 0, 0).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(cache.get("", 0).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ck::services
