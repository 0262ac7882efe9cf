#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/flat_rows.h"
#include "base/status.h"
#include "storage/schema.h"
#include "storage/table_schema_store.h"
#include "storage/where.h"

namespace ck::storage {

class Database;
class Statement;

// Limits of one request, refused with a clear error beyond.
inline constexpr size_t kMaxPropertiesPerObject = 1000;
inline constexpr size_t kMaxBulkCreate = 100;   // objects in one bulkCreate
inline constexpr int64_t kDefaultPageSize = 10;
inline constexpr int64_t kMaxPageSize = 100;

// What the host decides about a write; never taken from the client's object.
struct WriteContext {
  std::string objectId;                // create: the new object's id (an uppercase GUID the caller made)
  std::optional<std::string> ownerId;  // create: the owner, nullopt for none (stored as NULL)
  int64_t nowMs = 0;                   // `created` on create, `updated` on update
  bool allowNewColumns = false;        // the app's dynamicSchema: unknown tables and properties are added
};

struct FindQuery {
  std::string where;                 // Backendless where clause; "" for every row
  std::vector<std::string> sortBy;   // e.g. {"name desc", "created"}; blank items are skipped
  int64_t pageSize = kDefaultPageSize;  // 1..kMaxPageSize
  int64_t offset = 0;                // >= 0
  std::vector<std::string> props;    // columns to return ("*" = all); empty = all
  std::vector<std::string> excludeProps;
  std::optional<std::string> ownerNarrowing;  // only rows whose ownerId is this, filtered in SQL
  std::vector<std::string> withheld;  // columns never read, whatever props says (Users' password)
  bool flatCells = false;  // findText also records where the page's values are (RowsText::flat)
};

struct FindByIdQuery {
  std::vector<std::string> props;
  std::vector<std::string> excludeProps;
  std::optional<std::string> ownerNarrowing;
  std::vector<std::string> withheld;
};

// A page of rows as JSON text (an array), and how many rows it holds.
// `flat`: where its keys and values are (base/flat_rows.h), when the query
// asked (FindQuery::flatCells), every value is flat (no json column's value)
// and there is at least a row.
struct RowsText {
  std::string json;
  size_t count = 0;
  std::optional<FlatRows> flat;
};

// The table store: an app's user tables, their schema and their rows, as the
// Backendless data API sees them. JSON objects in, JSON objects out.
//
// Rows come back as JSON objects holding every column (or the selected ones),
// plus `___class` (the table's name, always present): objectId and ownerId as
// strings (ownerId null when none), created and updated as epoch ms (updated
// null until the first update), booleans as true/false, dates as numbers, json
// columns as the object or array stored. See table_values.h for the types.
//
// System columns (objectId, ownerId, created, updated) and `___class` in an
// input object are ignored: the host sets them. So are other properties whose
// names start with "__" (SDK bookkeeping such as `__meta`). Any other property
// whose name is outside the name grammar (table_names.h) is refused.
//
// Names are exact: `order` does not name the table `Order`, and `Name` does not
// name the column `name`. A table or column that would differ from an
// existing one only in case is refused. Invalid or reserved table names
// (`_settings`, `sqlite_master`, ...) answer kUnknownTable to the data
// operations and kInvalidArgument to declareTable.
//
// Every value is a bound parameter; identifiers reach SQL only after they were
// validated against the grammar and the catalog. Each write runs in one
// transaction (BEGIN IMMEDIATE), or, when the connection is already inside a
// transaction (say the caller's, holding an audit entry), in a savepoint of
// it: either way a write that fails leaves nothing behind, DDL included.
//
// Threads: borrows the Database and uses it on the calling thread; the caller
// serialises access to the connection (one connection per worker, or a mutex).
// Other connections to the same file may write concurrently: the catalog is
// read inside each write's transaction. Holds no state of its own beyond the
// borrowed connection.
//
// Failures: expected outcomes (unknown table, invalid name, wrong type, bad
// where clause, not found) are Status values with Backendless's codes; I/O
// failures and corruption throw SqliteError.
class TableStore {
 public:
  // REQUIRES: `db` has the app schema (AppStore's migrations, the catalog
  // tables included); it outlives the TableStore.
  explicit TableStore(Database& db);

  // --- Catalog ---

  // Creates the table when missing, adds the columns it lacks (declared),
  // marks existing columns of the same type declared, and creates the indexes
  // it lacks (each a list of columns; system columns may be used). Idempotent.
  // Changing an existing column's type is refused with kInvalidDataType naming
  // both types; an invalid or reserved name, a name differing only in case from
  // an existing one, a column listed twice or a limit exceeded with
  // kInvalidArgument. Nothing is changed when it fails.
  Status declareTable(std::string_view table, const std::vector<ColumnInfo>& columns,
                      const std::vector<std::vector<std::string>>& indexes = {});
  // The table's schema: the user columns in the order they were added, then
  // the system columns (objectId, ownerId: string; created, updated: date).
  // kUnknownTable when missing.
  Result<TableSchema> describe(std::string_view table);
  // The user columns with their declared flag. kUnknownTable when missing.
  Result<TableInfo> tableInfo(std::string_view table);
  // Every user table's name, in byte order.
  std::vector<std::string> listTables();

  // --- Writes ---

  // Stores `object` (a JSON object) as a new row and returns the row as
  // stored. Unknown table: created when ctx.allowNewColumns, else
  // kUnknownTable. Unknown properties: added as columns of the inferred type
  // when ctx.allowNewColumns (a null adds nothing), else kNoSuchProperties
  // naming them all. A value of another type than its column's:
  // kInvalidDataType. kAlreadyExists when ctx.objectId is taken.
  // REQUIRES: ctx.objectId is not empty (kInvalidArgument otherwise).
  Result<nlohmann::json> create(std::string_view table, const nlohmann::json& object, const WriteContext& ctx);

