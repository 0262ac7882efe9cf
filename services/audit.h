#pragma once

// The audit log of one app (DESIGN.md "Operations", issue 4 item 6): every
// elevated (ServerCodeUser) access and every admin change, with both
// principals. Kept in the app's database, table `_audit` (storage app
// migration), bounded by a retention setting.
//
// Writes and reads are recorded differently, as DESIGN.md fixes:
//   - a write's entry is inserted on the writing connection inside the
//     write's own transaction (recordInTransaction), so the entry and the
//     write commit or roll back together; a write outside the database (a
//     file) has its entry committed on its own (recordWrite);
//   - a read's entry is queued (recordRead) and written by a flusher thread
//     within about flushIntervalMs, so a crash loses at most that window of
//     read entries.
//
// Nothing secret is ever recorded: entries name users by id and email,
// never by token or password.
//
// Retention (maxEntries, maxAgeMs) is applied by prune(), which the flusher
// thread also runs by itself every few hundred stored entries (of either
// kind), on the log's own connection and never inside a caller's
// transaction.
//
// Threads: recordRead, flush, query and prune may be called from any
// thread (the log has its own connection for them, guarded by a mutex);
// recordInTransaction uses the caller's connection on the caller's thread.
// The flusher thread starts with the first recordRead (or the first
// automatic prune) and is joined by the destructor. I/O failures throw
// SqliteError, except on the flusher thread, which logs them and keeps the
// entries for the next attempt (at most maxQueued; the oldest go first, and
// a warning says how many).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "services/access_principal.h"
#include "services/access_resource.h"
#include "services/access_types.h"
#include "services/call_info.h"
#include "services/policy_eval.h"

namespace ck::storage {
class Database;
}

namespace ck::services {

struct AuditEntry {
  int64_t id = 0;             // assigned when stored; 0 before
  int64_t timeMs = 0;
  std::string requestId;
  std::string channel;        // channelName(): "rest", "service", "admin"
  // The caller: who asked (for service code, who invoked the service; all
  // empty for code no client started, and for the admin).
  std::string callerUserId;   // empty: no signed-in user
  std::string callerEmail;
  std::vector<std::string> callerRoles;  // every role name, system roles first
  std::string callerKey;      // "REST", "JS", "IOS", "ANDROID"; empty for the admin
  std::string principal;      // the effective principal, Principal::describe()
  std::string service;        // service code: the service and method
  std::string method;
  std::string op;             // opName(), or an admin action ("policy.apply", "app.create", "role.assign")
  std::string resource;       // "data:Restaurant", "users", "app", ...
  bool allowed = false;
  std::string rule;           // the deciding rule's text, or the level's label
  std::string detail;         // free text: what an admin change changed, counts, ...

  // Every field above under its own name ("id", "timeMs", "requestId", ...,
  // "callerRoles" an array, "allowed" a boolean), as the admin API sends it.
  nlohmann::json toJson() const;
};

// An entry for `principal` doing `op` on `resource`, decided by `decision`.
// The caller is a client principal itself, or service code's caller (none
// for code no client started); `principal` is principal.describe(); service
// and method come from `call`; `rule` is decision.text, or the name of the
// deciding level when the decision has no text.
AuditEntry auditEntry(const Principal& principal, const CallInfo& call, Op op, const ResourceRef& resource,
                      const Decision& decision, int64_t nowMs);
// An entry for an admin change: op is the action, resource what it acts on.
AuditEntry adminAuditEntry(const CallInfo& call, std::string op, std::string resource, std::string detail,
                           int64_t nowMs);

struct AuditConfig {
  int64_t maxEntries = 1'000'000;               // the oldest beyond this are deleted
  int64_t maxAgeMs = 90LL * 24 * 3600 * 1000;   // entries older than this are deleted
  int64_t flushIntervalMs = 50;                 // read entries wait at most about this long
  size_t maxQueued = 100'000;                   // read entries waiting while writes fail
  int busyTimeoutMs = 5000;                     // the log's connection waits this long for a write lock
};

// A `since` as the admin API and the CLI take it: epoch milliseconds or a
// date storage::parseDate accepts ("2026-11-28", "2026-11-28T16:00:00Z",
// ...; UTC unless it names a zone). kInvalidArgument with parseDate's reason.
Result<int64_t> parseAuditTime(std::string_view text);

struct AuditQuery {
  std::optional<int64_t> sinceMs;      // entries at or after
  std::optional<std::string> userEmail;  // the caller's email, ASCII case ignored
  std::optional<std::string> userId;
  int64_t afterId = 0;                 // paging: entries with a larger id
  size_t limit = 1000;                 // larger values are taken as 10,000
};

inline constexpr size_t kMaxAuditQueryLimit = 10'000;

class AuditLog {
 public:
  // Opens its own connection to the app database at `dbPath` (REQUIRES: the
  // app's migrations have run). Starts no thread until the first recordRead
  // (or the first automatic prune). Throws SqliteError when the database
  // cannot be opened.
  AuditLog(std::string dbPath, AuditConfig config, const Clock& clock, Logger& log);
  ~AuditLog();  // flushes what is queued, stops the flusher
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // REQUIRES: `db` is a connection to this app's database inside an open
  // transaction (or savepoint) of the caller's; std::logic_error otherwise.
  // A SqliteError from the insert propagates: the caller's transaction fails.
  void recordInTransaction(storage::Database& db, const AuditEntry& entry);
  // A write's entry for a change the app database does not hold (a file):
  // stored now, in a transaction of its own on the log's connection, and
  // committed before it returns. A SqliteError propagates.
  void recordWrite(const AuditEntry& entry);
  // A read's entry: queued, stored within about flushIntervalMs.
  void recordRead(AuditEntry entry);
  // Stores every queued entry now (tests, shutdown). On a SqliteError the
  // entries stay queued and the error propagates.
  void flush();
  // Entries matching `query`, oldest (lowest id) first. Flushes first.
  std::vector<AuditEntry> query(const AuditQuery& query);
  // Applies the retention limits now (also done every few hundred entries):
  // deletes entries older than maxAgeMs, then those whose id is more than
  // maxEntries below the newest (the oldest beyond maxEntries).
  // Returns how many entries it deleted.
  int64_t prune();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ck::services
