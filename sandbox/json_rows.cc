#include "sandbox/json_rows.h"

#include <charconv>
#include <cstring>
#include <system_error>

namespace ck::sandbox {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// 10^0 .. 10^15, each exact in a double.
constexpr double kPowersOf10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

// Reads JSON tokens from the front of a text. Each reader skips the
// whitespace before its token; false means "not there" or "not of the
// shape FlatRows holds", never a partial read anyone relies on.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  size_t pos() const { return pos_; }

  bool eat(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {  // no whitespace: the usual case
      ++pos_;
      return true;
    }
    skipSpace();
    if (pos_ == text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  // Reads the string token `"name"` when it is next; false, having read
  // nothing, otherwise. REQUIRES: `name` has no quote or backslash, so the
  // token is exactly those bytes.
  bool key(std::string_view name) {
    skipSpace();
    const size_t end = pos_ + name.size() + 1;
    if (end >= text_.size() || text_[pos_] != '"' || text_[end] != '"' ||
        std::memcmp(text_.data() + pos_ + 1, name.data(), name.size()) != 0) {
      return false;
    }
    pos_ = end + 1;
    return true;
  }

  bool atEnd() {
    skipSpace();
    return pos_ == text_.size();
  }

  bool string(TextSpan* raw, JsonChars* chars) {
    if (!eat('"')) return false;
    const size_t start = pos_;
    bool escaped = false;
    bool ascii = true;
    for (;;) {
      pos_ = skipPlainJsonWords(text_, pos_);
      if (pos_ >= text_.size()) return false;
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') break;
      if (c == '\\') {
        escaped = true;
        pos_ += 2;  // the escaped character is never the closing quote
        continue;
      }
      if (c < 0x20) return false;  // JSON has no raw control characters in strings
      if (c >= 0x80) ascii = false;
      ++pos_;
    }
    *raw = {static_cast<uint32_t>(start), static_cast<uint32_t>(pos_ - start)};
    ++pos_;
    if (escaped) {
      scratch_.clear();
      if (!decodeJsonString(raw->in(text_), &scratch_)) return false;
      *chars = JsonChars::kEscaped;
    } else {
      *chars = ascii ? JsonChars::kAscii : JsonChars::kUtf8;
    }
    return true;
  }

  bool value(FlatCell* cell) {
    skipSpace();
    if (pos_ == text_.size()) return false;
    switch (text_[pos_]) {
      case 'n': return word("null", FlatCell::Kind::kNull, cell);
      case 'f': return word("false", FlatCell::Kind::kFalse, cell);
      case 't': return word("true", FlatCell::Kind::kTrue, cell);
      case '"':
        cell->kind = FlatCell::Kind::kString;
        return string(&cell->text, &cell->chars);
      default:
        cell->kind = FlatCell::Kind::kNumber;
        return number(&cell->number);
    }
  }

 private:
  void skipSpace() {
    while (pos_ < text_.size() && static_cast<unsigned char>(text_[pos_]) <= ' ' &&
           (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }

  bool word(std::string_view w, FlatCell::Kind kind, FlatCell* cell) {
    if (text_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    cell->kind = kind;
    return true;
  }

  // JSON's number grammar; the value as JSON.parse gives it (correctly
  // rounded), or false when it is out of a double's range.
  bool number(double* out) {
    const size_t start = pos_;
    const bool negative = pos_ < text_.size() && text_[pos_] == '-';
    if (negative) ++pos_;
    // Up to 19 digits fit in `digits`; only 15 or fewer are used from it.
    uint64_t digits = 0;
    size_t count = 0;
    auto take = [&] {
      const size_t from = pos_;
      while (pos_ < text_.size() && isDigit(text_[pos_])) {
        if (count < 19) digits = digits * 10 + static_cast<uint64_t>(text_[pos_] - '0');
        ++count;
        ++pos_;
      }
      return pos_ - from;
    };
    if (pos_ < text_.size() && text_[pos_] == '0') {
      ++pos_;
      ++count;
    } else if (take() == 0) {
      return false;
    }
    size_t fraction = 0;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      fraction = take();
      if (fraction == 0) return false;
    }
    bool exponent = false;
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      exponent = true;
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      const size_t from = pos_;
      while (pos_ < text_.size() && isDigit(text_[pos_])) ++pos_;
      if (pos_ == from) return false;
    }
    if (!exponent && count <= 15) {
      // Both operands are exact, so the one division rounds correctly.
      const double value = static_cast<double>(digits) / kPowersOf10[fraction];
      *out = negative ? -value : value;
      return true;
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    const std::from_chars_result r = std::from_chars(first, last, *out);
    return r.ec == std::errc() && r.ptr == last;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string scratch_;  // an escaped string, decoded to check it
};

void appendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The four hex digits at raw[at..at+4) as a number; false when they are not.
bool hex4(std::string_view raw, size_t at, uint32_t* out) {
  if (at + 4 > raw.size()) return false;
  uint32_t v = 0;
  for (size_t i = at; i < at + 4; ++i) {
    const char c = raw[i];
    uint32_t d;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return false;
    }
    v = v * 16 + d;
  }
  *out = v;
  return true;
}

}  // namespace

bool decodeJsonString(std::string_view raw, std::string* out) {
  size_t i = 0;
  while (i < raw.size()) {
    const char c = raw[i];
    if (c != '\\') {
      out->push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= raw.size()) return false;
    const char e = raw[i + 1];
    i += 2;
    switch (e) {
      case '"': case '\\': case '/': out->push_back(e); break;
      case 'b': out->push_back('\b'); break;
      case 'f': out->push_back('\f'); break;
      case 'n': out->push_back('\n'); break;
      case 'r': out->push_back('\r'); break;
      case 't': out->push_back('\t'); break;
      case 'u': {
        uint32_t cp;
        if (!hex4(raw, i, &cp)) return false;
        i += 4;
        if (cp >= 0xDC00 && cp < 0xE000) return false;  // a low half with no high half before it
        if (cp >= 0xD800 && cp < 0xDC00) {
          uint32_t low;
          if (i + 6 > raw.size() || raw[i] != '\\' || raw[i + 1] != 'u' || !hex4(raw, i + 2, &low) ||
              low < 0xDC00 || low >= 0xE000) {
            return false;
          }
          i += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        appendUtf8(out, cp);
        break;
      }
      default: return false;
    }
  }
  return true;
}

std::optional<FlatRows> readFlatRows(std::string_view text) {
  if (text.size() > kMaxFlatRowsText) return std::nullopt;
  Reader r(text);
  if (!r.eat('[')) return std::nullopt;
  FlatRows rows;
  size_t row = 0;
  do {
    if (!r.eat('{')) return std::nullopt;
    size_t column = 0;
    if (!r.eat('}')) {
      do {
        if (row == 0) {
          TextSpan key;
          JsonChars chars;
          if (!r.string(&key, &chars) || chars == JsonChars::kEscaped) return std::nullopt;
          rows.names.push_back(key);
        } else if (column >= rows.names.size() || !r.key(rows.names[column].in(text))) {
          return std::nullopt;
        }
        if (!r.eat(':')) return std::nullopt;
        FlatCell cell;
        if (!r.value(&cell)) return std::nullopt;
        rows.cells.push_back(cell);
        ++column;
      } while (r.eat(','));
      if (!r.eat('}')) return std::nullopt;
    }
    // Rows without keys are left to JSON.parse: their count would be lost.
    if (column != rows.names.size() || column == 0) return std::nullopt;
    if (row == 0) rows.cells.reserve(column * (text.size() / r.pos() + 1));  // rows are about the same size
    ++row;
  } while (r.eat(','));
  if (!r.eat(']') || !r.atEnd()) return std::nullopt;
  return rows;
}

}  // namespace ck::sandbox
