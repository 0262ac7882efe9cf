// TableStore: the reads (find, findById, count) and the row format they share
// with the writes.

#include <algorithm>
#include <optional>

#include "base/json_text.h"

#include "storage/sqlite.h"
#include "storage/table_names.h"
#include "storage/table_store.h"
#include "storage/table_values.h"
#include "storage/where.h"

namespace ck::storage {

namespace {

using nlohmann::json;

// The default order, and the tie-breaker after a caller's sortBy: objectId is
// unique, so the order is total and pages never repeat or skip a row.
constexpr std::string_view kDefaultOrder = "\"created\" ASC, \"objectId\" ASC";
constexpr std::string_view kTieBreaker = "\"objectId\" ASC";

std::string columnList(const std::vector<ColumnInfo>& columns) {
  if (columns.empty()) return "1";  // only ___class was asked for
  std::string out;
  for (const ColumnInfo& c : columns) {
    if (!out.empty()) out += ", ";
    out += quoteIdentifier(c.name);
  }
  return out;
}

json readRow(const Statement& stmt, const std::vector<ColumnInfo>& columns, const std::string& table) {
  json row = json::object();
  for (size_t i = 0; i < columns.size(); ++i) {
    row[columns[i].name] = readStoredValue(stmt, static_cast<int>(i), columns[i].type);
  }
  row[std::string(kClassProperty)] = table;
  return row;
}

// readRow's object as JSON text, keys in the same (byte) order as the DOM
// dumps them: the columns sorted by name, `___class` among them. Everything
// but the values is the same for every row of a find, so it is written once:
// a row is each member's fixed text then its value, then `}`. Each row can
// also be recorded as flat cells of the page (base/flat_rows.h).
class RowLayout {
 public:
  RowLayout(const std::vector<ColumnInfo>& columns, const std::string& table) {
    std::vector<size_t> byName(columns.size());
    for (size_t i = 0; i < byName.size(); ++i) byName[i] = i;
    std::sort(byName.begin(), byName.end(), [&](size_t a, size_t b) { return columns[a].name < columns[b].name; });
    classChars_ = appendJsonString(classValue_, table);
    bool classDone = false;
    for (size_t i : byName) {
      if (!classDone && std::string_view(columns[i].name) > kClassProperty) {
        addMember(kClassProperty, kClassMember, ValueType::kString);
        classDone = true;
      }
      addMember(columns[i].name, static_cast<int>(i), columns[i].type);
    }
    if (!classDone) addMember(kClassProperty, kClassMember, ValueType::kString);
  }

  // Appends the current row of `stmt`. With `flat`: appends its cells, and
  // on the first row (no cells yet) its keys; false when the row is not
  // flat, `flat` then being unspecified.
  bool append(std::string& out, const Statement& stmt, FlatRows* flat) const {
    if (!keysFlat_) flat = nullptr;
    const bool names = flat != nullptr && flat->cells.empty();
    for (const Member& member : members_) {
      if (names && flat != nullptr) flat->names.push_back({static_cast<uint32_t>(out.size() + 2), member.keyLength});
      out += member.before;
      std::optional<FlatCell> cell;
      if (member.column == kClassMember) {
        cell.emplace();
        cell->kind = FlatCell::Kind::kString;
        cell->chars = classChars_;
        cell->text = {static_cast<uint32_t>(out.size() + 1), static_cast<uint32_t>(classValue_.size() - 2)};
        out += classValue_;
      } else {
        cell = appendStoredValue(out, stmt, member.column, member.type);
      }
      if (flat != nullptr) {
        if (cell) flat->cells.push_back(*cell);
        else flat = nullptr;  // a json column's value
      }
    }
    out += '}';
    return flat != nullptr;
  }

 private:
  static constexpr int kClassMember = -1;

  struct Member {
    std::string before;  // `{` or `,`, then the key and `:`
    uint32_t keyLength;
    int column;  // kClassMember for `___class`
    ValueType type;
  };

  void addMember(std::string_view key, int column, ValueType type) {
    std::string before = members_.empty() ? "{" : ",";
    // Column names follow the name grammar, so none needs an escape; a
    // flat row's keys must have none.
    if (appendJsonString(before, key) == JsonChars::kEscaped) keysFlat_ = false;
    before += ':';
    members_.push_back({std::move(before), static_cast<uint32_t>(key.size()), column, type});
  }

