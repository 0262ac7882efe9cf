#pragma once

// A page of flat rows and where its parts are in its JSON text. The page is
// an array of one or more objects with the same keys in the same order,
// every value null, a boolean, a number or a string: the shape of a find's
// answer. Knowing where each key and value is lets JS get its rows built
// from the text without parsing it (sandbox/host_api.h). The store records a
// FlatRows as it writes a page (storage/table_store.h); the sandbox reads
// one from any other text of that shape (sandbox/json_rows.h).

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/json_text.h"

namespace ck {

// Where some characters are in a text of at most kMaxFlatRowsText bytes.
struct TextSpan {
  uint32_t offset = 0;
  uint32_t length = 0;

  std::string_view in(std::string_view text) const { return text.substr(offset, length); }
};

constexpr size_t kMaxFlatRowsText = UINT32_MAX;

// One value of a row, as JSON.parse would make it.
struct FlatCell {
  enum class Kind : uint8_t { kNull, kFalse, kTrue, kNumber, kString };
  Kind kind = Kind::kNull;
  JsonChars chars = JsonChars::kAscii;  // kString: how the characters are written
  double number = 0;                    // kNumber
  TextSpan text;                        // kString: between the quotes, as written
};

struct FlatRows {
  std::vector<TextSpan> names;  // the first row's keys, between their quotes (none has an escape)
  std::vector<FlatCell> cells;  // row after row, names.size() to a row
};

}  // namespace ck
