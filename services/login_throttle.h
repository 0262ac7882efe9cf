#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"

namespace ck::services {

// How repeated login failures are slowed down. Counted per (identity, client
// address) pair and per client address over all identities, never per
// identity alone: an attacker guessing one account from their address slows
// only themselves, and the owner still logs in from anywhere else.
struct LoginThrottleConfig {
  uint32_t freeFailures = 3;             // per pair, before delays start
  uint32_t freeFailuresPerAddress = 20;  // per address over all identities
  int64_t baseDelayMs = 500;             // the first delay; doubles with each further failure
  int64_t maxDelayMs = 30'000;
  int64_t forgetAfterMs = 15 * 60'000;   // a key without failures for this long starts afresh
  size_t maxKeys = 100'000;              // bounded memory: the stalest keys go first
};

// Remembers recent login failures and says how long the next attempt must
// wait. Thread-safe; owned by the users service of an app (or the host).
// Identities are compared case-insensitively (ASCII).
class LoginThrottle {
 public:
  LoginThrottle(LoginThrottleConfig config, const Clock& clock) : config_(config), clock_(clock) {}

  // Milliseconds the attempt must wait before its password is checked; 0: now.
  int64_t delayMs(std::string_view identity, std::string_view address);
  void recordFailure(std::string_view identity, std::string_view address);
  // A success clears the pair's failures (the address's stay: a success on
  // one account says nothing about the guesses on others).
  void recordSuccess(std::string_view identity, std::string_view address);

  size_t keysForTesting() const;

 private:
  struct Entry {
    uint32_t failures = 0;
    int64_t lastFailureMs = 0;
  };
  int64_t delayOf(const std::string& key, uint32_t free, int64_t now) const;  // REQUIRES: mu_ held
  void bump(const std::string& key, int64_t now);                              // REQUIRES: mu_ held
  void evictIfFull(int64_t now);                                               // REQUIRES: mu_ held

  const LoginThrottleConfig config_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mu_); keys "p\n<identity>\n<address>" or "a\n<address>"
};

}  // namespace ck::services