  std::vector<Member> members_;
  std::string classValue_;  // the table's name as a JSON string
  JsonChars classChars_ = JsonChars::kAscii;
  bool keysFlat_ = true;
};

}  // namespace

Result<TableStore::Selection> TableStore::select(const TableSchema& table, const std::vector<std::string>& props,
                                                 const std::vector<std::string>& excludeProps,
                                                 const std::vector<std::string>& withheld) {
  const std::vector<ColumnInfo>& all = table.columns;
  auto known = [&](const std::string& name) {
    return name == kClassProperty ||
           std::any_of(all.begin(), all.end(), [&](const ColumnInfo& c) { return c.name == name; });
  };
  std::vector<std::string> unknown;
  for (const std::string& p : props) {
    if (p != "*" && !known(p)) unknown.push_back(p);
  }
  for (const std::string& p : excludeProps) {
    if (!known(p)) unknown.push_back(p);
  }
  if (!unknown.empty()) {
    std::string m = "Table " + shownName(table.name) + " has no properties ";
    for (size_t i = 0; i < unknown.size() && i < 20; ++i) m += (i > 0 ? ", " : "") + shownName(unknown[i]);
    return Status(ErrorCode::kInvalidProperties, std::move(m));
  }
  const bool everything = props.empty() || std::find(props.begin(), props.end(), "*") != props.end();
  Selection selection;
  for (const ColumnInfo& c : all) {
    bool wanted = everything || std::find(props.begin(), props.end(), c.name) != props.end();
    bool excluded = std::find(excludeProps.begin(), excludeProps.end(), c.name) != excludeProps.end() ||
                    std::find(withheld.begin(), withheld.end(), c.name) != withheld.end();
    if (wanted && !excluded) selection.columns.push_back(c);
  }
  return selection;
}

Result<json> TableStore::readById(const TableInfo& table, std::string_view objectId, const Selection& selection,
                                  const std::optional<std::string>& ownerNarrowing) {
  std::string sql = "SELECT " + columnList(selection.columns) + " FROM " + quoteIdentifier(table.name) +
                    " WHERE \"objectId\" = ?1";
  if (ownerNarrowing) sql += " AND \"ownerId\" = ?2";
  CachedStatement stmt = db_.prepare(sql);
  stmt->bind(1, objectId);
  if (ownerNarrowing) stmt->bind(2, *ownerNarrowing);
  if (!stmt->step()) return Status::error(ErrorCode::kEntityNotFound);
  return readRow(*stmt, selection.columns, table.name);
}

// A find outside a transaction is one statement, its own read transaction,
// built from the cached table: no BEGIN, no cookie read, no ROLLBACK (they
// were a tenth of a find). Its first step opens the transaction, in which the
// cache is then checked (TableSchemaStore::stillValid); when the catalog
// changed meanwhile, or the cached table fails the query (a column it does
// not know yet), the find starts again the careful way: in a read
// transaction, the catalog read first. No row reaches `row` before the check.
Status TableStore::eachFound(std::string_view table, const FindQuery& query, const RowSink& row) {
  if (query.pageSize > kMaxPageSize) return Status::error(ErrorCode::kPageSizeTooLarge);
  if (query.pageSize < 1) {
    return Status(ErrorCode::kInvalidArgument, "pageSize must be at least 1, not " + std::to_string(query.pageSize));
  }
  if (query.offset < 0) {
    return Status(ErrorCode::kInvalidArgument, "offset cannot be negative, not " + std::to_string(query.offset));
  }
  const TableSchemaStore::CachedTable* cached = db_.inTransaction() ? nullptr : schemas_.cached(table);
  if (cached != nullptr) {
    std::optional<Status> done = findIn(cached->info, cached->schema, query, /*checkCache=*/true, row);
    if (done && done->ok()) return *done;  // anything else is answered the careful way
  }
  ReadScope snapshot(db_);
  Result<TableInfo> info = tableForData(table);
  if (!info.ok()) return info.status();
  return *findIn(*info, info->schema(), query, /*checkCache=*/false, row);
}

std::optional<Status> TableStore::findIn(const TableInfo& info, const TableSchema& schema, const FindQuery& query,
                                         bool checkCache, const RowSink& row) {
  Result<Selection> selection = select(schema, query.props, query.excludeProps, query.withheld);
  if (!selection.ok()) return selection.status();
  Result<RowFilter> filter = compileRowFilter(query.where, schema, query.ownerNarrowing);
  if (!filter.ok()) return filter.status();
  Result<std::string> sorted = compileSortBy(query.sortBy, schema);
  if (!sorted.ok()) return sorted.status();
  std::string order = std::move(sorted).value();
  if (order.empty()) {  // no sortBy, or only blank items
    order = kDefaultOrder;
  } else {
    order += ", ";
    order += kTieBreaker;
  }

  // The where clause comes first in the text, so its parameters are numbered
  // 1..n however it writes them; ours follow as plain '?'.
  std::string sql = "SELECT " + columnList(selection->columns) + " FROM " + quoteIdentifier(info.name) +
                    " WHERE " + filter->sql() + " ORDER BY " + order + " LIMIT ? OFFSET ?";
  CachedStatement stmt = db_.prepare(sql);
  int index = filter->bind(*stmt);
  stmt->bind(++index, query.pageSize);
  stmt->bind(++index, query.offset);
  requireParameterCount(*stmt, index);
  bool more = stmt->step();
  if (checkCache && !schemas_.stillValid()) return std::nullopt;
  for (; more; more = stmt->step()) row(*stmt, *selection, info.name);
  return Status();
}

Result<json> TableStore::find(std::string_view table, const FindQuery& query) {
  json rows = json::array();
  Status s = eachFound(table, query, [&](const Statement& stmt, const Selection& selection, const std::string& name) {
    rows.push_back(readRow(stmt, selection.columns, name));
  });
  if (!s.ok()) return s;
  return rows;
}

Result<RowsText> TableStore::findText(std::string_view table, const FindQuery& query) {
  RowsText out;
  out.json = "[";
  if (query.flatCells) out.flat.emplace();
  std::optional<RowLayout> layout;
  Status s = eachFound(table, query, [&](const Statement& stmt, const Selection& selection, const std::string& name) {
    if (!layout) layout.emplace(selection.columns, name);
    if (out.count > 0) out.json += ',';
    const size_t before = out.json.size();
    if (!layout->append(out.json, stmt, out.flat ? &*out.flat : nullptr)) out.flat.reset();
    if (++out.count == 1) {
      // Rows are about the same size: room for the page at once.
      const auto rows = static_cast<size_t>(std::min<int64_t>(query.pageSize, 100));
      out.json.reserve(before + (out.json.size() - before + 1) * rows * 5 / 4);
      if (out.flat) out.flat->cells.reserve(out.flat->cells.size() * rows);
    }
  });
  if (!s.ok()) return s;
  out.json += ']';
  // A FlatRows holds at least one row with at least one key.
  if (out.count == 0 || out.json.size() > kMaxFlatRowsText || (out.flat && out.flat->names.empty())) {
    out.flat.reset();
  }
  return out;
}

Result<json> TableStore::findById(std::string_view table, std::string_view objectId, const FindByIdQuery& query) {
  ReadScope snapshot(db_);
  Result<TableInfo> info = tableForData(table);
  if (!info.ok()) return info.status();
  Result<Selection> selection = select(info->schema(), query.props, query.excludeProps, query.withheld);
  if (!selection.ok()) return selection.status();
  return readById(*info, objectId, *selection, query.ownerNarrowing);
}

Result<int64_t> TableStore::count(std::string_view table, std::string_view where,
                                  const std::optional<std::string>& ownerNarrowing) {
  ReadScope snapshot(db_);
  Result<TableInfo> info = tableForData(table);
  if (!info.ok()) return info.status();
  Result<RowFilter> filter = compileRowFilter(where, info->schema(), ownerNarrowing);
  if (!filter.ok()) return filter.status();
  CachedStatement stmt = db_.prepare("SELECT count(*) FROM " + quoteIdentifier(info->name) + " WHERE " + filter->sql());
  requireParameterCount(*stmt, filter->bind(*stmt));
  stmt->step();
  return stmt->columnInt64(0);
}

}  // namespace ck::storage
