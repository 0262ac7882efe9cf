#pragma once

#include <cstdint>
#include <string>

namespace ck::http {

// Request ids: 16 lowercase hex characters, unique within a generator (a
// bijective mix of a seed and a counter, so ids never repeat and do not
// reveal how many requests came before). One per server; loop thread only.
class RequestIdGenerator {
 public:
  explicit RequestIdGenerator(uint64_t seed) : seed_(seed) {}
  static constexpr size_t kLength = 16;
  // Writes kLength characters to `out` (not NUL-terminated).
  void next(char* out);
  std::string next();

 private:
  uint64_t seed_;
  uint64_t counter_ = 0;
};

}  // namespace ck::http
