#include "runtime/http/request_id.h"

namespace ck::http {
namespace {

// The splitmix64 finaliser: a bijection on 64-bit values.
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

void RequestIdGenerator::next(char* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Two bijections around the seed: unique per counter, unrelated across seeds.
  uint64_t v = mix(seed_ ^ mix(counter_++));
  for (int i = 15; i >= 0; --i) {
    out[i] = kHex[v & 0xf];
    v >>= 4;
  }
}

std::string RequestIdGenerator::next() {
  std::string s(kLength, '0');
  next(s.data());
  return s;
}

}  // namespace ck::http