  // Sets the user properties in `changes` on the row `objectId`, sets
  // `updated` to ctx.nowMs and returns the whole row. kEntityNotFound when no
  // such row; kEmptyUpdate when `changes` holds no user property to set;
  // columns as for create. ctx.objectId and ctx.ownerId are not used.
  // Ownership is not checked here: the access layer reads the row's ownerId
  // (findById) first; no operation of this store ever changes an ownerId.
  Result<nlohmann::json> update(std::string_view table, std::string_view objectId, const nlohmann::json& changes,
                                const WriteContext& ctx);

  // Deletes the row and returns the deletion time (nowMs). kEntityNotFound
  // when no such row.
  Result<int64_t> remove(std::string_view table, std::string_view objectId, int64_t nowMs);

  // Creates every object of `objects` (a JSON array of at most kMaxBulkCreate
  // objects) as create does, in one transaction: all or nothing. The i-th
  // object gets objectIds[i] (REQUIRES: as many ids as objects, each
  // non-empty; kInvalidArgument otherwise); ctx.objectId is not used. Returns
  // the objectIds in order.
  Result<std::vector<std::string>> bulkCreate(std::string_view table, const nlohmann::json& objects,
                                              const std::vector<std::string>& objectIds, const WriteContext& ctx);

  // Sets `changes` (as update does) on every row matching `where` (and owned
  // by ownerNarrowing when set) and returns how many rows changed. An empty
  // `where` matches every row of the table: that is allowed; the caller's
  // permission check is what guards it.
  Result<int64_t> bulkUpdate(std::string_view table, std::string_view where, const nlohmann::json& changes,
                             const WriteContext& ctx,
                             const std::optional<std::string>& ownerNarrowing = std::nullopt);

  // Deletes every row matching `where` (and owned by ownerNarrowing when set)
  // and returns how many. An empty `where` deletes every row, as above.
  Result<int64_t> bulkDelete(std::string_view table, std::string_view where,
                             const std::optional<std::string>& ownerNarrowing = std::nullopt);

  // --- Reads ---

  // One page of rows as a JSON array, in the order of query.sortBy followed
  // by objectId ascending (so pages never repeat or skip rows), or by default
  // created ascending, objectId ascending. kPageSizeTooLarge when pageSize >
  // kMaxPageSize (never clamped); kInvalidArgument when pageSize < 1 or
  // offset < 0; kInvalidProperties when props or excludeProps name a column
  // the table does not have; kInvalidWhere (1017) for a bad where clause or
  // sortBy; kUnknownTable.
  // The catalog and the rows are read in one snapshot (ReadScope).
  Result<nlohmann::json> find(std::string_view table, const FindQuery& query);
  // The same page written straight from the rows to JSON text, for answers
  // that would only serialise the objects find builds.
  Result<RowsText> findText(std::string_view table, const FindQuery& query);

  // The row, or kEntityNotFound (also when ownerNarrowing is set and the row
  // belongs to someone else).
  Result<nlohmann::json> findById(std::string_view table, std::string_view objectId,
                                  const FindByIdQuery& query = {});

  // How many rows match `where` (and ownerNarrowing when set).
  Result<int64_t> count(std::string_view table, std::string_view where,
                        const std::optional<std::string>& ownerNarrowing = std::nullopt);

 private:
  // The columns a read returns, in table order.
  struct Selection {
    std::vector<ColumnInfo> columns;
  };
  struct Assignment {
    std::string column;
    SqlValue value;
  };

  // kUnknownTable for `table`, with a hint when a table of that name in
  // another case exists.
  Status unknownTable(std::string_view table);
  // The table for a data operation: kUnknownTable when the name is invalid,
  // reserved or unknown (with a hint when it exists in another case).
  Result<TableInfo> tableForData(std::string_view table);
  // As tableForData, but creates the table when it is missing and
  // allowNewColumns. REQUIRES: inside a write scope.
  Result<TableInfo> tableForWrite(std::string_view table, bool allowNewColumns);
  // The user properties of `object` checked against `table`, adding columns
  // when allowNewColumns. REQUIRES: inside a write scope.
  Result<std::vector<Assignment>> assignments(TableInfo& table, const nlohmann::json& object, bool allowNewColumns);
  Status insertRow(const TableInfo& table, std::string_view objectId, const std::optional<std::string>& ownerId,
                   int64_t nowMs, const std::vector<Assignment>& values);
  Result<Selection> select(const TableSchema& table, const std::vector<std::string>& props,
                           const std::vector<std::string>& excludeProps,
                           const std::vector<std::string>& withheld = {});
  // Takes each row of a page: the statement on it, the columns, the table.
  using RowSink = std::function<void(const Statement&, const Selection&, const std::string& table)>;
  // Runs find's query and calls `row` with each row of the page.
  Status eachFound(std::string_view table, const FindQuery& query, const RowSink& row);
  // eachFound's query on `schema` (of the table `info`); with checkCache,
  // they are the cached table's and nullopt says the cache no longer holds.
  std::optional<Status> findIn(const TableInfo& info, const TableSchema& schema, const FindQuery& query,
                               bool checkCache, const RowSink& row);
  Result<nlohmann::json> readById(const TableInfo& table, std::string_view objectId, const Selection& selection,
                                  const std::optional<std::string>& ownerNarrowing);

  Database& db_;
  TableSchemaStore schemas_;
};

}  // namespace ck::storage
