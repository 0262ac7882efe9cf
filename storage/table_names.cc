#include "storage/table_names.h"

namespace ck::storage {

namespace {

bool isAsciiLetter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool isAsciiDigit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr size_t kShownMax = 80;

}  // namespace

std::string nameProblem(std::string_view name) {
  if (name.empty()) return "a name cannot be empty";
  if (name.size() > kMaxNameLength) return "a name has at most 64 characters";
  if (!isAsciiLetter(name[0])) return "a name starts with a letter (A-Z, a-z)";
  for (char c : name) {
    if (!isAsciiLetter(c) && !isAsciiDigit(c) && c != '_') {
      return "a name holds only letters, digits and '_'";
    }
  }
  if (name.size() >= 7 && equalsIgnoringCase(name.substr(0, 7), "sqlite_")) {
    return "names starting with 'sqlite_' are reserved";
  }
  return "";
}

bool isSystemColumn(std::string_view name) {
  for (std::string_view s : kSystemColumns) {
    if (name == s) return true;
  }
  return false;
}

std::string_view systemColumnIgnoringCase(std::string_view name) {
  for (std::string_view s : kSystemColumns) {
    if (equalsIgnoringCase(name, s)) return s;
  }
  return {};
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string shownName(std::string_view name) {
  std::string out = "'";
  for (size_t i = 0; i < name.size() && i < kShownMax; ++i) {
    char c = name[i];
    // Printable ASCII only, so the message stays valid UTF-8 on one line.
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (name.size() > kShownMax) out += "...";
  out += "'";
  return out;
}

}  // namespace ck::storage
