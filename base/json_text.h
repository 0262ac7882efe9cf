#pragma once

// Writing JSON text directly, for answers built from stored values without a
// DOM in between (the data API's pages of rows). The output is what
// nlohmann::json's dump(-1, ' ', false, error_handler_t::replace) gives for
// the same value: UTF-8 kept as it is, control characters as \uXXXX (\b \f
// \n \r \t by name), and every byte that is not part of well-formed UTF-8
// replaced by U+FFFD.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ck {

// How a JSON string's characters are written between its quotes.
enum class JsonChars : uint8_t {
  kAscii,    // bytes below 0x80, no escape: the characters themselves
  kUtf8,     // UTF-8 as it is, no escape
  kEscaped,  // has escapes
};

// Appends `s` as a JSON string, quotes included; answers how its characters
// were written.
JsonChars appendJsonString(std::string& out, std::string_view s);

// Where in `w` (eight bytes of text, the first in the low byte) a run of
// plain JSON string characters ends: at the first quote, backslash, control
// character or byte of 0x80 and over. Zero when there is none; else the
// lowest set bit is that byte's high bit, at countr_zero(answer) / 8 (bytes
// after it may be marked too, by borrows).
inline uint64_t jsonSpecialBytes(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  const uint64_t quote = w ^ (kOnes * '"');
  const uint64_t backslash = w ^ (kOnes * '\\');
  return (((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) | ((w - kOnes * 0x20) & ~w) | w) & kHigh;
}

// From s[i], past whole words of plain JSON string characters: the index of
// the first byte jsonSpecialBytes marks, or of the first byte of the last
// partial word (fewer than 8 bytes left), for the caller to read on from.
inline size_t skipPlainJsonWords(std::string_view s, size_t i) {
  static_assert(std::endian::native == std::endian::little, "jsonSpecialBytes reads the first byte from the low end");
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (const uint64_t special = jsonSpecialBytes(w); special != 0) {
      return i + static_cast<size_t>(std::countr_zero(special)) / 8;
    }
  }
  return i;
}

// Appends an integer.
void appendJsonInt(std::string& out, int64_t n);

// Appends a finite double in its shortest round-trip form (`1.5`, `1e+300`);
// NaN and infinities, which JSON cannot hold, as null.
void appendJsonDouble(std::string& out, double d);

// Reading JSON text a trusted serialiser wrote (V8's JSON.stringify), without
// building a value. REQUIRES for both: `text` is valid JSON.

// True when `text` nests at most `maxDepth` arrays/objects deep and every
// \u escape of a surrogate is half of a pair: what nlohmann::json would
// accept and jsonWithinDepth-style checks allow. Linear, no allocation.
bool jsonTextWithin(std::string_view text, size_t maxDepth);

// The members of the JSON object `text`, in order: each key as written
// between its quotes (escapes not decoded), and its value's text. Empty when
// `text` is not an object.
//
// With `lastKey`: REQUIRES that a member of that key, if there is one, is
// the object's last. Its value is then the rest of the object, taken without
// reading through it (the sandbox writes a dispatch envelope's `value` so).
std::vector<std::pair<std::string_view, std::string_view>> jsonObjectMembers(std::string_view text,
                                                                             std::string_view lastKey = {});

}  // namespace ck
