#include "storage/where_lexer.h"

#include <cstdint>
#include <cstdio>

namespace ck::storage {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isWordStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool isWordChar(char c) { return isWordStart(c) || isDigit(c); }
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool isContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// The byte offset of the first invalid UTF-8 sequence (overlong forms,
// surrogates and code points past U+10FFFF are invalid), or npos.
size_t invalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    uint32_t min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return i;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size() || !isContinuation(static_cast<unsigned char>(s[i + k]))) return i;
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n + 1;
  }
  return std::string_view::npos;
}

// The code point starting at byte i of valid UTF-8 `s`.
uint32_t codePointAt(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return c;
  size_t n = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : 3;
  uint32_t cp = c & (n == 1 ? 0x1F : n == 2 ? 0x0F : 0x07);
  for (size_t k = 1; k <= n && i + k < s.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  return cp;
}

// "';'" for printable ASCII, "U+00A0" for anything else.
std::string describeChar(std::string_view s, size_t i) {
  uint32_t cp = codePointAt(s, i);
  if (cp > 0x20 && cp < 0x7F) return std::string("'") + static_cast<char>(cp) + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Result<std::vector<WhereToken>> run() {
    if (size_t bad = invalidUtf8(s_); bad != std::string_view::npos) {
      return whereError(s_, bad, "invalid UTF-8");
    }
    // Refused even inside strings: no stored value needs one, and SQLite's
    // text functions stop at it.
    if (size_t nul = s_.find('\0'); nul != std::string_view::npos) {
      return whereError(s_, nul, "unexpected character U+0000");
    }
    std::vector<WhereToken> tokens;
    while (true) {
      while (i_ < s_.size() && isSpace(s_[i_])) ++i_;
      if (i_ == s_.size()) break;
      size_t start = i_;
      char c = s_[i_];
      if (isWordStart(c)) {
        while (i_ < s_.size() && isWordChar(s_[i_])) ++i_;
        tokens.push_back({WhereTokenKind::kWord, start, std::string(s_.substr(start, i_ - start))});
      } else if (c == '\'') {
        std::string value;
        if (!string(&value)) return whereError(s_, start, "unterminated string");
        tokens.push_back({WhereTokenKind::kString, start, std::move(value)});
      } else if (isDigit(c) || (c == '.' && i_ + 1 < s_.size() && isDigit(s_[i_ + 1]))) {
        if (!number()) {
          return whereError(s_, start, "invalid number '" + whereExcerpt(badNumber(start)) + "'");
        }
        tokens.push_back({WhereTokenKind::kNumber, start, std::string(s_.substr(start, i_ - start))});
      } else if (c == '-' && next() == '-') {
        return whereError(s_, start, "comments are not allowed");
      } else if (c == '/' && next() == '*') {
        return whereError(s_, start, "comments are not allowed");
      } else if (c == '"') {
        return whereError(s_, start, "unexpected character '\"' (strings take single quotes)");
      } else if (WhereTokenKind kind; punctuation(&kind)) {
        tokens.push_back({kind, start, std::string(s_.substr(start, i_ - start))});
      } else {
        return whereError(s_, start, "unexpected character " + describeChar(s_, start));
      }
    }
    tokens.push_back({WhereTokenKind::kEnd, s_.size(), ""});
    return tokens;
  }

 private:
  char next() const { return i_ + 1 < s_.size() ? s_[i_ + 1] : '\0'; }

  // At a quote: reads up to the closing quote; '' is one quote.
  bool string(std::string* value) {
    ++i_;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c != '\'') {
        *value += c;
      } else if (i_ < s_.size() && s_[i_] == '\'') {
        *value += '\'';
        ++i_;
      } else {
        return true;
      }
    }
    return false;
  }

  bool digits() {
    size_t start = i_;
    while (i_ < s_.size() && isDigit(s_[i_])) ++i_;
    return i_ > start;
  }

  // digits[.digits*][e[+-]digits] or .digits[e[+-]digits], not followed by
  // a word character or a dot.
  bool number() {
    bool intPart = digits();
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digits() && !intPart) return false;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return false;
    }
    return !(i_ < s_.size() && (isWordChar(s_[i_]) || s_[i_] == '.'));
  }

  // The malformed number at `start`, up to the next separator, for messages.
  std::string_view badNumber(size_t start) const {
    size_t j = start;
    while (j < s_.size() && (isWordChar(s_[j]) || s_[j] == '.' || s_[j] == '+' || s_[j] == '-')) ++j;
    return s_.substr(start, j - start);
  }

  bool punctuation(WhereTokenKind* kind) {
    char c = s_[i_];
    char n = next();
    size_t width = 1;
    switch (c) {
      case '(': *kind = WhereTokenKind::kLParen; break;
      case ')': *kind = WhereTokenKind::kRParen; break;
      case ',': *kind = WhereTokenKind::kComma; break;
      case '-': *kind = WhereTokenKind::kMinus; break;
      case '.': *kind = WhereTokenKind::kDot; break;
      case '[': *kind = WhereTokenKind::kLBracket; break;
      case ']': *kind = WhereTokenKind::kRBracket; break;
      case '=': *kind = WhereTokenKind::kEq; break;
      case '!':
        if (n != '=') return false;
        *kind = WhereTokenKind::kNe, width = 2;
        break;
      case '<':
        if (n == '=') {
          *kind = WhereTokenKind::kLe, width = 2;
        } else if (n == '>') {
          *kind = WhereTokenKind::kNe, width = 2;
        } else {
          *kind = WhereTokenKind::kLt;
        }
        break;
      case '>':
        if (n == '=') {
          *kind = WhereTokenKind::kGe, width = 2;
        } else {
          *kind = WhereTokenKind::kGt;
        }
        break;
      default: return false;
    }
    i_ += width;
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

Result<std::vector<WhereToken>> lexWhere(std::string_view where) { return Lexer(where).run(); }

bool isSqlSafeName(std::string_view name) {
  constexpr size_t kMaxNameLength = 64;
  if (name.empty() || name.size() > kMaxNameLength || !isWordStart(name[0]) || name[0] == '_') return false;
  for (char c : name) {
    if (!isWordChar(c)) return false;
  }
  return true;
}

size_t wherePosition(std::string_view where, size_t offset) {
  size_t position = 1;
  for (size_t i = 0; i < offset && i < where.size(); ++i) {
    if (!isContinuation(static_cast<unsigned char>(where[i]))) ++position;
  }
  return position;
}

Status whereError(std::string_view where, size_t offset, std::string_view what) {
  std::string message = "Invalid where clause at position ";
  message += std::to_string(wherePosition(where, offset));
  message += ": ";
  message += what;
  return Status(ErrorCode::kInvalidWhere, std::move(message));
}

std::string whereExcerpt(std::string_view text) {
  std::string out;
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (!isContinuation(c)) {
      if (count == kMaxExcerpt) {
        out += "...";
        break;
      }
      ++count;
    }
    out += (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
  }
  return out;
}

std::string describeToken(const WhereToken& token) {
  switch (token.kind) {
    case WhereTokenKind::kEnd: return "the end of the clause";
    case WhereTokenKind::kString: return "a string";
    default: return "'" + whereExcerpt(token.text) + "'";
  }
}

}  // namespace ck::storage
