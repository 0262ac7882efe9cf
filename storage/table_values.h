#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/flat_rows.h"
#include "base/status.h"
#include "storage/schema.h"
#include "storage/where.h"

namespace ck::storage {

class Statement;

// How property values travel between JSON and a user table's columns.
//
//   type     stored as (SQLite)         JSON accepted                       JSON returned
//   string   TEXT                       a string                            a string
//   number   REAL                       any number                          a number (integral values as integers)
//   boolean  INTEGER 0/1                true/false only                     true/false
//   date     INTEGER epoch ms           a whole number of ms, or a date     a number (epoch ms)
//                                       string the date parser accepts
//   json     TEXT (compact JSON)        an object or an array               the object or array
//
// null is accepted by every type and stored as NULL.

// The name a column type has in the catalog: "string", "number", "boolean",
// "date", "json". (Messages use schema.h's valueTypeName.)
const char* storedTypeName(ValueType type);
std::optional<ValueType> parseStoredTypeName(std::string_view name);
// The SQLite column type for a STRICT table: TEXT, REAL or INTEGER.
const char* sqlColumnType(ValueType type);

// The JSON kind of `value` for messages: "string", "number", "boolean",
// "object", "array" or "null".
const char* jsonKindName(const nlohmann::json& value);

// The column type a new column gets from its first value (dynamic schema):
// string, number, boolean, or json for objects and arrays. Never date (only a
// declared column is a date: clients send dates as numbers). nullopt for null
// (a null for an unknown property adds no column).
std::optional<ValueType> inferColumnType(const nlohmann::json& value);

// `value` as it is stored in a column of `type`, or kInvalidDataType naming
// `table`.`column`, the column's type and the value's kind.
Result<SqlValue> toStoredValue(const nlohmann::json& value, ValueType type, std::string_view table,
                               std::string_view column);

// Binds `value` to parameter `index` (from 1) of `stmt`.
void bindSqlValue(Statement& stmt, int index, const SqlValue& value);

// Throws std::logic_error unless `stmt` has exactly `count` parameters: every
// parameter of a statement built around a compiled where clause is bound, and
// none is left NULL by a miscount.
void requireParameterCount(const Statement& stmt, int count);

// Column `index` of the current row of `stmt`, read as a column of `type`.
nlohmann::json readStoredValue(const Statement& stmt, int index, ValueType type);
// The same value appended to `out` as JSON text (what dumping
// readStoredValue's result gives, but for the order of keys inside a json
// column written by another tool). Answers the value as a cell of a page of
// flat rows (base/flat_rows.h) whose text is `out`, or nullopt for a json
// column's value, which a flat row cannot hold.
std::optional<FlatCell> appendStoredValue(std::string& out, const Statement& stmt, int index, ValueType type);

// The rows a find, count or bulk write acts on: the compiled where clause
// and, when the access layer narrowed the request to the caller's rows, the
// owner. Its SQL goes first in a statement's text, so its parameters are the
// statement's first ones, however the where clause numbers them.
struct RowFilter {
  SqlFragment where;
  std::optional<std::string> owner;

  // "(<where>)", with " AND \"ownerId\" = ?" when narrowed.
  std::string sql() const;
  // Binds the filter's parameters from index 1; returns the last index bound.
  int bind(Statement& stmt) const;
};

// kInvalidWhere for a clause the compiler refuses.
Result<RowFilter> compileRowFilter(std::string_view where, const TableSchema& schema,
                                   const std::optional<std::string>& owner);

}  // namespace ck::storage
