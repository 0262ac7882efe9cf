#include "storage/table_values.h"

#include <sqlite3.h>

#include <cmath>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>

#include "base/json_text.h"
#include "storage/date_parse.h"
#include "storage/sqlite.h"
#include "storage/table_names.h"

namespace ck::storage {

namespace {

using nlohmann::json;

// Integral doubles up to 2^53 are exact; past that a double names a range of
// integers, so it is returned as a double.
constexpr double kMaxExactInteger = 9007199254740992.0;

Status typeMismatch(std::string_view table, std::string_view column, ValueType type, const json& value,
                    std::string_view detail = {}) {
  std::string m = "Invalid data type for property ";
  m += shownName(column);
  m += " of table ";
  m += shownName(table);
  m += ": the column is ";
  m += valueTypeName(type);
  m += ", the value is ";
  m += jsonKindName(value);
  if (!detail.empty()) {
    m += " (";
    m += detail;
    m += ")";
  }
  return Status(ErrorCode::kInvalidDataType, std::move(m));
}

Result<SqlValue> toDate(const json& value, std::string_view table, std::string_view column) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t{INT64_MAX}) {
      return typeMismatch(table, column, ValueType::kDate, value, "out of range");
    }
    return SqlValue(value.get<int64_t>());
  }
  if (value.is_number_float()) {
    double d = value.get<double>();
    // Whole milliseconds only; the bounds keep the conversion defined.
    if (!std::isfinite(d) || d != std::trunc(d) || std::fabs(d) > kMaxExactInteger) {
      return typeMismatch(table, column, ValueType::kDate, value, "a date is a whole number of milliseconds");
    }
    return SqlValue(static_cast<int64_t>(d));
  }
  if (value.is_string()) {
    Result<int64_t> ms = parseDate(value.get_ref<const std::string&>());
    if (!ms.ok()) return typeMismatch(table, column, ValueType::kDate, value, "not a date the server can read");
    return SqlValue(*ms);
  }
  return typeMismatch(table, column, ValueType::kDate, value);
}

}  // namespace

const char* storedTypeName(ValueType type) {
  switch (type) {
    case ValueType::kString: return "string";
    case ValueType::kNumber: return "number";
    case ValueType::kBoolean: return "boolean";
    case ValueType::kDate: return "date";
    case ValueType::kJson: return "json";
  }
  return "string";
}

std::optional<ValueType> parseStoredTypeName(std::string_view name) {
  for (ValueType t : {ValueType::kString, ValueType::kNumber, ValueType::kBoolean, ValueType::kDate,
                      ValueType::kJson}) {
    if (name == storedTypeName(t)) return t;
  }
  return std::nullopt;
}

const char* sqlColumnType(ValueType type) {
  switch (type) {
    case ValueType::kString: return "TEXT";
    case ValueType::kNumber: return "REAL";
    case ValueType::kBoolean: return "INTEGER";
    case ValueType::kDate: return "INTEGER";
    case ValueType::kJson: return "TEXT";
  }
  return "TEXT";
}

const char* jsonKindName(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "object";
    case json::value_t::array: return "array";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "number";
    default: return "binary";
  }
}

std::optional<ValueType> inferColumnType(const json& value) {
  if (value.is_string()) return ValueType::kString;
  if (value.is_number()) return ValueType::kNumber;
  if (value.is_boolean()) return ValueType::kBoolean;
  if (value.is_object() || value.is_array()) return ValueType::kJson;
  return std::nullopt;  // null (and binary, which parsed JSON never holds)
}

Result<SqlValue> toStoredValue(const json& value, ValueType type, std::string_view table, std::string_view column) {
  if (value.is_null()) return SqlValue(nullptr);
  switch (type) {
    case ValueType::kString:
      if (value.is_string()) return SqlValue(value.get<std::string>());
      break;
    case ValueType::kNumber:
      // One numeric type: integers and fractions alike are stored as REAL.
      if (value.is_number()) return SqlValue(value.get<double>());
      break;
    case ValueType::kBoolean:
      if (value.is_boolean()) return SqlValue(int64_t{value.get<bool>() ? 1 : 0});
      break;
    case ValueType::kDate:
      return toDate(value, table, column);
    case ValueType::kJson:
      if (value.is_object() || value.is_array()) {
        // Invalid UTF-8 in a string (possible in a value built in C++, not in
        // parsed input) is replaced rather than thrown about.
        return SqlValue(value.dump(-1, ' ', false, json::error_handler_t::replace));
      }
      break;
  }
  return typeMismatch(table, column, type, value);
}

