// TableStore: the catalog operations and the writes. The reads are in
// table_store_find.cc.

#include "storage/table_store.h"

#include <optional>

#include "storage/sqlite.h"
#include "storage/table_names.h"
#include "storage/table_values.h"
#include "storage/where.h"

namespace ck::storage {

namespace {

using nlohmann::json;

// Names for a message: 'a', 'b', 'c' (at most 20, then "...").
std::string shownNames(const std::vector<std::string>& names) {
  constexpr size_t kMaxShown = 20;
  std::string out;
  for (size_t i = 0; i < names.size() && i < kMaxShown; ++i) {
    if (i > 0) out += ", ";
    out += shownName(names[i]);
  }
  if (names.size() > kMaxShown) out += ", ...";
  return out;
}

Status withObjectIndex(size_t index, const Status& s) {
  return Status(s.code(), "Object " + std::to_string(index) + ": " + s.message());
}

// Properties the host sets, or SDK bookkeeping: never stored from input.
bool isIgnoredProperty(std::string_view name) {
  return isSystemColumn(name) || name.starts_with("__");
}

}  // namespace

TableStore::TableStore(Database& db) : db_(db), schemas_(db) {}

// ---------------------------------------------------------------------------
// Tables

Status TableStore::unknownTable(std::string_view table) {
  std::string m = "Table " + shownName(table) + " does not exist";
  if (std::optional<std::string> other = schemas_.findIgnoringCase(table)) {
    m += "; table names are case-sensitive (there is a table " + shownName(*other) + ")";
  }
  return Status(ErrorCode::kUnknownTable, std::move(m));
}

Result<TableInfo> TableStore::tableForData(std::string_view table) {
  if (std::string problem = nameProblem(table); !problem.empty()) {
    return Status(ErrorCode::kUnknownTable, "Table " + shownName(table) + " cannot exist: " + problem);
  }
  if (std::optional<TableInfo> info = schemas_.load(table)) return std::move(*info);
  return unknownTable(table);
}

Result<TableInfo> TableStore::tableForWrite(std::string_view table, bool allowNewColumns) {
  Result<TableInfo> existing = tableForData(table);
  if (existing.ok() || !allowNewColumns || existing.status().code() != ErrorCode::kUnknownTable) return existing;
  if (!nameProblem(table).empty() || schemas_.findIgnoringCase(table)) return existing;
  return schemas_.create(table);
}

Status TableStore::declareTable(std::string_view table, const std::vector<ColumnInfo>& columns,
                                const std::vector<std::vector<std::string>>& indexes) {
  if (std::string problem = nameProblem(table); !problem.empty()) {
    return Status(ErrorCode::kInvalidArgument, "Invalid table name " + shownName(table) + ": " + problem);
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string& name = columns[i].name;
    if (std::string problem = nameProblem(name); !problem.empty()) {
      return Status(ErrorCode::kInvalidArgument,
                    "Invalid column name " + shownName(name) + " in table " + shownName(table) + ": " + problem);
    }
    if (std::string_view system = systemColumnIgnoringCase(name); !system.empty()) {
      return Status(ErrorCode::kInvalidArgument, "Column " + shownName(name) + " of table " + shownName(table) +
                                                     " names the system column " + shownName(system) +
                                                     ", which the host sets");
    }
    for (size_t j = 0; j < i; ++j) {
      if (equalsIgnoringCase(columns[j].name, name)) {
        return Status(ErrorCode::kInvalidArgument,
                      "Column " + shownName(name) + " of table " + shownName(table) + " is declared twice");
      }
    }
  }

  WriteScope scope(db_);
  std::optional<TableInfo> loaded = schemas_.load(table);
  if (!loaded) {
    Result<TableInfo> created = schemas_.create(table);
    if (!created.ok()) return Status(ErrorCode::kInvalidArgument, created.status().message());
    loaded = std::move(created).value();
  }
  TableInfo& info = *loaded;
  for (const ColumnInfo& c : columns) {
    if (const UserColumn* existing = info.find(c.name)) {
      if (existing->type != c.type) {
        return Status(ErrorCode::kInvalidDataType,
                      "Column " + shownName(c.name) + " of table " + shownName(table) + " is " +
                          valueTypeName(existing->type) + "; it cannot be declared " + valueTypeName(c.type) +
                          " (a column's type never changes)");
      }
      if (!existing->declared) schemas_.markDeclared(info, c.name);
      continue;
    }
    if (const UserColumn* other = info.findIgnoringCase(c.name)) {
      return Status(ErrorCode::kInvalidArgument, "Column " + shownName(c.name) + " of table " + shownName(table) +
                                                     " differs only in case from its column " +
                                                     shownName(other->name));
    }
    if (Status s = schemas_.addColumn(info, c.name, c.type, /*declared=*/true); !s.ok()) return s;
  }
  for (const std::vector<std::string>& index : indexes) {
    if (Status s = schemas_.ensureIndex(info, index); !s.ok()) return s;
  }
  scope.commit();
  return Status();
}

Result<TableSchema> TableStore::describe(std::string_view table) {
  Result<TableInfo> info = tableForData(table);
  if (!info.ok()) return info.status();
  return info->schema();
}

Result<TableInfo> TableStore::tableInfo(std::string_view table) { return tableForData(table); }

std::vector<std::string> TableStore::listTables() { return schemas_.list(); }

// ---------------------------------------------------------------------------
// Writes

Result<std::vector<TableStore::Assignment>> TableStore::assignments(TableInfo& table, const json& object,
                                                                     bool allowNewColumns) {
  if (!object.is_object()) {
    return Status(ErrorCode::kInvalidArgument, std::string("An object must be a JSON object, not ") +
                                                   jsonKindName(object));
  }
  if (object.size() > kMaxPropertiesPerObject) {
    return Status(ErrorCode::kInvalidArgument, "An object has at most " + std::to_string(kMaxPropertiesPerObject) +
                                                   " properties; this one has " + std::to_string(object.size()));
  }
  std::vector<Assignment> out;
  std::vector<std::string> unknown;
  std::vector<UserColumn> added;  // new columns, added once every property passed
  auto clash = [&](std::string_view key, std::string_view existing) {
    return Status(ErrorCode::kInvalidProperties, "Property " + shownName(key) + " differs only in case from " +
                                                     shownName(existing) + " of table " + shownName(table.name));
  };
  for (const auto& [key, value] : object.items()) {
    if (isIgnoredProperty(key)) continue;
    if (std::string problem = nameProblem(key); !problem.empty()) {
      return Status(ErrorCode::kInvalidProperties, "Invalid property name " + shownName(key) + ": " + problem);
    }
    if (std::string_view system = systemColumnIgnoringCase(key); !system.empty()) return clash(key, system);
    if (const UserColumn* column = table.find(key)) {
      Result<SqlValue> stored = toStoredValue(value, column->type, table.name, key);
      if (!stored.ok()) return stored.status();
      out.push_back({key, std::move(stored).value()});
      continue;
    }
    if (const UserColumn* other = table.findIgnoringCase(key)) return clash(key, other->name);
    for (const UserColumn& a : added) {
      if (equalsIgnoringCase(a.name, key)) return clash(key, a.name);
    }
    std::optional<ValueType> type = inferColumnType(value);
    if (!allowNewColumns) {
      unknown.push_back(key);
    } else if (type) {
      added.push_back({key, *type, false});
      out.push_back({key, toStoredValue(value, *type, table.name, key).value()});
    } else if (!value.is_null()) {  // a null for an unknown property adds no column
      return Status(ErrorCode::kInvalidDataType,
                    "Property " + shownName(key) + " holds a " + jsonKindName(value) + ", which no column can store");
    }
  }
  if (!unknown.empty()) {
    return Status(ErrorCode::kNoSuchProperties,
                  "Table " + shownName(table.name) + " has no properties " + shownNames(unknown) +
                      " (and this save may not add columns)");
  }
  if (table.columns.size() + added.size() > kMaxColumnsPerTable) {
    return Status(ErrorCode::kInvalidArgument, "Table " + shownName(table.name) + " would have " +
                                                   std::to_string(table.columns.size() + added.size()) +
                                                   " columns; a table has at most " +
                                                   std::to_string(kMaxColumnsPerTable));
  }
  for (const UserColumn& a : added) {
    if (Status s = schemas_.addColumn(table, a.name, a.type, /*declared=*/false); !s.ok()) return s;
  }
  return out;
}

Status TableStore::insertRow(const TableInfo& table, std::string_view objectId,
                             const std::optional<std::string>& ownerId, int64_t nowMs,
                             const std::vector<Assignment>& values) {
  std::string sql = "INSERT INTO " + quoteIdentifier(table.name) + "(\"objectId\", \"ownerId\", \"created\"";
  std::string params = "?1, ?2, ?3";
  for (size_t i = 0; i < values.size(); ++i) {
    sql += ", " + quoteIdentifier(values[i].column);
    params += ", ?" + std::to_string(i + 4);
  }
  sql += ") VALUES(" + params + ")";
  CachedStatement stmt = db_.prepare(sql);
  stmt->bind(1, objectId).bind(3, nowMs);
  if (ownerId) stmt->bind(2, *ownerId);
  for (size_t i = 0; i < values.size(); ++i) bindSqlValue(*stmt, static_cast<int>(i + 4), values[i].value);
  try {
    stmt->run();
  } catch (const SqliteError& e) {
    if (!e.isUniqueConstraint()) throw;
    return Status(ErrorCode::kAlreadyExists, "An object with id " + shownName(objectId) + " already exists in table " +
                                                 shownName(table.name));
  }
  return Status();
}

Result<json> TableStore::create(std::string_view table, const json& object, const WriteContext& ctx) {
  if (ctx.objectId.empty()) return Status(ErrorCode::kInvalidArgument, "A new object needs an objectId");
  if (!object.is_object()) {
    return Status(ErrorCode::kInvalidArgument, std::string("An object must be a JSON object, not ") +
                                                   jsonKindName(object));
  }
  WriteScope scope(db_);
  Result<TableInfo> info = tableForWrite(table, ctx.allowNewColumns);
  if (!info.ok()) return info.status();
  Result<std::vector<Assignment>> values = assignments(*info, object, ctx.allowNewColumns);
  if (!values.ok()) return values.status();
  if (Status s = insertRow(*info, ctx.objectId, ctx.ownerId, ctx.nowMs, *values); !s.ok()) return s;
  Result<json> row = readById(*info, ctx.objectId, select(info->schema(), {}, {}).value(), std::nullopt);
  if (!row.ok()) return row.status();
  scope.commit();
  return row;
}

Result<json> TableStore::update(std::string_view table, std::string_view objectId, const json& changes,
                                const WriteContext& ctx) {
  if (!changes.is_object()) {
    return Status(ErrorCode::kInvalidArgument, std::string("Changes must be a JSON object, not ") +
                                                   jsonKindName(changes));
  }
  WriteScope scope(db_);
  Result<TableInfo> info = tableForData(table);
  if (!info.ok()) return info.status();
  const std::string t = quoteIdentifier(info->name);
  {
    CachedStatement exists = db_.prepare("SELECT 1 FROM " + t + " WHERE \"objectId\" = ?1");
    exists->bind(1, objectId);
    if (!exists->step()) return Status::error(ErrorCode::kEntityNotFound);
  }
  Result<std::vector<Assignment>> values = assignments(*info, changes, ctx.allowNewColumns);
  if (!values.ok()) return values.status();
  if (values->empty()) return Status::error(ErrorCode::kEmptyUpdate);

  std::string sql = "UPDATE " + t + " SET ";
  for (size_t i = 0; i < values->size(); ++i) {
    sql += quoteIdentifier((*values)[i].column) + " = ?" + std::to_string(i + 1) + ", ";
  }
  const int n = static_cast<int>(values->size());
  sql += "\"updated\" = ?" + std::to_string(n + 1) + " WHERE \"objectId\" = ?" + std::to_string(n + 2);
  {
    CachedStatement stmt = db_.prepare(sql);
    for (int i = 0; i < n; ++i) bindSqlValue(*stmt, i + 1, (*values)[static_cast<size_t>(i)].value);
    stmt->bind(n + 1, ctx.nowMs).bind(n + 2, objectId).run();
  }
  Result<json> row = readById(*info, objectId, select(info->schema(), {}, {}).value(), std::nullopt);
  if (!row.ok()) return row.status();
  scope.commit();
  return row;
}

Result<int64_t> TableStore::remove(std::string_view table, std::string_view objectId, int64_t nowMs) {
  Result<TableInfo> info = tableForData(table);
  if (!info.ok()) return info.status();
  CachedStatement stmt = db_.prepare("DELETE FROM " + quoteIdentifier(info->name) + " WHERE \"objectId\" = ?1");
  stmt->bind(1, objectId).run();
  if (db_.changes() == 0) return Status::error(ErrorCode::kEntityNotFound);
  return nowMs;
}

Result<std::vector<std::string>> TableStore::bulkCreate(std::string_view table, const json& objects,
                                                        const std::vector<std::string>& objectIds,
                                                        const WriteContext& ctx) {
  if (!objects.is_array()) {
    return Status(ErrorCode::kInvalidArgument, std::string("A bulk create takes a JSON array, not ") +
                                                   jsonKindName(objects));
  }
  if (objects.size() > kMaxBulkCreate) {
    return Status(ErrorCode::kInvalidArgument, "A bulk create takes at most " + std::to_string(kMaxBulkCreate) +
                                                   " objects; this one has " + std::to_string(objects.size()));
  }
  if (objectIds.size() != objects.size()) {
    return Status(ErrorCode::kInvalidArgument, "A bulk create needs one objectId per object");
  }
  for (const std::string& id : objectIds) {
    if (id.empty()) return Status(ErrorCode::kInvalidArgument, "A new object needs an objectId");
  }
  if (objects.empty()) {
    // Nothing to write, and no table created: there is nothing to infer it from.
    Result<TableInfo> existing = tableForData(table);
    if (existing.ok() || (ctx.allowNewColumns && nameProblem(table).empty() && !schemas_.findIgnoringCase(table))) {
      return std::vector<std::string>{};
    }
    return existing.status();
  }
  WriteScope scope(db_);
  Result<TableInfo> info = tableForWrite(table, ctx.allowNewColumns);
  if (!info.ok()) return info.status();
  for (size_t i = 0; i < objects.size(); ++i) {
    Result<std::vector<Assignment>> values = assignments(*info, objects[i], ctx.allowNewColumns);
    if (!values.ok()) return withObjectIndex(i, values.status());
    if (Status s = insertRow(*info, objectIds[i], ctx.ownerId, ctx.nowMs, *values); !s.ok()) {
      return withObjectIndex(i, s);
    }
  }
  scope.commit();
  return objectIds;
}

Result<int64_t> TableStore::bulkUpdate(std::string_view table, std::string_view where, const json& changes,
                                       const WriteContext& ctx, const std::optional<std::string>& ownerNarrowing) {
  if (!changes.is_object()) {
    return Status(ErrorCode::kInvalidArgument, std::string("Changes must be a JSON object, not ") +
                                                   jsonKindName(changes));
  }
  WriteScope scope(db_);
  Result<TableInfo> info = tableForData(table);
  if (!info.ok()) return info.status();
  // Compiled before new columns are added: the clause can name only columns
  // that exist now.
  Result<RowFilter> filter = compileRowFilter(where, info->schema(), ownerNarrowing);
  if (!filter.ok()) return filter.status();
  Result<std::vector<Assignment>> values = assignments(*info, changes, ctx.allowNewColumns);
  if (!values.ok()) return values.status();
  if (values->empty()) return Status::error(ErrorCode::kEmptyUpdate);

  // The where clause comes first in the text, so its parameters are numbered
  // 1..n however it writes them; ours follow as plain '?'.
  const std::string t = quoteIdentifier(info->name);
  std::string sql = "WITH \"_ck_match\" AS (SELECT \"objectId\" FROM " + t + " WHERE " + filter->sql();
  sql += ") UPDATE " + t + " SET ";
  for (const Assignment& a : *values) sql += quoteIdentifier(a.column) + " = ?, ";
  sql += "\"updated\" = ? WHERE \"objectId\" IN (SELECT \"objectId\" FROM \"_ck_match\")";

  CachedStatement stmt = db_.prepare(sql);
  int index = filter->bind(*stmt);
  for (const Assignment& a : *values) bindSqlValue(*stmt, ++index, a.value);
  stmt->bind(++index, ctx.nowMs);
  requireParameterCount(*stmt, index);
  stmt->run();
  const int64_t changed = db_.changes();
  scope.commit();
  return changed;
}

Result<int64_t> TableStore::bulkDelete(std::string_view table, std::string_view where,
                                       const std::optional<std::string>& ownerNarrowing) {
  Result<TableInfo> info = tableForData(table);
  if (!info.ok()) return info.status();
  Result<RowFilter> filter = compileRowFilter(where, info->schema(), ownerNarrowing);
  if (!filter.ok()) return filter.status();
  CachedStatement stmt = db_.prepare("DELETE FROM " + quoteIdentifier(info->name) + " WHERE " + filter->sql());
  requireParameterCount(*stmt, filter->bind(*stmt));
  stmt->run();
  return static_cast<int64_t>(db_.changes());
}

}  // namespace ck::storage
