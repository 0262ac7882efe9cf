// DataService: the data operations through the access layer. Each public
// method is the same four steps: name the resource (kUnknownTable for a name
// no table can have), decide (a denial answers the operation's code, and is
// audited when the principal is), narrow or check ownership when owner
// policy decided, then run the TableStore operation and audit it.

#include "services/data.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "services/access_resource.h"
#include "services/policy_eval.h"
#include "services/users.h"
#include "storage/sqlite.h"
#include "storage/table_names.h"
#include "storage/where.h"

namespace ck::services {
namespace {

using nlohmann::json;

constexpr std::string_view kPassword = "password";

// The code a denial of `op` answers.
ErrorCode deniedCode(Op op) {
  switch (op) {
    case Op::kDataFind: return ErrorCode::kNoPermissionFind;
    case Op::kDataCreate: return ErrorCode::kNoPermissionCreate;
    case Op::kDataUpdate: return ErrorCode::kNoPermissionUpdate;
    case Op::kDataDelete: return ErrorCode::kNoPermissionDelete;
    case Op::kDataDescribe: return ErrorCode::kNoPermissionDescribe;
    default: break;
  }
  return ErrorCode::kInternal;  // not a data operation: a bug in this file
}

// A denial: the operation's code; in dev mode the message also names the
// deciding level and rule (never in production: rules are the app's secret).
Status denial(Op op, const Decision& decision, const CallInfo& call) {
  return denialStatus(deniedCode(op), decision, call.devMode);
}

// data:<table>, or kUnknownTable for a name the access layer or the store
// refuses (whether the principal may do anything there does not matter: no
// such table can exist).
Result<ResourceRef> dataResource(std::string_view table) {
  Result<ResourceRef> resource = ResourceRef::data(table);
  std::string problem = storage::nameProblem(table);
  if (resource.ok() && problem.empty()) return resource;
  if (problem.empty()) problem = "not a valid table name";
  return Status(ErrorCode::kUnknownTable, "Table " + storage::shownName(table) + " cannot exist: " + problem);
}

bool isUsers(std::string_view table) { return table == Users::kTable; }

Status usersWriteRefused() {
  return Status(ErrorCode::kInvalidArgument,
                "The Users table is written through the users API (register, update), not the data API");
}

// Whose rows an operation is narrowed to: the signed-in user when owner
// policy decided (a hypothetical user owns nothing: "" matches no row).
std::optional<std::string> ownerNarrowing(const Principal& principal, const Decision& decision) {
  if (!decision.narrowToOwner) return std::nullopt;
  return principal.user() ? principal.user()->id : std::string();
}

// The owner of a new row: the signed-in user; for service code, the user
// who called it (the on-behalf-of rule); else none.
std::optional<std::string> newRowOwner(const Principal& principal) {
  if (principal.isClient()) {
    if (principal.user()) return principal.user()->id;
    return std::nullopt;
  }
  if (principal.isServerCode() && principal.caller() && principal.caller()->user) {
    return principal.caller()->user->id;
  }
  return std::nullopt;
}

// Saves may add tables and columns when the app's dynamicSchema is on; the
// admin and service code may always (DESIGN.md "Data rules").
bool allowNewColumns(const DataEnv& env, const Principal& principal) {
  return env.dynamicSchema || principal.isServerCode() || principal.isAdmin();
}

// Users: `password` may be neither filtered nor sorted on (either would be an
// oracle for its hash). Compiles the clause and sortBy against the table's
// schema without it; kInvalidWhere naming the column otherwise.
Status checkUsersQuery(storage::TableStore& tables, std::string_view where, const std::vector<std::string>& sortBy) {
  Result<storage::TableInfo> info = tables.tableInfo(Users::kTable);
  if (!info.ok()) return info.status();
  storage::TableSchema schema = info->schema();
  std::erase_if(schema.columns, [](const storage::ColumnInfo& c) { return c.name == kPassword; });
  if (Result<storage::SqlFragment> w = storage::compileWhere(where, schema); !w.ok()) return w.status();
  if (Result<std::string> s = storage::compileSortBy(sortBy, schema); !s.ok()) return s.status();
  return {};
}

// What an audit entry says about a finished operation.
template <typename T>
std::string outcome(const Result<T>& result, std::string detail) {
  if (!result.ok()) return "failed with " + std::to_string(static_cast<int>(result.status().code()));
  return detail;
}

// One read: decided once, run, and for service code queued to the audit log,
// allowed or denied.
class Read {
 public:
  Read(DataEnv& env, const Principal& principal, const CallInfo& call, Op op)
      : env_(env), principal_(principal), call_(call), op_(op) {}

