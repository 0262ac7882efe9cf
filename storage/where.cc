#include "storage/where.h"

#include <utility>

#include "storage/where_lexer.h"
#include "storage/where_parser.h"

namespace ck::storage {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Up to kMaxExcerpt bytes of `s`, anything but printable ASCII as '?': the
// sortBy items were never checked to be UTF-8.
std::string asciiExcerpt(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == kMaxExcerpt) {
      out += "...";
      break;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    out += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '?';
  }
  return out;
}

Status sortByError(std::string what) { return Status(ErrorCode::kInvalidWhere, "Invalid sortBy: " + what); }

// "name", "name asc", "name DESC" -> `"name" ASC|DESC`, appended to `out`.
Status compileSortItem(std::string_view item, const TableSchema& table, std::string* out) {
  size_t space = 0;
  while (space < item.size() && !isSpace(item[space])) ++space;
  std::string_view name = item.substr(0, space);
  std::string_view direction = trim(item.substr(space));
  const ColumnInfo* column = table.find(name);
  if (column == nullptr || !isSqlSafeName(column->name)) {
    std::string what = "unknown column '" + asciiExcerpt(name) + "'";
    if (!name.empty() && name[0] == '-') what += " (write 'name DESC' to sort descending)";
    return sortByError(std::move(what));
  }
  const char* sql = nullptr;
  auto is = [&](std::string_view word) {
    if (direction.size() != word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      if ((direction[i] | 0x20) != word[i]) return false;
    }
    return true;
  };
  if (direction.empty() || is("asc")) {
    sql = " ASC";
  } else if (is("desc")) {
    sql = " DESC";
  } else {
    return sortByError("expected ASC or DESC after the column name in '" + asciiExcerpt(item) + "'");
  }
  if (!out->empty()) *out += ", ";
  *out += quoteIdentifier(column->name);
  *out += sql;
  return Status();
}

}  // namespace

Result<SqlFragment> compileWhere(std::string_view where, const TableSchema& table, const WhereLimits& limits) {
  if (where.size() > limits.maxLength) {
    return Status(ErrorCode::kInvalidWhere,
                  "Invalid where clause: longer than the limit of " + std::to_string(limits.maxLength) + " bytes");
  }
  Result<std::vector<WhereToken>> tokens = lexWhere(where);
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() == 1) return SqlFragment{"1", {}};  // only kEnd: blank
  return parseWhere(where, *tokens, table, limits);
}

Result<std::string> compileSortBy(const std::vector<std::string>& sortBy, const TableSchema& table) {
  std::string out;
  size_t count = 0;
  for (std::string_view item : sortBy) {
    while (true) {
      size_t comma = item.find(',');
      std::string_view part = trim(item.substr(0, comma));
      if (!part.empty()) {
        if (++count > kMaxSortItems) {
          return sortByError("more than the limit of " + std::to_string(kMaxSortItems) + " items");
        }
        if (Status s = compileSortItem(part, table, &out); !s.ok()) return s;
      }
      if (comma == std::string_view::npos) break;
      item.remove_prefix(comma + 1);
    }
  }
  return out;
}

std::string quoteIdentifier(std::string_view validatedName) {
  std::string out = "\"";
  for (char c : validatedName) {
    out += c;
    if (c == '"') out += '"';
  }
  out += '"';
  return out;
}

}  // namespace ck::storage
