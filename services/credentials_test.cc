#include <gtest/gtest.h>

#include <set>

#include "services/credentials.h"
#include "services/login_throttle.h"

namespace ck::services {
namespace {

// Cheap parameters keep the tests fast; the production defaults are tested once.
const PasswordParams kFast{1, 8u << 10};

TEST(Credentials, HashIsArgon2idSaltedAndVerifies) {
  std::string h1 = hashPassword("123123qwe", kFast);
  std::string h2 = hashPassword("123123qwe", kFast);
  EXPECT_EQ(h1.rfind("$argon2id$v=19$m=8,t=1,p=1$", 0), 0u) << h1;
  EXPECT_NE(h1, h2) << "salted";
  EXPECT_EQ(h1.find("123123qwe"), std::string::npos);
  EXPECT_TRUE(verifyPassword("123123qwe", h1));
  struct Case {
    const char* password;
    const char* hash;
  } wrong[] = {{"123123qwE", nullptr}, {"", nullptr}, {"123123qwe ", nullptr}};
  for (const Case& c : wrong) EXPECT_FALSE(verifyPassword(c.password, h1)) << c.password;
  for (const char* bad : {"", "plain", "$argon2i$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$garbage"}) {
    EXPECT_FALSE(verifyPassword("123123qwe", bad)) << bad;
  }
}

TEST(Credentials, DefaultParametersAndRehash) {
  std::string h = hashPassword("pw");
  EXPECT_EQ(h.rfind("$argon2id$v=19$m=65536,t=2,p=1$", 0), 0u) << h;
  EXPECT_FALSE(needsRehash(h));
  EXPECT_TRUE(needsRehash(hashPassword("pw", kFast)));
}

TEST(Credentials, TokensAreRandomAndStoredHashed) {
  SystemRandom random;
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string t = newSessionToken(random);
    EXPECT_EQ(t.size(), 64u);
    EXPECT_TRUE(seen.insert(t).second);
    std::string stored = tokenHash(t);
    EXPECT_EQ(stored.size(), 64u);
    EXPECT_NE(stored, t);
    EXPECT_EQ(tokenHash(t), stored) << "deterministic, so a presented token can be looked up";
  }
}

class ThrottleTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  LoginThrottleConfig config_{.freeFailures = 3, .freeFailuresPerAddress = 10, .baseDelayMs = 500,
                              .maxDelayMs = 4000, .forgetAfterMs = 60'000, .maxKeys = 1000};
};

TEST_F(ThrottleTest, DelaysGrowPerPairAndCap) {
  LoginThrottle t(config_, clock_);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(t.delayMs("boris@example.com", "10.0.0.1"), 0) << i;
    t.recordFailure("boris@example.com", "10.0.0.1");
  }
  EXPECT_EQ(t.delayMs("boris@example.com", "10.0.0.1"), 500);
  EXPECT_EQ(t.delayMs("BORIS@example.com", "10.0.0.1"), 500) << "identities compare case-insensitively";
  clock_.advanceMs(500);
  EXPECT_EQ(t.delayMs("boris@example.com", "10.0.0.1"), 0);
  int64_t expected[] = {1000, 2000, 4000, 4000};
  for (int64_t e : expected) {
    t.recordFailure("boris@example.com", "10.0.0.1");
    EXPECT_EQ(t.delayMs("boris@example.com", "10.0.0.1"), e);
    clock_.advanceMs(e);
  }
}

TEST_F(ThrottleTest, GuessingOneAccountDoesNotLockItsOwnerOut) {
  LoginThrottle t(config_, clock_);
  for (int i = 0; i < 8; ++i) t.recordFailure("boris@example.com", "203.0.113.9");
  EXPECT_GT(t.delayMs("boris@example.com", "203.0.113.9"), 0);
  EXPECT_EQ(t.delayMs("boris@example.com", "127.0.0.1"), 0) << "the owner from another client";
  EXPECT_EQ(t.delayMs("anna@example.com", "127.0.0.1"), 0);
}

TEST_F(ThrottleTest, SprayingManyAccountsFromOneAddressIsSlowed) {
  LoginThrottle t(config_, clock_);
  for (int i = 0; i < 10; ++i) t.recordFailure("user" + std::to_string(i) + "@x.org", "198.51.100.7");
  EXPECT_EQ(t.delayMs("fresh@x.org", "198.51.100.7"), 500) << "per-address budget spent";
  EXPECT_EQ(t.delayMs("fresh@x.org", "198.51.100.8"), 0);
}

TEST_F(ThrottleTest, SuccessClearsThePairAndOldFailuresAreForgotten) {
  LoginThrottle t(config_, clock_);
  for (int i = 0; i < 4; ++i) t.recordFailure("a@x.org", "1.1.1.1");
  EXPECT_GT(t.delayMs("a@x.org", "1.1.1.1"), 0);
  t.recordSuccess("a@x.org", "1.1.1.1");
  EXPECT_EQ(t.delayMs("a@x.org", "1.1.1.1"), 0);
  for (int i = 0; i < 4; ++i) t.recordFailure("b@x.org", "1.1.1.1");
  clock_.advanceMs(60'000);
  EXPECT_EQ(t.delayMs("b@x.org", "1.1.1.1"), 0);
  t.recordFailure("b@x.org", "1.1.1.1");
  EXPECT_EQ(t.delayMs("b@x.org", "1.1.1.1"), 0) << "counting starts afresh after forgetAfterMs";
}

TEST_F(ThrottleTest, MemoryIsBounded) {
  LoginThrottle t(config_, clock_);
  for (int i = 0; i < 5000; ++i) {
    t.recordFailure("u" + std::to_string(i), "addr" + std::to_string(i));
    clock_.advanceMs(1);
  }
  EXPECT_LE(t.keysForTesting(), config_.maxKeys);
  // The newest failures are still remembered.
  for (int i = 0; i < 3; ++i) t.recordFailure("u4999", "addr4999");
  EXPECT_GT(t.delayMs("u4999", "addr4999"), 0);
}

}  // namespace
}  // namespace ck::services
