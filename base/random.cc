#include "base/random.h"

#include <sodium.h>

#include <stdexcept>

namespace ck {

SystemRandom::SystemRandom() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

void SystemRandom::fill(void* out, size_t n) { randombytes_buf(out, n); }

std::string toHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

std::string randomHex(Random& random, size_t bytes) {
  std::string raw(bytes, '\0');
  random.fill(raw.data(), raw.size());
  return toHex(raw);
}

std::string newGuid(Random& random) {
  unsigned char b[16];
  random.fill(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kDigits[b[i] >> 4];
    out += kDigits[b[i] & 0xf];
  }
  return out;
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string sha256Hex(std::string_view data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return toHex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

}  // namespace ck
