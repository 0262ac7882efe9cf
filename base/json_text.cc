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

JsonChars appendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  bool escaped = false;
  bool utf8 = false;
  size_t i = 0;
  while (i < s.size()) {
    // Runs of plain ASCII go in one append, found eight bytes at a time.
    size_t run = skipPlainJsonWords(s, i);
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
      utf8 = true;
      const Utf8Sequence seq = utf8Sequence(s, i);
      if (seq.length > 0) {
        out.append(s.data() + i, seq.length);
      } else {
        out += kReplacement;
      }
      i += seq.brokenPrefix;
      continue;
    }
    escaped = true;
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
  return escaped ? JsonChars::kEscaped : utf8 ? JsonChars::kUtf8 : JsonChars::kAscii;
}

void appendJsonInt(std::string& out, int64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

namespace {

// 10^0 .. 10^4, exact in a double.
constexpr double kPowersOf10[] = {1e0, 1e1, 1e2, 1e3, 1e4};
constexpr double kMaxShortSignificand = 1e15;

// `d`, not an integer, written as to_chars would write it when it is m / 10^k
// (correctly rounded) for an integer m below 10^15 and k of 1 to 4 (1 to 3
// below 1), in far fewer steps; false, with nothing written, otherwise.
//
// Why the text is the same: with the smallest such k, m has no trailing
// zero, and "m e-k" reads back as d. No other decimal of at most 15
// significant digits reads back as d (a double keeps 15 digits), so m's
// digits are the shortest that round-trip. Of the two notations to_chars
// chooses between, fixed is then no longer than scientific (it is shorter
// from 1 up; below 1, "0." and at most 3 digits against at least a digit
// and "e-0N"), and to_chars takes fixed on a tie.
bool appendShortDecimal(std::string& out, double d) {
  const double a = std::fabs(d);
  if (!(a >= 1e-3 && a < kMaxShortSignificand) || a == std::trunc(a)) return false;
  const int maxK = a >= 1 ? 4 : 3;
  for (int k = 1; k <= maxK; ++k) {
    const double m = std::round(a * kPowersOf10[k]);
    if (m >= kMaxShortSignificand) return false;
    if (m / kPowersOf10[k] != a) continue;
    char digits[24];
    char* end = std::to_chars(digits, digits + sizeof digits, static_cast<uint64_t>(m)).ptr;
    const auto count = static_cast<size_t>(end - digits);
    if (d < 0) out += '-';
    if (count <= static_cast<size_t>(k)) {  // below 1: "0." and zeros first
      out += "0.";
      out.append(static_cast<size_t>(k) - count, '0');
      out.append(digits, count);
    } else {
      out.append(digits, count - k);
      out += '.';
      out.append(end - k, static_cast<size_t>(k));
    }
    return true;
  }
  return false;
}

}  // namespace

void appendJsonDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  if (appendShortDecimal(out, d)) return;
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, end);
}

namespace {

// The code unit of the four hex digits at text[i..i+3]; over 0xFFFF when they are not.
uint32_t hex4(std::string_view text, size_t i) {
  if (i + 4 > text.size()) return 0x10000;
  uint32_t u = 0;
  for (size_t k = i; k < i + 4; ++k) {
    char c = text[k];
    uint32_t d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 16;
    if (d > 15) return 0x10000;
    u = u * 16 + d;
  }
  return u;
}

// The index of the closing quote of the string whose opening quote is at
// text[i]; text.size() when unterminated. With `surrogatesPaired`, clears it
// on a \u escape of a lone surrogate.
size_t stringEnd(std::string_view text, size_t i, bool* surrogatesPaired) {
  for (++i; i < text.size(); ++i) {
    if (text[i] == '"') return i;
    if (text[i] != '\\' || i + 1 >= text.size()) continue;
    ++i;
    if (text[i] != 'u' || surrogatesPaired == nullptr) continue;
    uint32_t u = hex4(text, i + 1);
    if (u >= 0xD800 && u <= 0xDBFF) {
      uint32_t low = i + 6 < text.size() && text[i + 5] == '\\' && text[i + 6] == 'u' ? hex4(text, i + 7) : 0;
      if (low < 0xDC00 || low > 0xDFFF) *surrogatesPaired = false;
      else i += 6;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      *surrogatesPaired = false;
    }
    i += 4;
  }
  return text.size();
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

bool jsonTextWithin(std::string_view text, size_t maxDepth) {
  size_t depth = 0;
  bool paired = true;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      i = stringEnd(text, i, &paired);
      if (!paired) return false;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

std::vector<std::pair<std::string_view, std::string_view>> jsonObjectMembers(std::string_view text,
                                                                             std::string_view lastKey) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  size_t i = 0;
  auto skipSpace = [&] {
    while (i < text.size() && isSpace(text[i])) ++i;
  };
  skipSpace();
  if (i >= text.size() || text[i] != '{') return out;
  ++i;
  while (true) {
    skipSpace();
    if (i >= text.size() || text[i] != '"') return out;  // '}' (or not JSON)
    size_t keyEnd = stringEnd(text, i, nullptr);
    if (keyEnd >= text.size()) return out;
    std::string_view key = text.substr(i + 1, keyEnd - i - 1);
    i = keyEnd + 1;
    skipSpace();
    if (i >= text.size() || text[i] != ':') return out;
    ++i;
    skipSpace();
    size_t start = i;
    if (!lastKey.empty() && key == lastKey) {
      size_t end = text.size();
      while (end > start && isSpace(text[end - 1])) --end;
      if (end > start && text[end - 1] == '}') --end;  // the object's own
      while (end > start && isSpace(text[end - 1])) --end;
      out.emplace_back(key, text.substr(start, end - start));
      return out;
    }
    size_t depth = 0;
    for (; i < text.size(); ++i) {
      char c = text[i];
      if (c == '"') {
        i = stringEnd(text, i, nullptr);
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if (c == ']' || c == '}') {
        if (depth == 0) break;
        --depth;
      } else if (c == ',' && depth == 0) {
        break;
      }
    }
    size_t end = i;
    while (end > start && isSpace(text[end - 1])) --end;
    out.emplace_back(key, text.substr(start, end - start));
    if (i >= text.size() || text[i] == '}') return out;
    ++i;  // the ','
  }
}

}  // namespace ck
