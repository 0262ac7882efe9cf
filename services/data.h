#pragma once

// The data service: the Backendless data operations on an app's tables,
// each taking the effective principal and going through the access layer
// (DESIGN.md "Permissions", "Data rules"; issue 4 item 8).
//
// For every operation: the decision comes from evaluate() on the app's
// bound policy (op find for find/findById/count, create, update, delete,
// describe; resource data:<Table>). A denial answers the Backendless code of
// the operation (kNoPermissionFind 1013, kNoPermissionCreate 1011,
// kNoPermissionUpdate 1012, kNoPermissionDelete 1014, kNoPermissionDescribe
// 1015); in dev mode (CallInfo::devMode) its message names the deciding
// level and rule. When owner policy decides (Decision::narrowToOwner):
//   - find / count / bulkUpdate / bulkDelete are narrowed in SQL to rows
//     whose ownerId is the user (FindQuery::ownerNarrowing), so paging and
//     counts stay right;
//   - findById of a row owned by someone else is kEntityNotFound (as if the
//     row did not exist: no existence oracle);
//   - update / remove read the row's ownerId (in the write's transaction)
//     and evaluate again with ObjectFacts: another user's row, or a row
//     without owner, is denied; a missing row is kEntityNotFound.
// When a more specific rule decides (level 2-3), nothing is narrowed.
// Creates set ownerId to the principal's signed-in user, or for service
// code to its caller's user (the on-behalf-of rule), else none; system
// columns sent by the client are ignored (TableStore). Tables whose names
// the store refuses (reserved, `_`-prefixed, invalid) answer kUnknownTable
// whoever asks. Any other name is decided first: a denied principal gets
// the permission error whether or not the table exists, so a denial never
// tells which tables there are.
//
// New tables and columns from a save: when DataEnv::dynamicSchema is on,
// and always for the admin and service code (DESIGN.md "Data rules").
//
// `Users` is a data table too, with three differences: `password` is never
// returned by any read (not even to ServerCodeUser; it is never read from
// the database, whatever `props` asks for: FindQuery::withheld); a where clause or sortBy naming
// `password` is kInvalidWhere (it would be an oracle for the hash); and
// every write through the data API (create, update, remove, bulk) is
// refused with kInvalidArgument, after the decision: users are registered
// and changed through the users service.
//
// Audit: every operation of a ServerCodeUser principal, allowed or denied,
// and every write of the admin. Reads are queued (AuditLog::recordRead).
// A write runs in a transaction that holds the write (the TableStore's
// savepoint inside it) and its entry (recordInTransaction), so both commit
// or both roll back; when the connection is already inside the caller's
// transaction, that one is used. A write refused with a Status (say a wrong
// type) changes nothing, and its entry records the attempt ("failed with
// <code>"). Entries name rows by objectId and count them; they never hold
// values or where clauses.
//
// Threads: a DataService is a short-lived view over one thread's connection
// (DataEnv); make one per operation or per request. Failures: expected
// outcomes are Status values; SQLite I/O failures throw SqliteError.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/random.h"
#include "base/status.h"
#include "services/access_principal.h"
#include "services/audit.h"
#include "services/call_info.h"
#include "services/policy_bind.h"
#include "storage/table_store.h"

namespace ck::storage {
class Database;
}

namespace ck::services {

// Objects one bulkCreate may hold.
inline constexpr size_t kMaxBulkObjects = storage::kMaxBulkCreate;

// What one data operation works with; every member is borrowed.
struct DataEnv {
  storage::Database& db;       // the calling thread's connection to the app database
  storage::TableStore& tables; // over `db`
  const BoundPolicy& policy;
  AuditLog& audit;
  const Clock& clock;
  Random& random;
  bool dynamicSchema = false;  // new tables and columns from saves (DESIGN.md "Data rules")
};

class DataService {
 public:
  explicit DataService(DataEnv env) : env_(env) {}

  // find and findById: when owner policy decides, the query's ownerNarrowing
  // is set to the user; otherwise a caller's own ownerNarrowing is kept (it
  // can only narrow further).
  Result<nlohmann::json> find(const Principal& principal, const CallInfo& call, std::string_view table,
                              storage::FindQuery query);
  // find's page as JSON text (TableStore::findText), for answers that would
  // only serialise it.
  Result<storage::RowsText> findText(const Principal& principal, const CallInfo& call, std::string_view table,
                                     storage::FindQuery query);
  Result<nlohmann::json> findById(const Principal& principal, const CallInfo& call, std::string_view table,
                                  std::string_view objectId, storage::FindByIdQuery query = {});
  Result<int64_t> count(const Principal& principal, const CallInfo& call, std::string_view table,
                        std::string_view where);
  Result<nlohmann::json> create(const Principal& principal, const CallInfo& call, std::string_view table,
                                const nlohmann::json& object);
  Result<nlohmann::json> update(const Principal& principal, const CallInfo& call, std::string_view table,
                                std::string_view objectId, const nlohmann::json& changes);
  // Returns the deletion time (epoch ms).
  Result<int64_t> remove(const Principal& principal, const CallInfo& call, std::string_view table,
                         std::string_view objectId);
  Result<std::vector<std::string>> bulkCreate(const Principal& principal, const CallInfo& call,
                                              std::string_view table, const nlohmann::json& objects);
  Result<int64_t> bulkUpdate(const Principal& principal, const CallInfo& call, std::string_view table,
                             std::string_view where, const nlohmann::json& changes);
  Result<int64_t> bulkDelete(const Principal& principal, const CallInfo& call, std::string_view table,
                             std::string_view where);
  // The table's schema as Backendless's describe answers it: an array of
  // {"name", "type", "required": false, "defaultValue": null, ...} (the
  // system columns included; `password` of Users shown, never its value).
  Result<nlohmann::json> describe(const Principal& principal, const CallInfo& call, std::string_view table);

 private:
  // find and findText: decided, narrowed, run by `run` (the store's find or
  // findText), audited.
  template <typename Rows, typename Run>
  Result<Rows> findRows(const Principal& principal, const CallInfo& call, std::string_view table,
                        storage::FindQuery query, Run run);

  DataEnv env_;
};

}  // namespace ck::services
