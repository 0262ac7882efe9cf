#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ck {

// Source of cryptographically secure random bytes. Injected so tests can make
// ids predictable. Thread-safe.
class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(void* out, size_t n) = 0;
};

// libsodium's randombytes (the kernel CSPRNG).
class SystemRandom final : public Random {
 public:
  SystemRandom();
  void fill(void* out, size_t n) override;
};

// An uppercase GUID, as Backendless formats objectIds and app ids:
// 748471BF-F2E7-4AF0-A60C-68291B52999F (version 4, random).
std::string newGuid(Random& random);

// `bytes` random bytes as lowercase hex (2 characters per byte).
std::string randomHex(Random& random, size_t bytes);

// Lowercase hex of arbitrary bytes.
std::string toHex(std::string_view bytes);

// Compares two strings in time that depends only on their lengths.
bool constantTimeEquals(std::string_view a, std::string_view b);

// SHA-256 (hex) of `data`, for storing tokens hashed.
std::string sha256Hex(std::string_view data);

}  // namespace ck
