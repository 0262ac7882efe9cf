#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

// The where-clause compiler's lexer and error helpers; see where.h for the
// language. Internal to storage/ (where.cc and where_parser.cc use it).

namespace ck::storage {

enum class WhereTokenKind {
  kEnd,      // one past the last token; its offset is the clause's size
  kWord,     // [A-Za-z_][A-Za-z0-9_]*: a column name or a keyword
  kString,   // '...'; text is the value, '' read as '
  kNumber,   // digits[.digits][e[+-]digits] or .digits[...]; no sign; text is the source
  kLParen,   // (
  kRParen,   // )
  kComma,    // ,
  kMinus,    // -
  kEq,       // =
  kNe,       // != or <>
  kLt,       // <
  kGt,       // >
  kLe,       // <=
  kGe,       // >=
  kDot,      // . (only relations use it)
  kLBracket,  // [ (only relations use it)
  kRBracket   // ]
};

struct WhereToken {
  WhereTokenKind kind;
  size_t offset;     // byte offset of its first character in the clause
  std::string text;  // see WhereTokenKind; for punctuation, its source text
};

// Splits `where` into tokens, the last one kEnd. Fails (kInvalidWhere) on
// invalid UTF-8, a NUL or any character outside the language (';', '"',
// '`', '#', ...), comments ("--", "/*"), an unterminated string and a
// malformed number ("1e", "12abc", "1.2.3").
Result<std::vector<WhereToken>> lexWhere(std::string_view where);

// The kInvalidWhere status "Invalid where clause at position P: <what>", P
// being the 1-based code point position of byte `offset` of `where` (which
// must be valid UTF-8 up to there).
Status whereError(std::string_view where, size_t offset, std::string_view what);

// True when `name` matches [A-Za-z][A-Za-z0-9_]{0,63}, the only names the
// compiler lets into SQL text (and only after finding them in the schema).
bool isSqlSafeName(std::string_view name);

// The 1-based code point position of byte `offset` of `where`.
size_t wherePosition(std::string_view where, size_t offset);

// `text` (valid UTF-8) cut to at most kMaxExcerpt code points ("..."
// appended when cut), control characters replaced by '?': safe to quote in
// a message to a client.
std::string whereExcerpt(std::string_view text);
inline constexpr size_t kMaxExcerpt = 32;

// How a token is named in "found ..." parts of messages: "the end of the
// clause", "a string", "'age'", "')'".
std::string describeToken(const WhereToken& token);

}  // namespace ck::storage
