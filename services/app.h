#pragma once

// One app as the host serves it: its database connections, users and
// sessions, the bound policy, the data service and the audit log, joined so
// that every operation of the REST routes (and later of service code) takes
// a principal and goes through the access layer.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/log.h"
#include "base/random.h"
#include "base/status.h"
#include "services/access_principal.h"
#include "services/audit.h"
#include "services/call_info.h"
#include "services/client_kind.h"
#include "services/data.h"
#include "services/files.h"
#include "services/login_throttle.h"
#include "services/policy_bind.h"
#include "services/policy_eval.h"
#include "services/users.h"

namespace ck::storage {
class Database;
class TableStore;
class WriteScope;
}  // namespace ck::storage

namespace ck::services {

// What every app of a host is configured with (Config maps onto it).
struct AppConfig {
  UsersConfig users;                 // password parameters, session timeout
  LoginThrottleConfig loginThrottle;
  AuditConfig audit;
  FilesConfig files;                 // the largest file an upload may make
  bool dynamicSchema = false;        // default of the app setting "dynamicSchema" (on under dev)
  bool devMode = false;              // denials name the deciding rule
};

// The outcome of applying a policy.
struct PolicyApplied {
  std::vector<std::string> warnings;  // user subjects that matched no user
  int64_t appliedMs = 0;
};

class App;
class AppLease;

// A transaction on a lease's connection: the operations made through the
// lease until commit() join it (their own transactions become savepoints),
// so they land together or not at all. Rolled back unless committed.
// Throws SqliteError on I/O failures.
class AppTransaction {
 public:
  explicit AppTransaction(AppLease& lease);
  ~AppTransaction();
  AppTransaction(const AppTransaction&) = delete;
  AppTransaction& operator=(const AppTransaction&) = delete;
  void commit();

 private:
  std::unique_ptr<storage::WriteScope> scope_;
};

// One connection to the app's database, with the stores over it, lent to
// one operation on one thread (App::lease). Returned to the app's pool when
// destroyed. Carries the policy in force when it was taken, so an operation
// decides against one policy from start to end.
class AppLease {
 public:
  AppLease(AppLease&& other) noexcept;
  AppLease& operator=(AppLease&&) = delete;
  ~AppLease();

  storage::Database& db();
  storage::TableStore& tables();
  Users& users();
  const BoundPolicy& policy() const { return *policy_; }
  // The data service over this connection.
  DataService data();

 private:
  friend class App;
  struct Connection;
  AppLease(App& app, std::unique_ptr<Connection> conn, std::shared_ptr<const BoundPolicy> policy);

  App* app_;
  std::unique_ptr<Connection> conn_;
  std::shared_ptr<const BoundPolicy> policy_;
};

// One app's services.
//
// Owned by the Host, which makes one per app on first use and keeps it.
// Thread-safe: any number of threads may use it at once; each operation
// takes a connection of its own from a pool (SQLite in WAL mode: readers do
// not wait for writers; writers wait for each other up to the busy timeout).
// A login's password check holds no lock and no transaction, so slow
// hashing never delays another request. The policy is swapped whole: an
// operation keeps the one it started with.
//
// Failures: expected outcomes are Status values with Backendless codes; I/O
// failures throw (SqliteError).
class App {
 public:
  // REQUIRES: the app database at `dbPath` has the app schema (AppStore).
  // Loads the policy stored in it (none: the empty policy, under which
  // clients may only register and log in).
  App(std::string id, std::string dbPath, AppConfig config, const Clock& clock, Random& random, Logger& log);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  const std::string& id() const { return id_; }
  const AppConfig& config() const { return config_; }
  const Clock& clock() const { return clock_; }
  AuditLog& audit() { return *audit_; }
  LoginThrottle& loginThrottle() { return throttle_; }

  AppLease lease();

  // --- Principals ---

  // The principal resolver (DESIGN.md "The principal model"): the key's
  // role and NotAuthenticatedUser without a token; AuthenticatedUser and
  // the user's roles with a valid one; kInvalidUserToken / kUserDisabled
  // for a token that does not resolve (never a silent downgrade).
  Result<Principal> principalFor(ClientKind key, const std::optional<std::string>& token);

  // --- Policy ---

