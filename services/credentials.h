#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/random.h"

namespace ck::services {

// Password hashing parameters (argon2id, libsodium's crypto_pwhash). The
// defaults are libsodium's "interactive" level: 2 passes over 64 MiB, one
// lane; about 50-100 ms of one core per hash on a current server. Hashes
// record their own parameters, so raising these later keeps old hashes
// verifiable (see needsRehash).
struct PasswordParams {
  uint64_t opsLimit = 2;
  size_t memLimitBytes = 64u << 20;
};

// Passwords: 1 to 1024 bytes of UTF-8 (checked by the caller's validation).
constexpr size_t kMaxPasswordBytes = 1024;

// Hashes `password` with argon2id and a random salt; the result is the
// self-describing "$argon2id$v=19$m=...,t=...,p=1$salt$hash" string.
// Throws std::runtime_error when memory for the hash cannot be had.
std::string hashPassword(std::string_view password, const PasswordParams& params = {});

// Whether `password` matches `hash` (constant time in the password's
// content). False for malformed hashes.
bool verifyPassword(std::string_view password, std::string_view hash);

// Whether `hash` was made with other parameters than `params`.
bool needsRehash(std::string_view hash, const PasswordParams& params = {});

// A new session token: 32 random bytes as 64 lowercase hex characters.
// Only its hash (tokenHash) is ever stored.
std::string newSessionToken(Random& random);

// The stored form of a token: its SHA-256 in hex. A token has 256 bits of
// entropy, so a fast hash is enough (no dictionary to attack).
std::string tokenHash(std::string_view token);

}  // namespace ck::services
