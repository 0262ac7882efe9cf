#include "services/credentials.h"

#include <sodium.h>

#include <stdexcept>
#include <string>

namespace ck::services {
namespace {

struct SodiumInit {
  SodiumInit() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  }
};

void ensureSodium() { static SodiumInit init; }

}  // namespace

std::string hashPassword(std::string_view password, const PasswordParams& params) {
  ensureSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), params.opsLimit, params.memLimitBytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("argon2id: out of memory");
  }
  return std::string(out);
}

bool verifyPassword(std::string_view password, std::string_view hash) {
  ensureSodium();
  if (hash.size() >= crypto_pwhash_STRBYTES || hash.rfind("$argon2id$", 0) != 0) return false;
  char stored[crypto_pwhash_STRBYTES] = {};
  hash.copy(stored, hash.size());
  return crypto_pwhash_str_verify(stored, password.data(), password.size()) == 0;
}

bool needsRehash(std::string_view hash, const PasswordParams& params) {
  ensureSodium();
  if (hash.size() >= crypto_pwhash_STRBYTES) return true;
  char stored[crypto_pwhash_STRBYTES] = {};
  hash.copy(stored, hash.size());
  return crypto_pwhash_str_needs_rehash(stored, params.opsLimit, params.memLimitBytes) != 0;
}

std::string newSessionToken(Random& random) { return randomHex(random, 32); }

std::string tokenHash(std::string_view token) { return sha256Hex(token); }

}  // namespace ck::services
