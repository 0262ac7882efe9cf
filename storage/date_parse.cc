#include "storage/date_parse.h"

#include <array>
#include <charconv>
#include <string_view>

namespace ck::storage {

namespace {

constexpr int kMaxOffsetMinutes = 18 * 60;

constexpr std::array<std::string_view, 12> kMonths = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};
constexpr std::array<std::string_view, 7> kDays = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isLetter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// The fields a format fills in; validated once, after the whole text matched.
struct Fields {
  int64_t year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int millis = 0;
  int offsetMinutes = 0;  // local time minus UTC
};

// A cursor over the text. Every method either consumes what it matched and
// returns true, or consumes nothing and returns false.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}

  bool atEnd() const { return i_ == s_.size(); }
  size_t mark() const { return i_; }
  void reset(size_t mark) { i_ = mark; }

  bool ch(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  // One of `chars`, stored in *out.
  bool oneOf(std::string_view chars, char* out) {
    if (i_ < s_.size() && chars.find(s_[i_]) != std::string_view::npos) {
      *out = s_[i_++];
      return true;
    }
    return false;
  }
  // Between minCount and maxCount digits (greedy), as a number. A digit
  // after maxCount is left for what follows ("+0200": hours, then minutes).
  bool digits(int minCount, int maxCount, int* out) {
    size_t j = i_;
    int value = 0;
    while (j < s_.size() && j - i_ < static_cast<size_t>(maxCount) && isDigit(s_[j])) {
      value = value * 10 + (s_[j] - '0');
      ++j;
    }
    if (j - i_ < static_cast<size_t>(minCount)) return false;
    i_ = j;
    *out = value;
    return true;
  }
  // One or more spaces.
  bool spaces() {
    size_t j = i_;
    while (j < s_.size() && s_[j] == ' ') ++j;
    if (j == i_) return false;
    i_ = j;
    return true;
  }
  // A run of letters equal (ignoring case) to `word`.
  bool word(std::string_view w) {
    std::string_view run = letters();
    if (run.size() != w.size()) return false;
    for (size_t k = 0; k < w.size(); ++k) {
      if (lower(run[k]) != w[k]) return false;
    }
    i_ += run.size();
    return true;
  }
  // An English month name, full or its first three letters; *month is 1-12.
  bool monthName(int* month) {
    for (size_t m = 0; m < kMonths.size(); ++m) {
      if (word(kMonths[m]) || word(kMonths[m].substr(0, 3))) {
        *month = static_cast<int>(m) + 1;
        return true;
      }
    }
    return false;
  }
  bool dayName() {
    for (std::string_view d : kDays) {
      if (word(d) || word(d.substr(0, 3))) return true;
    }
    return false;
  }
  // Digits after a decimal point, read as a fraction of a second in ms.
  bool fractionMillis(int* millis) {
    size_t j = i_;
    int value = 0;
    while (j < s_.size() && j - i_ < 9 && isDigit(s_[j])) {
      if (j - i_ < 3) value = value * 10 + (s_[j] - '0');
      ++j;
    }
    size_t n = j - i_;
    if (n == 0 || (j < s_.size() && isDigit(s_[j]))) return false;
    for (size_t k = n; k < 3; ++k) value *= 10;
    i_ = j;
    *millis = value;
    return true;
  }

 private:
  std::string_view letters() const {
    size_t j = i_;
    while (j < s_.size() && isLetter(s_[j])) ++j;
    return s_.substr(i_, j - i_);
  }

  std::string_view s_;
  size_t i_ = 0;
};

bool year4(Scanner& sc, Fields* f) {
  int y = 0;
  if (!sc.digits(4, 4, &y)) return false;
  f->year = y;
  return true;
}

// H[H]:mm[:ss[.S...]]
bool clockTime(Scanner& sc, Fields* f, bool secondsRequired) {
  size_t m = sc.mark();
  if (!sc.digits(1, 2, &f->hour) || !sc.ch(':') || !sc.digits(2, 2, &f->minute)) {
    sc.reset(m);
    return false;
  }
  size_t beforeSeconds = sc.mark();
  if (sc.ch(':')) {
    if (!sc.digits(2, 2, &f->second)) {
      sc.reset(m);
      return false;
    }
    size_t beforeFraction = sc.mark();
    if (sc.ch('.') && !sc.fractionMillis(&f->millis)) sc.reset(beforeFraction);
  } else {
    sc.reset(beforeSeconds);
    if (secondsRequired) {
      sc.reset(m);
      return false;
    }
  }
  return true;
}

// +hh, +hhmm or +hh:mm.
bool offset(Scanner& sc, Fields* f) {
  size_t m = sc.mark();
  char sign = 0;
  int hours = 0;
  int minutes = 0;
  if (!sc.oneOf("+-", &sign) || !sc.digits(2, 2, &hours)) {
    sc.reset(m);
    return false;
  }
  size_t afterHours = sc.mark();
  if (!sc.digits(2, 2, &minutes)) {
    sc.reset(afterHours);
    if (sc.ch(':') && !sc.digits(2, 2, &minutes)) {
      sc.reset(m);
      return false;
    }
  }
  int total = hours * 60 + minutes;
  if (minutes > 59 || total > kMaxOffsetMinutes) {
    sc.reset(m);
    return false;
  }
  f->offsetMinutes = sign == '-' ? -total : total;
  return true;
}

// Z | UTC | GMT | offset | (UTC|GMT) offset
bool zone(Scanner& sc, Fields* f) {
  if (sc.ch('Z')) return true;
  if (sc.word("utc") || sc.word("gmt")) {
    offset(sc, f);  // optional; a bad one is left unread, so the text fails
    return true;
  }
  return offset(sc, f);
}

// An optional zone after optional spaces; false only for a bad zone.
bool optionalZone(Scanner& sc, Fields* f) {
  size_t m = sc.mark();
  sc.spaces();
  if (sc.atEnd()) {
    sc.reset(m);
    return true;
  }
  return zone(sc, f);
}

// [<sep> time [zone]] where <sep> is one or more spaces.
bool optionalSpacedTime(Scanner& sc, Fields* f) {
  size_t m = sc.mark();
  if (!sc.spaces()) return true;
  if (!clockTime(sc, f, false)) {
    sc.reset(m);
    return true;  // leaves the spaces for the caller, which then fails
  }
  return optionalZone(sc, f);
}

// yyyy-M-d [('T'|' ') time [zone]]
bool iso(Scanner& sc, Fields* f) {
  if (!year4(sc, f) || !sc.ch('-') || !sc.digits(1, 2, &f->month) || !sc.ch('-') ||
      !sc.digits(1, 2, &f->day)) {
    return false;
  }
  if (sc.ch('T')) return clockTime(sc, f, false) && optionalZone(sc, f);
  return optionalSpacedTime(sc, f);
}

// M/d/yyyy, M.d.yyyy or M-d-yyyy [time [zone]]
bool us(Scanner& sc, Fields* f) {
  char sep = 0;
  if (!sc.digits(1, 2, &f->month) || !sc.oneOf("/.-", &sep) || !sc.digits(1, 2, &f->day) ||
      !sc.ch(sep) || !year4(sc, f)) {
    return false;
  }
  return optionalSpacedTime(sc, f);
}

// d-MMM-yyyy, d/MMM/yyyy or d MMM yyyy [time [zone]]
bool monthNamed(Scanner& sc, Fields* f) {
  char sep = 0;
  if (!sc.digits(1, 2, &f->day) || !sc.oneOf("-/ ", &sep) || !sc.monthName(&f->month) ||
      !sc.ch(sep) || !year4(sc, f)) {
    return false;
  }
  return optionalSpacedTime(sc, f);
}

// EEE MMM d HH:mm:ss zone yyyy
bool javaToString(Scanner& sc, Fields* f) {
  return sc.dayName() && sc.spaces() && sc.monthName(&f->month) && sc.spaces() &&
         sc.digits(1, 2, &f->day) && sc.spaces() && clockTime(sc, f, true) && sc.spaces() &&
         zone(sc, f) && sc.spaces() && year4(sc, f);
}

// EEE, d MMM yyyy HH:mm:ss zone
bool rfc1123(Scanner& sc, Fields* f) {
  return sc.dayName() && sc.ch(',') && sc.spaces() && sc.digits(1, 2, &f->day) && sc.spaces() &&
         sc.monthName(&f->month) && sc.spaces() && year4(sc, f) && sc.spaces() &&
         clockTime(sc, f, true) && sc.spaces() && zone(sc, f);
}

Status invalid(const char* why) { return Status(ErrorCode::kInvalidArgument, why); }

bool isEpochMillis(std::string_view s) {
  size_t start = !s.empty() && s[0] == '-' ? 1 : 0;
  if (s.size() == start) return false;
  for (size_t i = start; i < s.size(); ++i) {
    if (!isDigit(s[i])) return false;
  }
  return true;
}

Result<int64_t> epochMillis(std::string_view s) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return invalid("epoch milliseconds out of range");
  return value;
}