  // kUnknownTable for a name no table can have, else the decision: a denial
  // is audited and answered.
  Status decide(std::string_view table) {
    Result<ResourceRef> resource = dataResource(table);
    if (!resource.ok()) return resource.status();
    resource_ = std::move(resource).value();
    decision_ = evaluate(env_.policy, principal_, op_, *resource_);
    if (!decision_.allow) {
      audit("");
      return denial(op_, decision_, call_);
    }
    return {};
  }
  const Decision& decision() const { return decision_; }

  template <typename T>
  Result<T> done(Result<T> result, std::string detail) {
    audit(outcome(result, std::move(detail)));
    return result;
  }

 private:
  void audit(std::string detail) {
    if (!principal_.isServerCode()) return;
    AuditEntry entry = auditEntry(principal_, call_, op_, *resource_, decision_, env_.clock.nowMs());
    entry.detail = std::move(detail);
    env_.audit.recordRead(std::move(entry));
  }

  DataEnv& env_;
  const Principal& principal_;
  const CallInfo& call_;
  const Op op_;
  std::optional<ResourceRef> resource_;
  Decision decision_;
};

// One write's unit of work. When the principal is audited (service code,
// the admin) or the row's owner must be checked, it runs in a transaction of
// its own (or the caller's, when the connection is in one already): the
// ownership check, the TableStore write (a savepoint inside it) and the
// audit entry then commit or roll back together. A write that fails with a
// Status leaves nothing behind (its savepoint rolled back) but its audit
// entry, which records the attempt. An exception rolls back everything.
class Write {
 public:
  Write(DataEnv& env, const Principal& principal, const CallInfo& call, Op op)
      : env_(env),
        principal_(principal),
        call_(call),
        op_(op),
        audited_(principal.isServerCode() || principal.isAdmin()) {}

  // As Read::decide; a denial of an audited principal is recorded in a
  // transaction of its own.
  Status decide(std::string_view table) {
    Result<ResourceRef> resource = dataResource(table);
    if (!resource.ok()) return resource.status();
    resource_ = std::move(resource).value();
    decision_ = evaluate(env_.policy, principal_, op_, *resource_);
    if (audited_) begin();
    if (!decision_.allow) return finishDenied();
    return {};
  }
  const Decision& decision() const { return decision_; }

  // When owner policy decided, reads the row's owner (in this unit's
  // transaction) and decides again with it: another user's row is denied.
  // kEntityNotFound when there is no such row.
  Status checkOwner(std::string_view table, std::string_view objectId) {
    if (!decision_.narrowToOwner) return {};
    begin();
    storage::FindByIdQuery query;
    query.props = {"ownerId"};
    Result<json> row = env_.tables.findById(table, objectId, query);
    if (!row.ok()) return finish(Result<int>(row.status()), "").status();
    ObjectFacts facts;
    if (const auto it = row->find("ownerId"); it != row->end() && it->is_string()) {
      facts.ownerId = it->get<std::string>();
    }
    decision_ = evaluate(env_.policy, principal_, op_, *resource_, &facts);
    if (!decision_.allow) return finishDenied();
    return {};
  }

  // Records the audit entry (when audited) and commits.
  template <typename T>
  Result<T> finish(Result<T> result, std::string detail) {
    record(outcome(result, std::move(detail)));
    if (tx_) tx_->commit();
    return result;
  }

 private:
  void begin() {
    if (!tx_ && !env_.db.inTransaction()) tx_.emplace(env_.db);
  }
  Status finishDenied() {
    record("");
    if (tx_) tx_->commit();
    return denial(op_, decision_, call_);
  }
  void record(std::string detail) {
    if (!audited_) return;
    AuditEntry entry = auditEntry(principal_, call_, op_, *resource_, decision_, env_.clock.nowMs());
    entry.detail = std::move(detail);
    env_.audit.recordInTransaction(env_.db, entry);
  }

