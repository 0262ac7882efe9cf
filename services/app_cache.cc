#include "services/app_cache.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace ck::services {

using nlohmann::json;

Status AppCache::checkKey(std::string_view key) const {
  if (key.empty() || key.size() > limits_.maxKeyBytes) {
    return Status(ErrorCode::kInvalidArgument, fmt::format("\"key\" must be 1 to {} bytes", limits_.maxKeyBytes));
  }
  return {};
}

void AppCache::eraseLocked(std::unordered_map<std::string, Entry>::iterator it) {
  bytes_ -= it->first.size() + it->second.value.size();
  lru_.erase(it->second.lru);
  map_.erase(it);
}

AppCache::Entry* AppCache::liveLocked(const std::string& key, int64_t nowMs) {
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  if (it->second.expiresMs <= nowMs) {
    eraseLocked(it);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return &it->second;
}

Status AppCache::put(std::string_view key, const json& value, std::optional<int64_t> ttlMs, int64_t nowMs) {
  if (Status s = checkKey(key); !s.ok()) return s;
  if (ttlMs && *ttlMs <= 0) return Status(ErrorCode::kInvalidArgument, "\"ttl\" must be positive");
  const int64_t ttl = std::min(ttlMs.value_or(limits_.defaultTtlMs), limits_.maxTtlMs);
  std::string text = value.dump();
  const size_t size = key.size() + text.size();
  if (text.size() > limits_.maxValueBytes || size > limits_.maxBytes) {
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("\"value\" is {} bytes; a cached value may have at most {}", text.size(),
                              std::min(limits_.maxValueBytes, limits_.maxBytes)));
  }
  std::lock_guard lock(mu_);
  std::string k(key);
  if (auto it = map_.find(k); it != map_.end()) eraseLocked(it);
  if (map_.size() + 1 > limits_.maxEntries || bytes_ + size > limits_.maxBytes) {
    for (auto it = map_.begin(); it != map_.end();) {
      auto next = std::next(it);
      if (it->second.expiresMs <= nowMs) eraseLocked(it);
      it = next;
    }
  }
  while (!lru_.empty() && (map_.size() + 1 > limits_.maxEntries || bytes_ + size > limits_.maxBytes)) {
    eraseLocked(map_.find(lru_.back()));
  }
  lru_.push_front(k);
  bytes_ += size;
  map_.emplace(std::move(k), Entry{std::move(text), nowMs + ttl, lru_.begin()});
  return {};
}

Result<std::optional<json>> AppCache::get(std::string_view key, int64_t nowMs) {
  if (Status s = checkKey(key); !s.ok()) return s;
  std::lock_guard lock(mu_);
  Entry* e = liveLocked(std::string(key), nowMs);
  if (e == nullptr) return std::optional<json>();
  return std::optional<json>(json::parse(e->value));
}

Result<bool> AppCache::contains(std::string_view key, int64_t nowMs) {
  if (Status s = checkKey(key); !s.ok()) return s;
  std::lock_guard lock(mu_);
  return liveLocked(std::string(key), nowMs) != nullptr;
}

Result<bool> AppCache::remove(std::string_view key) {
  if (Status s = checkKey(key); !s.ok()) return s;
  std::lock_guard lock(mu_);
  auto it = map_.find(std::string(key));
  if (it == map_.end()) return false;
  eraseLocked(it);
  return true;
}

Result<bool> AppCache::expireAt(std::string_view key, int64_t atMs, int64_t nowMs) {
  if (Status s = checkKey(key); !s.ok()) return s;
  std::lock_guard lock(mu_);
  Entry* e = liveLocked(std::string(key), nowMs);
  if (e == nullptr) return false;
  e->expiresMs = std::min(atMs, nowMs + limits_.maxTtlMs);
  if (e->expiresMs <= nowMs) eraseLocked(map_.find(std::string(key)));
  return true;
}

size_t AppCache::entries() const {
  std::lock_guard lock(mu_);
  return map_.size();
}

size_t AppCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace ck::services
