#pragma once

// One app's cache for its service code (Backendless.Cache): JSON values by
// key, each with a time to live, bounded in entries and in bytes.

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace ck::services {

struct AppCacheLimits {
  size_t maxEntries = 10'000;             // entries per app
  size_t maxBytes = 16u << 20;            // key + serialized value bytes per app
  size_t maxValueBytes = 1u << 20;        // one serialized value; larger is kInvalidArgument
  size_t maxKeyBytes = 256;               // a key is 1..256 bytes
  int64_t defaultTtlMs = 7'200'000;       // Backendless's default: 2 hours
  int64_t maxTtlMs = 7'200'000;           // and its maximum; longer is cut to it
};

// What AppCache holds for one app. Thread-safe (one mutex; every operation
// is O(1) apart from eviction). Time comes from the caller (`nowMs`), so
// tests drive expiry with a fake clock. When a put would pass a limit, the
// expired entries go first, then the least recently used, until it fits;
// a value larger than maxValueBytes (or than maxBytes) is refused.
// Expected failures are Status values (kInvalidArgument naming the field);
// nothing throws but std::bad_alloc.
class AppCache {
 public:
  explicit AppCache(AppCacheLimits limits = {}) : limits_(limits) {}
  AppCache(const AppCache&) = delete;
  AppCache& operator=(const AppCache&) = delete;

  // `ttlMs`: unset takes the default; <= 0 is kInvalidArgument.
  Status put(std::string_view key, const nlohmann::json& value, std::optional<int64_t> ttlMs, int64_t nowMs);
  // The value, or nullopt when missing or expired.
  Result<std::optional<nlohmann::json>> get(std::string_view key, int64_t nowMs);
  Result<bool> contains(std::string_view key, int64_t nowMs);
  // True when something was removed.
  Result<bool> remove(std::string_view key);
  // Sets the entry to expire at `atMs` (capped at now + maxTtlMs). False
  // when there is no such (live) entry.
  Result<bool> expireAt(std::string_view key, int64_t atMs, int64_t nowMs);

  size_t entries() const;
  size_t bytes() const;

 private:
  struct Entry {
    std::string value;  // serialized JSON
    int64_t expiresMs = 0;
    std::list<std::string>::iterator lru;  // position in lru_ (front: most recent)
  };
  Status checkKey(std::string_view key) const;
  void eraseLocked(std::unordered_map<std::string, Entry>::iterator it);
  // The entry for `key` when live; an expired one is erased.
  Entry* liveLocked(const std::string& key, int64_t nowMs);

  const AppCacheLimits limits_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> map_;  // GUARDED_BY(mu_)
  std::list<std::string> lru_;                  // GUARDED_BY(mu_)
  size_t bytes_ = 0;                            // GUARDED_BY(mu_)
};

}  // namespace ck::services
