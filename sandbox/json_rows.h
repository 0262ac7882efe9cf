#pragma once

// Internal to sandbox/: a find's JSON text read as the flat values JS builds
// its rows from (Host.callRows, host_api.h), so that V8's JSON parser, which
// is slow on keys and numbers, never reads a page of rows. Pure C++, no V8.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ck::sandbox {

// One value of a row, as JSON.parse would make it.
struct RowCell {
  enum class Kind : uint8_t { kNull, kFalse, kTrue, kNumber, kString };
  Kind kind = Kind::kNull;
  // kString: how the characters between the quotes are written.
  enum class Chars : uint8_t {
    kAscii,    // bytes below 0x80, no escape: the characters themselves
    kUtf8,     // UTF-8 as it is, no escape
    kEscaped,  // has escapes: decodeJsonString() gives the characters
  };
  Chars chars = Chars::kAscii;
  double number = 0;      // kNumber
  std::string_view text;  // kString: between the quotes, as written
};

// A JSON array of one or more objects that all have the same keys in the
// same order, with every value null, a boolean, a number or a string: the
// shape of a find's page.
struct FlatRows {
  std::vector<std::string_view> names;  // the first row's keys, as written (no escapes)
  std::vector<RowCell> cells;           // row after row, names.size() to a row
};

// `text` read as FlatRows; nullopt when it is not JSON of that shape (an
// empty array included), when a key has an escape, or when a value would not
// come out of JSON.parse as its cell gives it: a number outside a double's
// range, a string with an escaped lone surrogate. Whitespace is allowed where
// JSON allows it. Any text is read safely; views point into `text`.
std::optional<FlatRows> readFlatRows(std::string_view text);

// The UTF-8 of a JSON string's characters (`raw`: between the quotes, as
// written) with every escape decoded, appended to *out. False, with *out
// unspecified, on a malformed escape or a surrogate that is not half of a
// pair (which UTF-8 cannot hold).
bool decodeJsonString(std::string_view raw, std::string* out);

}  // namespace ck::sandbox