  std::shared_ptr<const BoundPolicy> policy() const;
  // The cloudkeep.json text in force, or nullopt when none was applied.
  std::optional<std::string> policyText() const;
  // Validates `text` (parsePolicy), declares its tables (columns, date
  // columns, indexes), binds its user subjects to the current users and
  // stores it, all in one transaction with its audit entry, then puts it in
  // force. Invalid policy or a table declaration that fails is refused whole
  // (kInvalidArgument / kInvalidDataType naming the field) and changes
  // nothing.
  Result<PolicyApplied> applyPolicy(std::string_view text, const CallInfo& call);

  // Whether saves may add tables and columns: the app setting
  // "dynamicSchema" ("true"/"false") if set, else config().dynamicSchema.
  // Read once, then kept until settingsChanged().
  bool dynamicSchema(AppLease& lease);
  // Called after the app's settings were written (Host::setAppSetting).
  void settingsChanged();

  // --- Users (Backendless users API); each checks the policy ---

  // users:register on `users` for the principal; then Users::registerUser.
  Result<nlohmann::json> registerUser(const Principal& principal, const CallInfo& call, const nlohmann::json& user);
  // users:login; then Users::login with call.clientAddress. The caller's
  // user-token, if any, plays no part (a stale one is ignored).
  Result<Session> login(ClientKind key, const CallInfo& call, std::string_view login, std::string_view password);
  Status logout(std::string_view token);
  bool isValidToken(std::string_view token);
  // A user's record: their own, or another's when the rules grant find on
  // data:Users (owner policy: a user owns their own record).
  Result<nlohmann::json> getUser(const Principal& principal, const CallInfo& call, std::string_view userId);
  // A user's change: their own record (the fields a user may write), or
  // another's when the rules grant update on data:Users.
  Result<nlohmann::json> updateUser(const Principal& principal, const CallInfo& call, std::string_view userId,
                                    const nlohmann::json& changes);
  // The principal's role names (system roles first), as userroles answers.
  std::vector<std::string> rolesOf(const Principal& principal) const { return principal.roleNames(); }

  // --- Files ---

  // The file service over the app's file storage (the folder `files` beside
  // app.db, made on first use), deciding against the policy in force now.
  // Throws std::system_error when the folder cannot be made or opened.
  FilesService files();

  // --- Admin (the caller has checked the admin token; every change is audited) ---

  Status assignRole(const CallInfo& call, std::string_view userId, std::string_view role);
  Status unassignRole(const CallInfo& call, std::string_view userId, std::string_view role);
  Status setUserEnabled(const CallInfo& call, std::string_view userId, bool enabled);
  // Records an admin change made elsewhere (settings, code) in the app's
  // audit log, durably before it returns.
  void auditAdmin(const CallInfo& call, std::string op, std::string resource, std::string detail);
  // The user id of `email` (any case), or nullopt.
  std::optional<std::string> userIdByEmail(std::string_view email);

 private:
  friend class AppLease;
  void giveBack(std::unique_ptr<AppLease::Connection> conn);
  // A denial's Status: `code`, and in dev mode the deciding rule.
  Status denied(ErrorCode code, const Decision& decision) const;
  std::shared_ptr<const BoundPolicy> loadPolicy();
  storage::FileStore& fileStore();

  const std::string id_;
  const std::string dbPath_;
  AppConfig config_;  // users.dummyHash filled by the constructor, then constant
  const Clock& clock_;
  Random& random_;
  Logger& log_;
  LoginThrottle throttle_;
  std::unique_ptr<AuditLog> audit_;

  std::mutex poolMu_;
  std::vector<std::unique_ptr<AppLease::Connection>> idle_;  // GUARDED_BY(poolMu_)

  mutable std::mutex policyMu_;
  std::shared_ptr<const BoundPolicy> policy_;  // GUARDED_BY(policyMu_); never null
  std::optional<std::string> policyText_;      // GUARDED_BY(policyMu_)

  // The dynamicSchema setting as last read; `settingsGeneration_` moves on
  // each change, so a read that raced with one is not kept.
  std::mutex settingsMu_;
  std::optional<bool> dynamicSchema_;  // GUARDED_BY(settingsMu_)
  uint64_t settingsGeneration_ = 0;    // GUARDED_BY(settingsMu_)

  std::once_flag filesOnce_;                       // a failed open is tried again on the next use
  std::unique_ptr<storage::FileStore> fileStore_;  // set once under filesOnce_
};

}  // namespace ck::services
