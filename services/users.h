#pragma once

// Users and sessions of one app (DESIGN.md "The principal model",
// "Permissions"; issue 4 items 1-3): register, login, logout, tokens, the
// user's own record, custom roles, and the principal resolver. Pure C++, no
// HTTP; the access decisions (users:register, users:login, data:Users rules)
// are the caller's.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/random.h"
#include "base/status.h"
#include "services/access_principal.h"
#include "services/client_kind.h"
#include "services/credentials.h"
#include "services/login_throttle.h"
#include "storage/table_store.h"

namespace ck::storage {
class Database;
}

namespace ck::services {

struct UsersConfig {
  PasswordParams password;                             // for new hashes (tests use cheap ones)
  int64_t sessionTimeoutMs = 30LL * 24 * 3600 * 1000;  // fixed from login; not extended by use
  bool allowNewColumns = false;                        // the app's dynamicSchema: extra properties add columns
  // A hash of a random password made with `password`, verified against for
  // unknown emails; empty: the constructor makes one (one hash's time).
  std::string dummyHash;
};

// A successful login: the user (without `password`) and the new token, which
// exists in clear only here (the database keeps its hash).
struct Session {
  nlohmann::json user;
  std::string token;
};

// Who a valid token belongs to.
struct TokenOwner {
  std::string userId;
  std::string email;
  std::vector<std::string> roles;  // custom roles, sorted
};

// The users service of one app.
//
// Storage, in the app's database: the `Users` data table (declared through
// the TableStore with email, password, name, userStatus; objectId, ownerId,
// created, updated are system columns; a user's ownerId is their own
// objectId), `_sessions(tokenHash, userId, createdMs, expiresMs)` and
// `_user_roles(userId, role)`, both created by the constructor when missing.
// Passwords are stored only as argon2id hashes, tokens only as SHA-256
// hashes; nothing here logs either.
//
// Emails are unique ignoring ASCII case, checked inside the writing
// transaction against the Users table itself (so rows written by other
// paths count too); `userStatus` is "ENABLED" or "DISABLED".
//
// Threads: borrows the Database and uses it on the calling thread; the
// caller serialises the connection (and must not hold a transaction open on
// it: writes begin their own). Failures: expected outcomes are Status values;
// SQLite I/O failures throw SqliteError.
class Users {
 public:
  static constexpr std::string_view kTable = "Users";

  // REQUIRES: `db` has the app schema (AppStore's migrations); db, clock,
  // random and throttle outlive this. Declares the Users table and creates
  // the host tables when missing; throws std::logic_error if the Users table
  // cannot be declared (e.g. a column exists with another type).
  Users(storage::Database& db, const Clock& clock, Random& random, LoginThrottle& throttle,
        UsersConfig config = {});

  // Creates a user from the client's object and returns it without
  // `password`. `email` (string, a@b.c shape, at most 254 bytes) and
  // `password` (string, 1..1024 bytes) are required (kInvalidArgument);
  // another user's email in any case: kUserAlreadyExists (3033). System
  // columns, `userStatus` and `roles` sent by the client are ignored; other
  // properties are stored as the table allows (kNoSuchProperties unless
  // allowNewColumns).
  Result<nlohmann::json> registerUser(const nlohmann::json& user);

  // Logs in by email (any case) and password. The throttle is asked first:
  // kTooManyLogins (message "... try again in N ms") when the attempt must
  // wait. Wrong password and unknown email both answer kInvalidLogin (3003)
  // with the same message, after one password verification either way. A
  // disabled account (with the right password): kUserDisabled (3090). A
  // hash made with other parameters than config.password is replaced.
  Result<Session> login(std::string_view login, std::string_view password, std::string_view clientAddress);

  // Ends the token's session. kInvalidUserToken when unknown or expired.
  Status logout(std::string_view token);

  // The token's user and roles. kInvalidUserToken when the token is unknown,
  // expired (its session is then deleted) or its user no longer exists;
  // kUserDisabled when the user was disabled since.
  Result<TokenOwner> resolveToken(std::string_view token);
  bool isValidToken(std::string_view token);

  // The id of the user whose email equals `email` ignoring ASCII case.
  std::optional<std::string> idByEmail(std::string_view email) { return emailOwner(email, ""); }

  // The user without `password`; kEntityNotFound.
  Result<nlohmann::json> findById(std::string_view userId);

  // A user's change to their own record; returns it without `password`.
  // Another user's record: kNoPermissionUpdate. `userStatus`, `roles`,
  // `objectId`, `ownerId`, `created`, `updated`: kInvalidArgument naming
  // every such field. `password` is validated and hashed; `email` validated
  // and kept unique (3033).
  Result<nlohmann::json> update(std::string_view actingUserId, std::string_view targetUserId,
                                const nlohmann::json& changes);

  // Admin / service code: enables or disables an account. Disabling ends
  // its sessions. kEntityNotFound.
  Status setEnabled(std::string_view userId, bool enabled);

  // Admin / service code: custom roles only (checkCustomRoleName: a system
  // role's name in any case is kInvalidArgument). kEntityNotFound for an
  // unknown user. Idempotent.
  Status assignRole(std::string_view userId, std::string_view role);
  Status unassignRole(std::string_view userId, std::string_view role);
  // The user's custom roles, sorted. kEntityNotFound.
  Result<std::vector<std::string>> rolesOf(std::string_view userId);

  // The principal resolver: the key's role and NotAuthenticatedUser without
  // a token; the key's role, AuthenticatedUser and the user's custom roles
  // with a valid one. Any token given (even empty) that does not resolve is
  // an error (kInvalidUserToken / kUserDisabled), never anonymous.
  Result<Principal> principalFor(ClientKind key, const std::optional<std::string>& token);

 private:
  struct Credentials {
    std::string objectId;
    std::string passwordHash;
    std::string userStatus;
  };
  std::optional<Credentials> credentialsByEmail(std::string_view email);
  // The id of a user whose email equals `email` ignoring ASCII case, other
  // than `exceptId`.
  std::optional<std::string> emailOwner(std::string_view email, std::string_view exceptId);
  bool userExists(std::string_view userId);
  Status checkRoleArgs(std::string_view userId, std::string_view role);

  storage::Database& db_;
  storage::TableStore store_;
  const Clock& clock_;
  Random& random_;
  LoginThrottle& throttle_;
  const UsersConfig config_;
  std::string dummyHash_;  // verified against for unknown emails, so timing does not tell
};

}  // namespace ck::services
