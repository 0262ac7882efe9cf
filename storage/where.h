#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/schema.h"

namespace ck::storage {

// SQL text plus the values for its `?` placeholders, in order. The text holds
// only double-quoted column names found in the schema, `?`, operators,
// keywords and parentheses: never a value that came from the input.
struct SqlFragment {
  std::string sql;
  std::vector<SqlValue> params;
};

// Bounds on what compileWhere accepts. Each is checked before the work it
// bounds; going past one is an ordinary kInvalidWhere error. The defaults
// keep the SQL inside SQLite's own limits (999+ parameters are fine since
// 3.32; expression depth 1000: an AND/OR list of n terms nests n deep, so
// keep maxTerms + 2 * maxDepth well below 1000 when raising them).
struct WhereLimits {
  size_t maxLength = 8192;   // bytes of the clause; also bounds the parameters (fewer than maxLength / 2)
  size_t maxDepth = 32;      // nested parentheses plus nested NOTs; the parser recurses once per level
  size_t maxInItems = 1000;  // values in one IN (...) list
  size_t maxTerms = 256;     // conditions (comparisons, LIKE, IN, IS NULL) in the whole clause
};

// Compiles a Backendless where clause (its SQL-92 subset) into a SQLite
// boolean expression over `table`'s columns. Pure function; thread-safe.
//
// The language:
//   condition := column op value | value op column      op: = != <> < > <= >=
//              | column [NOT] LIKE 'pattern'             % and _ wildcards, \ escapes them
//              | column [NOT] IN (value, ...)            1..maxInItems values
//              | column IS [NOT] NULL
//              | column AFTER value | column BEFORE value            (date columns)
//              | column AT OR AFTER value | column AT OR BEFORE value
//   clause    := condition | NOT clause | clause AND clause | clause OR clause | (clause)
//   value     := 'string' ('' is a quote) | number (-12, 1.5, 2e3) | true | false | null
// Keywords are case-insensitive; column names are case-sensitive and must be
// in the schema. NOT binds tighter than AND, AND tighter than OR.
//
// Semantics:
//   - `column = null` means `column IS NULL`, `column != null` / `<> null`
//     mean `IS NOT NULL` (SQL's `= NULL` is never true, which nobody means);
//     null with another operator, in an IN list or after LIKE is an error.
//   - A comparison with a value on the left is turned around (`5 < age` is
//     `age > 5`). Comparing two columns, and relations (`address.city`,
//     `Table[column]`), are refused.
//   - Types: string columns take strings (comparisons, LIKE, IN); number
//     columns take numbers (comparisons, IN); boolean columns take true and
//     false with = and != only; date columns take epoch ms (whole numbers) or
//     quoted dates in parseDate's formats (comparisons, IN, AFTER/BEFORE
//     forms; strings are read as UTC unless they carry a zone); JSON columns
//     take only IS [NOT] NULL. Anything else is an error naming the column
//     and its type.
//   - As in SQL (and MySQL, which Backendless runs on), a comparison with a
//     NULL column is not true: `name != 'a'` and `NOT (name = 'a')` do not
//     match rows whose name is NULL.
//   - LIKE is case-insensitive for ASCII letters only (SQLite's LIKE; MySQL's
//     default collation also folds case, and non-ASCII letters too). `\`
//     escapes `%`, `_` and itself in a pattern (MySQL's default escape
//     character); a pattern ending in a lone `\` matches nothing.
//   - Comparisons of strings (=, <, ...) compare bytes, so they are
//     case-sensitive, unlike MySQL's default collation (a known difference).
//
// Output: the empty or blank clause compiles to "1" with no parameters.
// Otherwise every value is a parameter (booleans 0/1, dates epoch ms as
// int64, numbers int64 when they are integers that fit, else double), and
// AND/OR groups are parenthesised, so the fragment can be combined with other
// conditions by AND or OR without extra parentheses.
//
// Errors: ErrorCode::kInvalidWhere, message
//   "Invalid where clause at position 14: expected a value after '='"
// where the position counts characters (Unicode code points) from 1 and
// points at the offending token (one past the end for a missing one). Quoted
// excerpts of the input in messages are at most 32 characters.
Result<SqlFragment> compileWhere(std::string_view where, const TableSchema& table,
                                 const WhereLimits& limits = {});

// Compiles sortBy items as the Backendless SDKs send them, "name",
// "name desc", "created ASC" (direction case-insensitive, ASC by default),
// into an ORDER BY list such as `"name" DESC, "created" ASC` (no parameters).
// An item holding commas ("name desc,age") is split at them, as the REST
// parameter is; blank items are skipped, so an empty list gives "".
// Errors: kInvalidWhere for an unknown column, another word than ASC/DESC,
// or more than kMaxSortItems items.
Result<std::string> compileSortBy(const std::vector<std::string>& sortBy, const TableSchema& table);
inline constexpr size_t kMaxSortItems = 32;

// `validatedName` in double quotes (any `"` doubled). REQUIRES: the name was
// checked against the schema and matches [A-Za-z][A-Za-z0-9_]{0,63}.
std::string quoteIdentifier(std::string_view validatedName);

}  // namespace ck::storage