Result<int64_t> toEpochMillis(const Fields& f) {
  if (!isValidDate(f.year, f.month, f.day) || f.hour > 23 || f.minute > 59 || f.second > 59) {
    return invalid("no such date or time");
  }
  int64_t seconds = daysFromCivil(f.year, f.month, f.day) * 86400 + f.hour * 3600 +
                    f.minute * 60 + f.second - int64_t{f.offsetMinutes} * 60;
  return seconds * 1000 + f.millis;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

bool isValidDate(int64_t year, int month, int day) {
  static constexpr int kDaysIn[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int days = kDaysIn[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= days;
}

// Howard Hinnant's days_from_civil.
int64_t daysFromCivil(int64_t year, int month, int day) {
  int64_t y = year - (month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;                                        // [0, 399]
  int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;  // [0, 365]
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                // [0, 146096]
  return era * 146097 + doe - 719468;
}

Result<int64_t> parseDate(std::string_view text) {
  text = trim(text);
  if (isEpochMillis(text)) return epochMillis(text);
  using Format = bool (*)(Scanner&, Fields*);
  for (Format format : {iso, us, monthNamed, javaToString, rfc1123}) {
    Scanner sc(text);
    Fields f;
    if (format(sc, &f) && sc.atEnd()) return toEpochMillis(f);
  }
  return invalid("not a date in a supported format");
}

}  // namespace ck::storage