void bindSqlValue(Statement& stmt, int index, const SqlValue& value) {
  std::visit([&](const auto& v) { stmt.bind(index, v); }, value);
}

void requireParameterCount(const Statement& stmt, int count) {
  int actual = sqlite3_bind_parameter_count(stmt.handle());
  if (actual != count) {
    throw std::logic_error("statement `" + stmt.head() + "` has " + std::to_string(actual) + " parameters, " +
                           std::to_string(count) + " were bound");
  }
}

json readStoredValue(const Statement& stmt, int index, ValueType type) {
  if (stmt.columnIsNull(index)) return nullptr;
  switch (type) {
    case ValueType::kString: return stmt.columnText(index);
    case ValueType::kNumber: {
      double d = stmt.columnDouble(index);
      if (d == std::trunc(d) && std::fabs(d) <= kMaxExactInteger) return static_cast<int64_t>(d);
      return d;
    }
    case ValueType::kBoolean: return stmt.columnInt64(index) != 0;
    case ValueType::kDate: return stmt.columnInt64(index);
    case ValueType::kJson: {
      json parsed = json::parse(stmt.columnText(index), nullptr, /*allow_exceptions=*/false);
      // The store writes only valid JSON; a value that is not (written by
      // another tool) comes back as the text it is.
      if (parsed.is_discarded()) return stmt.columnText(index);
      return parsed;
    }
  }
  return nullptr;
}

std::optional<FlatCell> appendStoredValue(std::string& out, const Statement& stmt, int index, ValueType type) {
  FlatCell cell;
  sqlite3_value* value = stmt.columnValue(index);
  if (sqlite3_value_type(value) == SQLITE_NULL) {
    out += "null";
    return cell;
  }
  switch (type) {
    case ValueType::kString: {
      // text first, then bytes: the documented order for a stable length.
      const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(value));
      const auto size = static_cast<size_t>(sqlite3_value_bytes(value));
      if (text == nullptr) throw std::bad_alloc();  // not NULL (checked above): out of memory
      const size_t start = out.size() + 1;  // past the opening quote
      cell.kind = FlatCell::Kind::kString;
      cell.chars = appendJsonString(out, std::string_view(text, size));
      cell.text = {static_cast<uint32_t>(start), static_cast<uint32_t>(out.size() - 1 - start)};
      return cell;
    }
    case ValueType::kNumber: {
      const double d = sqlite3_value_double(value);
      cell.kind = FlatCell::Kind::kNumber;
      if (d == std::trunc(d) && std::fabs(d) <= kMaxExactInteger) {
        const auto n = static_cast<int64_t>(d);
        appendJsonInt(out, n);
        cell.number = static_cast<double>(n);  // -0 is written, and read, as 0
      } else {
        appendJsonDouble(out, d);  // null when not finite
        cell.kind = std::isfinite(d) ? FlatCell::Kind::kNumber : FlatCell::Kind::kNull;
        cell.number = d;
      }
      return cell;
    }
    case ValueType::kBoolean: {
      const bool b = sqlite3_value_int64(value) != 0;
      out += b ? "true" : "false";
      cell.kind = b ? FlatCell::Kind::kTrue : FlatCell::Kind::kFalse;
      return cell;
    }
    case ValueType::kDate: {
      const int64_t ms = sqlite3_value_int64(value);
      appendJsonInt(out, ms);
      cell.kind = FlatCell::Kind::kNumber;
      cell.number = static_cast<double>(ms);  // rounded as reading the digits would
      return cell;
    }
    case ValueType::kJson: {
      // The store writes compact JSON (nlohmann's dump), so valid text goes
      // out as it is; a value that is not JSON (written by another tool)
      // comes back as the string it is, as readStoredValue does.
      std::string_view text = stmt.columnTextView(index);
      if (json::accept(text)) {
        out += text;
      } else {
        appendJsonString(out, text);
      }
      return std::nullopt;
    }
  }
  out += "null";
  return cell;
}

std::string RowFilter::sql() const {
  std::string out = "(" + where.sql + ")";
  if (owner) out += " AND \"ownerId\" = ?";
  return out;
}

int RowFilter::bind(Statement& stmt) const {
  int index = 0;
  for (const SqlValue& p : where.params) bindSqlValue(stmt, ++index, p);
  if (owner) stmt.bind(++index, *owner);
  return index;
}

Result<RowFilter> compileRowFilter(std::string_view where, const TableSchema& schema,
                                   const std::optional<std::string>& owner) {
  Result<SqlFragment> compiled = compileWhere(where, schema);
  if (!compiled.ok()) return compiled.status();
  return RowFilter{std::move(compiled).value(), owner};
}

}  // namespace ck::storage
