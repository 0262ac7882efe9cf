#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ck::storage {

// The value types a column can hold, and how each is stored in SQLite:
//   kString  TEXT
//   kNumber  REAL or INTEGER (one numeric type: 1 and 1.5 live in one column)
//   kBoolean INTEGER 0 or 1
//   kDate    INTEGER, milliseconds since the Unix epoch (UTC)
//   kJson    TEXT holding a JSON object or array
enum class ValueType { kString, kNumber, kBoolean, kDate, kJson };

// "string", "number", "boolean", "date", "JSON": the words error messages use.
const char* valueTypeName(ValueType type);

struct ColumnInfo {
  std::string name;
  ValueType type;
};

// A table as the where-clause compiler sees it: its user columns plus the
// system columns (objectId kString, ownerId kString, created kDate, updated
// kDate). A plain value; the table store builds one per query.
struct TableSchema {
  std::string name;
  std::vector<ColumnInfo> columns;

  // The column named exactly `name` (lookups are case-sensitive), or null.
  const ColumnInfo* find(std::string_view name) const;

  // `userColumns` followed by the four system columns (any user column with
  // a system column's name is replaced by the system one).
  static TableSchema withSystemColumns(std::string name, std::vector<ColumnInfo> userColumns);
};

// A value as SQLite stores and binds it: NULL, an integer, a real or text.
// How each ValueType maps onto it is described above ValueType.
using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string>;

}  // namespace ck::storage
