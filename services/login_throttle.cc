#include "services/login_throttle.h"

#include <algorithm>
#include <vector>

namespace ck::services {
namespace {

std::string pairKey(std::string_view identity, std::string_view address) {
  std::string key = "p\n";
  for (char c : identity) key += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  key += '\n';
  key += address;
  return key;
}

std::string addressKey(std::string_view address) { return "a\n" + std::string(address); }

}  // namespace

int64_t LoginThrottle::delayOf(const std::string& key, uint32_t free, int64_t now) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return 0;
  const Entry& e = it->second;
  if (now - e.lastFailureMs >= config_.forgetAfterMs || e.failures < free) return 0;
  // Delay after the (free + k)-th failure: base * 2^k, capped.
  uint32_t k = e.failures - free;
  int64_t delay = config_.baseDelayMs;
  for (uint32_t i = 0; i < k && delay < config_.maxDelayMs; ++i) delay *= 2;
  delay = std::min(delay, config_.maxDelayMs);
  return std::max<int64_t>(0, e.lastFailureMs + delay - now);
}

int64_t LoginThrottle::delayMs(std::string_view identity, std::string_view address) {
  std::lock_guard lock(mu_);
  int64_t now = clock_.monotonicMs();
  return std::max(delayOf(pairKey(identity, address), config_.freeFailures, now),
                  delayOf(addressKey(address), config_.freeFailuresPerAddress, now));
}

void LoginThrottle::bump(const std::string& key, int64_t now) {
  Entry& e = entries_[key];
  if (now - e.lastFailureMs >= config_.forgetAfterMs) e.failures = 0;
  ++e.failures;
  e.lastFailureMs = now;
}

void LoginThrottle::recordFailure(std::string_view identity, std::string_view address) {
  std::lock_guard lock(mu_);
  int64_t now = clock_.monotonicMs();
  evictIfFull(now);
  bump(pairKey(identity, address), now);
  bump(addressKey(address), now);
}

void LoginThrottle::recordSuccess(std::string_view identity, std::string_view address) {
  std::lock_guard lock(mu_);
  entries_.erase(pairKey(identity, address));
}

void LoginThrottle::evictIfFull(int64_t now) {
  if (entries_.size() + 2 <= config_.maxKeys) return;
  // First the forgotten keys; then, if still full, the stalest quarter.
  std::erase_if(entries_, [&](const auto& kv) { return now - kv.second.lastFailureMs >= config_.forgetAfterMs; });
  if (entries_.size() + 2 <= config_.maxKeys) return;
  std::vector<int64_t> times;
  times.reserve(entries_.size());
  for (const auto& kv : entries_) times.push_back(kv.second.lastFailureMs);
  size_t drop = std::max<size_t>(2, entries_.size() / 4);
  std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(drop - 1), times.end());
  int64_t cutoff = times[drop - 1];
  std::erase_if(entries_, [&](const auto& kv) { return kv.second.lastFailureMs <= cutoff; });
}

size_t LoginThrottle::keysForTesting() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace ck::services
