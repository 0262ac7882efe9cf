#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "storage/schema.h"

namespace ck::storage {

class Database;

// Limits of the catalog, refused with a clear error beyond.
inline constexpr size_t kMaxTables = 1000;            // user tables per app
inline constexpr size_t kMaxColumnsPerTable = 256;    // user columns, system columns not counted
inline constexpr size_t kMaxIndexesPerTable = 16;     // declared indexes
inline constexpr size_t kMaxColumnsPerIndex = 8;

// One user column: its type, and whether the app's policy declared it
// (`tables.<T>.columns` in cloudkeep.json) or a save added it (dynamic). A
// column once declared stays declared.
struct UserColumn {
  std::string name;
  ValueType type;
  bool declared = false;
};

// A user table as the catalog knows it.
struct TableInfo {
  std::string name;
  std::vector<UserColumn> columns;  // user columns, in the order they were added

  const UserColumn* find(std::string_view column) const;  // exact name
  // The user column whose name equals `column` ignoring case, if any.
  const UserColumn* findIgnoringCase(std::string_view column) const;
  // The schema the where compiler reads: the user columns, then the system
  // columns objectId and ownerId (string), created and updated (date).
  TableSchema schema() const;
};

// The catalog of one app's user tables: `_tables` and `_columns` (STRICT,
// created by the app schema's second migration) plus, for each user table, a
// real SQLite table
//
//   "<T>"("objectId" TEXT PRIMARY KEY NOT NULL, "ownerId" TEXT,
//         "created" INTEGER NOT NULL, "updated" INTEGER, <user columns>) STRICT
//
// with the indexes "_ck:<T>:created" on (created, objectId), the default
// order, and "_ck:<T>:owner" on (ownerId, created, objectId), for owner-policy
// narrowing in that order. Declared indexes are named "_ck:<T>:ix(<a>,<b>)".
// Every index name starts with '_', outside the user name grammar.
//
// Catalog and tables change together: every method that writes REQUIRES an
// open write transaction (or savepoint) on `db`, so a failure rolls both back.
// Tables and columns are never dropped or retyped.
//
// Borrows the Database; not thread-safe, like it. Names passed to the writing
// methods must already be valid (table_names.h); the methods check only what
// needs the catalog (case clashes, limits). SQLite failures throw SqliteError.
//
// Reads of a table's columns are cached per connection, keyed by SQLite's
// schema cookie (PRAGMA schema_version): every catalog change that matters
// to a read (a table or a column added, on any connection) is DDL, which
// changes the cookie, so a cached entry read under another cookie is never
// used. The `declared` flag changes without DDL (markDeclared), so loads
// inside a write transaction, where declarations are made, always read the
// catalog; the cache is filled only outside them.
class TableSchemaStore {
 public:
  explicit TableSchemaStore(Database& db) : db_(db) {}

  // The table named exactly `table`, or nullopt. Inside a read transaction
  // (ReadScope), the answer belongs to that transaction's snapshot.
  std::optional<TableInfo> load(std::string_view table);

  // For a read that is one statement, its own read transaction (a find):
  // the table as cached, without the catalog; null when it is not cached.
  // After its first step, with that transaction open, the statement asks
  // stillValid(): true when no connection has committed since the cookie
  // was last read (SQLite's data version, no statement), or when the cookie
  // is unchanged; false, the cache emptied, when the catalog changed, and
  // the read starts again through load(). Outside write transactions only.
  struct CachedTable {
    TableInfo info;
    TableSchema schema;  // info.schema(), made once
  };
  const CachedTable* cached(std::string_view table) const;
  bool stillValid();
  // The name of the table whose name equals `table` ignoring case, if any.
  std::optional<std::string> findIgnoringCase(std::string_view table);
  // Every user table's name, ordered by name (byte order).
  std::vector<std::string> list();

  // Creates the table with its system columns and indexes. kAlreadyExists
  // when a table with this name in another case exists; kInvalidArgument past
  // kMaxTables. REQUIRES: no table named exactly `table` exists.
  Result<TableInfo> create(std::string_view table);

  // Adds a column to `table` (and to `table.columns`). kInvalidArgument past
  // kMaxColumnsPerTable. REQUIRES: `column` is valid, neither a system column
  // nor equal to another column ignoring case.
  Status addColumn(TableInfo& table, std::string_view column, ValueType type, bool declared);
  // Marks an existing column declared (in the catalog and in `table`).
  void markDeclared(TableInfo& table, std::string_view column);

  // Creates the declared index on `columns` unless it exists. kInvalidArgument
  // when `columns` is empty, too long, repeats a column or names one the
  // table does not have (system columns are allowed), or past
  // kMaxIndexesPerTable.
  Status ensureIndex(const TableInfo& table, const std::vector<std::string>& columns);

 private:
  // load() without the cache.
  std::optional<TableInfo> read(std::string_view table);

  Database& db_;
  // The schema cookie, and SQLite's data version when it was last read.
  int64_t readCookie();
  // Whether the cache holds for `cookie`; when not, it is emptied and kept
  // for `cookie` from now on.
  bool keepCacheFor(int64_t cookie);
  unsigned dataVersion();

  // The tables read outside write transactions, valid for schema cookie
  // cachedVersion_ only; nullopt caches "no such table". cookieDataVersion_:
  // the data version under which the cookie was last read.
  int64_t cachedVersion_ = -1;
  unsigned cookieDataVersion_ = 0;
  std::unordered_map<std::string, std::optional<CachedTable>> cache_;
};

}  // namespace ck::storage
