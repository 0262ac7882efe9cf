#pragma once

// Internal to sandbox/: a find's JSON text read as the flat values JS builds
// its rows from (Host.callRows, host_api.h), so that V8's JSON parser, which
// is slow on keys and numbers, never reads a page of rows. Pure C++, no V8.

#include <optional>
#include <string>
#include <string_view>

#include "base/flat_rows.h"

namespace ck::sandbox {

// `text` read as FlatRows (base/flat_rows.h); nullopt when it is not JSON of
// that shape (an empty array included), when a key has an escape, when a
// value would not come out of JSON.parse as its cell gives it (a number
// outside a double's range, a string with an escaped lone surrogate), or
// when the text is longer than kMaxFlatRowsText. Whitespace is allowed where
// JSON allows it. Any text is read safely.
std::optional<FlatRows> readFlatRows(std::string_view text);

// The UTF-8 of a JSON string's characters (`raw`: between the quotes, as
// written) with every escape decoded, appended to *out. False, with *out
// unspecified, on a malformed escape or a surrogate that is not half of a
// pair (which UTF-8 cannot hold).
bool decodeJsonString(std::string_view raw, std::string* out);

}  // namespace ck::sandbox
