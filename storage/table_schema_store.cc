#include "storage/table_schema_store.h"

#include <algorithm>

#include <sqlite3.h>

#include "storage/sqlite.h"
#include "storage/table_names.h"
#include "storage/table_values.h"
#include "storage/where.h"

namespace ck::storage {

namespace {

// An index name in double quotes. Index names hold characters outside the
// name grammar (':', '(', ','), never a double quote; one is doubled anyway.
std::string quoteIndexName(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string indexName(std::string_view table, std::string_view suffix) {
  std::string name = "_ck:";
  name += table;
  name += ':';
  name += suffix;
  return name;
}

// The columns of index `name`, in order; none when there is no such index.
std::vector<std::string> indexColumns(Database& db, const std::string& name) {
  CachedStatement stmt = db.prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno");
  stmt->bind(1, name);
  std::vector<std::string> out;
  while (stmt->step()) out.push_back(stmt->columnText(0));
  return out;
}

}  // namespace

const UserColumn* TableInfo::find(std::string_view column) const {
  for (const UserColumn& c : columns) {
    if (c.name == column) return &c;
  }
  return nullptr;
}

const UserColumn* TableInfo::findIgnoringCase(std::string_view column) const {
  for (const UserColumn& c : columns) {
    if (equalsIgnoringCase(c.name, column)) return &c;
  }
  return nullptr;
}

TableSchema TableInfo::schema() const {
  std::vector<ColumnInfo> user;
  user.reserve(columns.size());
  for (const UserColumn& c : columns) user.push_back({c.name, c.type});
  return TableSchema::withSystemColumns(name, std::move(user));
}

std::optional<TableInfo> TableSchemaStore::load(std::string_view table) {
  if (sqlite3_txn_state(db_.handle(), "main") == SQLITE_TXN_WRITE) return read(table);
  // The cookie is read before the catalog: outside a transaction, a change
  // committed between the two leaves newer columns under the older cookie,
  // which the next load then reads again.
  keepCacheFor(readCookie());
  if (auto it = cache_.find(std::string(table)); it != cache_.end()) {
    return it->second ? std::optional<TableInfo>(it->second->info) : std::nullopt;
  }
  std::optional<TableInfo> info = read(table);
  // Past the table limit, names asked for that do not exist must not grow the cache.
  if (cache_.size() < kMaxTables) {
    std::optional<CachedTable> entry;
    if (info) entry = CachedTable{*info, info->schema()};
    cache_.emplace(std::string(table), std::move(entry));
  }
  return info;
}

const TableSchemaStore::CachedTable* TableSchemaStore::cached(std::string_view table) const {
  if (cachedVersion_ < 0) return nullptr;
  auto it = cache_.find(std::string(table));
  return it != cache_.end() && it->second ? &*it->second : nullptr;
}

bool TableSchemaStore::stillValid() {
  if (cachedVersion_ >= 0 && dataVersion() == cookieDataVersion_) return true;
  return keepCacheFor(readCookie());
}

bool TableSchemaStore::keepCacheFor(int64_t cookie) {
  if (cookie == cachedVersion_) return true;
  cache_.clear();
  cachedVersion_ = cookie;
  return false;
}

int64_t TableSchemaStore::readCookie() {
  CachedStatement version = db_.prepare("PRAGMA schema_version");
  version->step();
  const int64_t cookie = version->columnInt64(0);
  cookieDataVersion_ = dataVersion();  // of the transaction the cookie was read in
  return cookie;
}

unsigned TableSchemaStore::dataVersion() {
  unsigned version = 0;
  sqlite3_file_control(db_.handle(), "main", SQLITE_FCNTL_DATA_VERSION, &version);
  return version;
}

std::optional<TableInfo> TableSchemaStore::read(std::string_view table) {
  {
    CachedStatement exists = db_.prepare("SELECT 1 FROM _tables WHERE name = ?1");
    exists->bind(1, table);
    if (!exists->step()) return std::nullopt;
  }
  TableInfo info;
  info.name = std::string(table);
  CachedStatement stmt =
      db_.prepare("SELECT name, type, declared FROM _columns WHERE tableName = ?1 ORDER BY position");
  stmt->bind(1, table);
  while (stmt->step()) {
    std::string type = stmt->columnText(1);
    std::optional<ValueType> parsed = parseStoredTypeName(type);
    // The catalog's CHECK constraint admits only the five names.
    if (!parsed) throw std::runtime_error("catalog: column of unknown type '" + type + "'");
    info.columns.push_back({stmt->columnText(0), *parsed, stmt->columnInt64(2) != 0});
  }
  return info;
}

std::optional<std::string> TableSchemaStore::findIgnoringCase(std::string_view table) {
  CachedStatement stmt = db_.prepare("SELECT name FROM _tables WHERE name = ?1 COLLATE NOCASE");
  stmt->bind(1, table);
  if (!stmt->step()) return std::nullopt;
  return stmt->columnText(0);
}

std::vector<std::string> TableSchemaStore::list() {
  std::vector<std::string> out;
  CachedStatement stmt = db_.prepare("SELECT name FROM _tables ORDER BY name");
  while (stmt->step()) out.push_back(stmt->columnText(0));
  return out;
}

Result<TableInfo> TableSchemaStore::create(std::string_view table) {
  if (std::optional<std::string> other = findIgnoringCase(table)) {
    return Status(ErrorCode::kAlreadyExists, "Table " + shownName(table) + " differs only in case from table " +
                                                 shownName(*other) + "; table names are case-sensitive and "
                                                 "cannot differ only in case");
  }
  {
    CachedStatement count = db_.prepare("SELECT count(*) FROM _tables");
    count->step();
    if (static_cast<size_t>(count->columnInt64(0)) >= kMaxTables) {
      return Status(ErrorCode::kInvalidArgument,
                    "An app has at most " + std::to_string(kMaxTables) + " tables; cannot create " + shownName(table));
    }
  }
  const std::string t = quoteIdentifier(table);
  db_.exec("CREATE TABLE " + t +
           "(\"objectId\" TEXT PRIMARY KEY NOT NULL, \"ownerId\" TEXT, \"created\" INTEGER NOT NULL, "
           "\"updated\" INTEGER) STRICT");
  db_.exec("CREATE INDEX " + quoteIndexName(indexName(table, "created")) + " ON " + t +
           "(\"created\", \"objectId\")");
  db_.exec("CREATE INDEX " + quoteIndexName(indexName(table, "owner")) + " ON " + t +
           "(\"ownerId\", \"created\", \"objectId\")");
  CachedStatement insert = db_.prepare("INSERT INTO _tables(name) VALUES(?1)");
  insert->bind(1, table).run();
  TableInfo info;
  info.name = std::string(table);
  return info;
}

Status TableSchemaStore::addColumn(TableInfo& table, std::string_view column, ValueType type, bool declared) {
  if (table.columns.size() >= kMaxColumnsPerTable) {
    return Status(ErrorCode::kInvalidArgument, "Table " + shownName(table.name) + " has " +
                                                   std::to_string(kMaxColumnsPerTable) +
                                                   " columns, the most a table may have; cannot add " +
                                                   shownName(column));
  }
  db_.exec("ALTER TABLE " + quoteIdentifier(table.name) + " ADD COLUMN " + quoteIdentifier(column) + " " +
           sqlColumnType(type));
  CachedStatement insert = db_.prepare(
      "INSERT INTO _columns(tableName, name, type, declared, position) VALUES(?1, ?2, ?3, ?4, ?5)");
  insert->bind(1, table.name)
      .bind(2, column)
      .bind(3, storedTypeName(type))
      .bind(4, declared ? 1 : 0)
      .bind(5, static_cast<int64_t>(table.columns.size()))
      .run();
  table.columns.push_back({std::string(column), type, declared});
  return Status();
}

void TableSchemaStore::markDeclared(TableInfo& table, std::string_view column) {
  CachedStatement update = db_.prepare("UPDATE _columns SET declared = 1 WHERE tableName = ?1 AND name = ?2");
  update->bind(1, table.name).bind(2, column).run();
  for (UserColumn& c : table.columns) {
    if (c.name == column) c.declared = true;
  }
}

Status TableSchemaStore::ensureIndex(const TableInfo& table, const std::vector<std::string>& columns) {
  auto refuse = [&](const std::string& why) {
    return Status(ErrorCode::kInvalidArgument, "Invalid index on table " + shownName(table.name) + ": " + why);
  };
  if (columns.empty()) return refuse("an index names at least one column");
  if (columns.size() > kMaxColumnsPerIndex) {
    return refuse("an index has at most " + std::to_string(kMaxColumnsPerIndex) + " columns");
  }
  std::string suffix = "ix(";
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string& c = columns[i];
    if (!isSystemColumn(c) && table.find(c) == nullptr) return refuse("no column " + shownName(c));
    for (size_t j = 0; j < i; ++j) {
      if (columns[j] == c) return refuse("column " + shownName(c) + " appears twice");
    }
    if (i > 0) suffix += ',';
    suffix += c;
  }
  suffix += ')';
  // Every index ends in the default order (created, objectId; see
  // table_store_find.cc), as the created and owner indexes do: a default-
  // ordered find whose where pins the declared columns reads its page
  // straight from the index instead of sorting every match first.
  std::vector<std::string> indexed = columns;
  if (std::find(columns.begin(), columns.end(), "objectId") == columns.end()) {
    if (std::find(columns.begin(), columns.end(), "created") == columns.end()) indexed.emplace_back("created");
    indexed.emplace_back("objectId");
  }
  std::string list;
  for (const std::string& c : indexed) list += (list.empty() ? "" : ", ") + quoteIdentifier(c);
  const std::string name = indexName(table.name, suffix);
  const std::vector<std::string> existing = indexColumns(db_, name);
  if (existing == indexed) return Status();
  if (!existing.empty()) {
    // Made before indexes ended in the default order: made again.
    db_.exec("DROP INDEX " + quoteIndexName(name));
  } else {
    // A new one: count this table's declared indexes by their name's prefix.
    const std::string prefix = indexName(table.name, "ix(");
    CachedStatement count = db_.prepare(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND substr(name, 1, ?1) = ?2");
    count->bind(1, static_cast<int64_t>(prefix.size())).bind(2, prefix);
    count->step();
    if (static_cast<size_t>(count->columnInt64(0)) >= kMaxIndexesPerTable) {
      return refuse("a table has at most " + std::to_string(kMaxIndexesPerTable) + " declared indexes");
    }
  }
  db_.exec("CREATE INDEX " + quoteIndexName(name) + " ON " + quoteIdentifier(table.name) + "(" + list + ")");
  return Status();
}

}  // namespace ck::storage