  DataEnv& env_;
  const Principal& principal_;
  const CallInfo& call_;
  const Op op_;
  const bool audited_;
  std::optional<ResourceRef> resource_;
  Decision decision_;
  std::optional<storage::Transaction> tx_;
};

std::string rowsDetail(size_t n) { return std::to_string(n) + (n == 1 ? " row" : " rows"); }

// Backendless's describe type of a column.
const char* describeType(std::string_view column, storage::ValueType type) {
  if (column == "objectId") return "STRING_ID";
  switch (type) {
    case storage::ValueType::kString: return "STRING";
    case storage::ValueType::kNumber: return "DOUBLE";
    case storage::ValueType::kBoolean: return "BOOLEAN";
    case storage::ValueType::kDate: return "DATETIME";
    case storage::ValueType::kJson: return "JSON";
  }
  return "STRING";
}

}  // namespace

// --- Reads ---

size_t rowCount(const json& rows) { return rows.size(); }
size_t rowCount(const storage::RowsText& rows) { return rows.count; }

template <typename Rows, typename Run>
Result<Rows> DataService::findRows(const Principal& principal, const CallInfo& call, std::string_view table,
                                   storage::FindQuery query, Run run) {
  Read read(env_, principal, call, Op::kDataFind);
  if (Status s = read.decide(table); !s.ok()) return s;
  if (std::optional<std::string> owner = ownerNarrowing(principal, read.decision())) query.ownerNarrowing = owner;
  if (isUsers(table)) {
    if (Status s = checkUsersQuery(env_.tables, query.where, query.sortBy); !s.ok()) {
      return read.done(Result<Rows>(s), "");
    }
    query.withheld = {std::string(kPassword)};
  }
  Result<Rows> rows = run(query);
  const size_t n = rows.ok() ? rowCount(*rows) : 0;
  return read.done(std::move(rows), rowsDetail(n));
}

Result<json> DataService::find(const Principal& principal, const CallInfo& call, std::string_view table,
                               storage::FindQuery query) {
  return findRows<json>(principal, call, table, std::move(query),
                        [&](const storage::FindQuery& q) { return env_.tables.find(table, q); });
}

Result<storage::RowsText> DataService::findText(const Principal& principal, const CallInfo& call,
                                                std::string_view table, storage::FindQuery query) {
  return findRows<storage::RowsText>(principal, call, table, std::move(query),
                                     [&](const storage::FindQuery& q) { return env_.tables.findText(table, q); });
}

Result<json> DataService::findById(const Principal& principal, const CallInfo& call, std::string_view table,
                                   std::string_view objectId, storage::FindByIdQuery query) {
  Read read(env_, principal, call, Op::kDataFind);
  if (Status s = read.decide(table); !s.ok()) return s;
  // Another user's row is not found, as if it did not exist.
  if (std::optional<std::string> owner = ownerNarrowing(principal, read.decision())) query.ownerNarrowing = owner;
  if (isUsers(table)) query.withheld = {std::string(kPassword)};
  Result<json> row = env_.tables.findById(table, objectId, query);
  return read.done(std::move(row), "objectId " + std::string(objectId));
}

Result<int64_t> DataService::count(const Principal& principal, const CallInfo& call, std::string_view table,
                                   std::string_view where) {
  Read read(env_, principal, call, Op::kDataFind);
  if (Status s = read.decide(table); !s.ok()) return s;
  if (isUsers(table)) {
    if (Status s = checkUsersQuery(env_.tables, where, {}); !s.ok()) return read.done(Result<int64_t>(s), "");
  }
  Result<int64_t> n = env_.tables.count(table, where, ownerNarrowing(principal, read.decision()));
  const int64_t counted = n.ok() ? *n : 0;
  return read.done(std::move(n), "count " + std::to_string(counted));
}

Result<json> DataService::describe(const Principal& principal, const CallInfo& call, std::string_view table) {
  Read read(env_, principal, call, Op::kDataDescribe);
  if (Status s = read.decide(table); !s.ok()) return s;
  Result<storage::TableSchema> schema = env_.tables.describe(table);
  if (!schema.ok()) return read.done(Result<json>(schema.status()), "");
  json columns = json::array();
  for (const storage::ColumnInfo& c : schema->columns) {
    columns.push_back({{"name", c.name},
                       {"type", describeType(c.name, c.type)},
                       {"required", false},
                       {"defaultValue", nullptr},
                       {"relatedTable", nullptr},
                       {"customRegex", nullptr},
                       {"autoLoad", false},
                       {"isPrimaryKey", c.name == "objectId"}});
  }
  return read.done(Result<json>(std::move(columns)), "");
}

// --- Writes ---

Result<json> DataService::create(const Principal& principal, const CallInfo& call, std::string_view table,
                                 const json& object) {
  Write write(env_, principal, call, Op::kDataCreate);
  if (Status s = write.decide(table); !s.ok()) return s;
  if (isUsers(table)) return write.finish(Result<json>(usersWriteRefused()), "");
  storage::WriteContext ctx;
  ctx.objectId = newGuid(env_.random);
  ctx.ownerId = newRowOwner(principal);
  ctx.nowMs = env_.clock.nowMs();
  ctx.allowNewColumns = allowNewColumns(env_, principal);
  return write.finish(env_.tables.create(table, object, ctx), "objectId " + ctx.objectId);
}

Result<json> DataService::update(const Principal& principal, const CallInfo& call, std::string_view table,
                                 std::string_view objectId, const json& changes) {
  Write write(env_, principal, call, Op::kDataUpdate);
  if (Status s = write.decide(table); !s.ok()) return s;
  if (isUsers(table)) return write.finish(Result<json>(usersWriteRefused()), "");
  if (Status s = write.checkOwner(table, objectId); !s.ok()) return s;
  storage::WriteContext ctx;
  ctx.nowMs = env_.clock.nowMs();
  ctx.allowNewColumns = allowNewColumns(env_, principal);
  return write.finish(env_.tables.update(table, objectId, changes, ctx), "objectId " + std::string(objectId));
}

Result<int64_t> DataService::remove(const Principal& principal, const CallInfo& call, std::string_view table,
                                    std::string_view objectId) {
  Write write(env_, principal, call, Op::kDataDelete);
  if (Status s = write.decide(table); !s.ok()) return s;
  if (isUsers(table)) return write.finish(Result<int64_t>(usersWriteRefused()), "");
  if (Status s = write.checkOwner(table, objectId); !s.ok()) return s;
  return write.finish(env_.tables.remove(table, objectId, env_.clock.nowMs()), "objectId " + std::string(objectId));
}

Result<std::vector<std::string>> DataService::bulkCreate(const Principal& principal, const CallInfo& call,
                                                         std::string_view table, const json& objects) {
  using Ids = std::vector<std::string>;
  Write write(env_, principal, call, Op::kDataCreate);
  if (Status s = write.decide(table); !s.ok()) return s;
  if (isUsers(table)) return write.finish(Result<Ids>(usersWriteRefused()), "");
  Ids ids;
  // Past the limit the store refuses the request; no ids are made for it.
  if (objects.is_array() && objects.size() <= storage::kMaxBulkCreate) {
    ids.reserve(objects.size());
    for (size_t i = 0; i < objects.size(); ++i) ids.push_back(newGuid(env_.random));
  }
  storage::WriteContext ctx;
  ctx.ownerId = newRowOwner(principal);
  ctx.nowMs = env_.clock.nowMs();
  ctx.allowNewColumns = allowNewColumns(env_, principal);
  return write.finish(env_.tables.bulkCreate(table, objects, ids, ctx), rowsDetail(ids.size()));
}

Result<int64_t> DataService::bulkUpdate(const Principal& principal, const CallInfo& call, std::string_view table,
                                        std::string_view where, const json& changes) {
  Write write(env_, principal, call, Op::kDataUpdate);
  if (Status s = write.decide(table); !s.ok()) return s;
  if (isUsers(table)) return write.finish(Result<int64_t>(usersWriteRefused()), "");
  storage::WriteContext ctx;
  ctx.nowMs = env_.clock.nowMs();
  ctx.allowNewColumns = allowNewColumns(env_, principal);
  Result<int64_t> n =
      env_.tables.bulkUpdate(table, where, changes, ctx, ownerNarrowing(principal, write.decision()));
  const int64_t changed = n.ok() ? *n : 0;
  return write.finish(std::move(n), rowsDetail(static_cast<size_t>(changed)));
}

Result<int64_t> DataService::bulkDelete(const Principal& principal, const CallInfo& call, std::string_view table,
                                        std::string_view where) {
  Write write(env_, principal, call, Op::kDataDelete);
  if (Status s = write.decide(table); !s.ok()) return s;
  if (isUsers(table)) return write.finish(Result<int64_t>(usersWriteRefused()), "");
  Result<int64_t> n = env_.tables.bulkDelete(table, where, ownerNarrowing(principal, write.decision()));
  const int64_t deleted = n.ok() ? *n : 0;
  return write.finish(std::move(n), rowsDetail(static_cast<size_t>(deleted)));
}

}  // namespace ck::services
