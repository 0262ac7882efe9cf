#include "base/json_text.h"

#include <charconv>
#include <cmath>

namespace ck {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The UTF-8 sequence starting at s[i]: its length when well-formed (RFC
// 3629: no overlong forms, no surrogates, nothing past U+10FFFF), else 0 and
// how many bytes the broken prefix spans (at least 1). A broken prefix is
// replaced by one U+FFFD and the byte that broke it is looked at again, as
// nlohmann's dump does.
struct Utf8Sequence {
  size_t length = 0;
  size_t brokenPrefix = 1;
};

Utf8Sequence utf8Sequence(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  // Allowed range of the second byte; later ones are 0x80..0xBF.
  unsigned char lo = 0x80, hi = 0xBF;
  size_t n = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) n = 2;
  else if (b0 == 0xE0) n = 3, lo = 0xA0;
  else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) n = 3;
  else if (b0 == 0xED) n = 3, hi = 0x9F;
  else if (b0 == 0xF0) n = 4, lo = 0x90;
  else if (b0 >= 0xF1 && b0 <= 0xF3) n = 4;
  else if (b0 == 0xF4) n = 4, hi = 0x8F;
  else return {};
  for (size_t k = 1; k < n; ++k) {
    if (i + k >= s.size()) return {0, k};
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < lo || b > hi) return {0, k};
    lo = 0x80, hi = 0xBF;
  }
  return {n, n};
}

}  // namespace

void appendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    // Runs of plain ASCII go in one append.
    size_t run = i;
    while (run < s.size()) {
      const auto c = static_cast<unsigned char>(s[run]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++run;
    }
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const Utf8Sequence seq = utf8Sequence(s, i);
      if (seq.length > 0) {
        out.append(s.data() + i, seq.length);
      } else {
        out += kReplacement;
      }
      i += seq.brokenPrefix;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
    ++i;
  }
  out += '"';
}

void appendJsonInt(std::string& out, int64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

void appendJsonDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, end);
}

}  // namespace ck
