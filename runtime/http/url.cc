#include "runtime/http/url.h"

namespace ck::http {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool hasDotSegment(std::string_view path) {
  size_t pos = 0;
  while (pos < path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(pos, end - pos);
    if (seg == "." || seg == "..") return true;
    pos = end + 1;
  }
  return false;
}

}  // namespace

std::string percentEncode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

bool percentDecode(std::string_view in, bool plusIsSpace, std::string* out) {
  out->clear();
  if (in.find('%') == std::string_view::npos && (!plusIsSpace || in.find('+') == std::string_view::npos)) {
    if (in.find('\0') != std::string_view::npos) return false;
    out->assign(in);
    return true;
  }
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hexValue(in[i + 1]);
      int lo = hexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plusIsSpace) {
      c = ' ';
    }
    if (c == '\0') return false;
    out->push_back(c);
  }
  return true;
}

bool parseQuery(std::string_view raw, QueryList* out) {
  out->clear();
  size_t pos = 0;
  while (pos <= raw.size()) {
    size_t end = raw.find('&', pos);
    if (end == std::string_view::npos) end = raw.size();
    std::string_view piece = raw.substr(pos, end - pos);
    if (!piece.empty()) {
      size_t eq = piece.find('=');
      std::string key;
      std::string value;
      if (!percentDecode(piece.substr(0, eq), true, &key)) return false;
      if (eq != std::string_view::npos && !percentDecode(piece.substr(eq + 1), true, &value)) return false;
      out->emplace_back(std::move(key), std::move(value));
    }
    pos = end + 1;
  }
  return true;
}

bool splitTarget(std::string_view target, std::string* path, std::string* rawQuery) {
  rawQuery->clear();
  if (target == "*") {
    path->clear();  // (not assign("*"): GCC 12 -O3 warns falsely about overlap)
    path->push_back('*');
    return true;
  }
  if (target.empty()) return false;
  // `rest` starts at the path; an absolute-form target may have none ("/").
  std::string_view rest = target;
  bool impliedRoot = false;
  if (target[0] != '/') {
    // absolute-form: scheme "://" authority, then the path (maybe empty).
    size_t scheme = target.find("://");
    if (scheme == std::string_view::npos || scheme == 0) return false;
    size_t end = target.find_first_of("/?#", scheme + 3);
    rest = end == std::string_view::npos ? std::string_view() : target.substr(end);
    impliedRoot = rest.empty() || rest[0] != '/';
  }
  size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t q = rest.find('?');
  std::string_view rawPath = impliedRoot ? std::string_view("/") : rest.substr(0, q);
  if (q != std::string_view::npos) rawQuery->assign(rest.substr(q + 1));
  if (!percentDecode(rawPath, false, path)) return false;
  return !hasDotSegment(*path);
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace ck::http
