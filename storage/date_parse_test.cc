#include "storage/date_parse.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace ck::storage {
namespace {

// Expected values computed independently (Python's datetime, UTC).
constexpr int64_t kMar23 = 1427068800000;           // 2015-03-23T00:00:00Z
constexpr int64_t kMar23At102030 = 1427106030000;   // 2015-03-23T10:20:30Z
constexpr int64_t kHour = 3600000;

TEST(DateParseTest, AcceptedFormats) {
  struct Case {
    const char* text;
    int64_t ms;
  } cases[] = {
      // Epoch milliseconds as a string.
      {"1427068800000", kMar23},
      {"0", 0},
      {"-86400000", -86400000},
      {"9223372036854775807", INT64_MAX},
      {"2015", 2015},  // digits alone are always epoch ms, never a year
      // ISO 8601.
      {"2015-03-23", kMar23},
      {"2015-3-23", kMar23},
      {"1970-01-01", 0},
      {"2015-03-23T10:20:30Z", kMar23At102030},
      {"2015-03-23T10:20:30.123Z", kMar23At102030 + 123},
      {"2015-03-23T10:20:30.5Z", kMar23At102030 + 500},
      {"2015-03-23T10:20:30.12Z", kMar23At102030 + 120},
      {"2015-03-23T10:20:30.123456789Z", kMar23At102030 + 123},
      {"2015-03-23T10:20:30", kMar23At102030},
      {"2015-03-23T10:20", kMar23At102030 - 30000},
      {"2015-03-23 10:20:30", kMar23At102030},
      {"2015-03-23T10:20:30+02:00", kMar23At102030 - 2 * kHour},
      {"2015-03-23T10:20:30+0200", kMar23At102030 - 2 * kHour},
      {"2015-03-23T10:20:30+02", kMar23At102030 - 2 * kHour},
      {"2015-03-23T10:20:30-05:30", kMar23At102030 + 5 * kHour + 30 * 60000},
      {"2015-03-23T10:20:30.123+18:00", kMar23At102030 + 123 - 18 * kHour},
      {"1969-12-31T23:59:59.999Z", -1},
      {"0001-01-01", -62135596800000},
      {"9999-12-31T23:59:59.999Z", 253402300799999},
      {"2000-02-29", 951782400000},
      {"2024-02-29", 1709164800000},
      // US order, three separators.
      {"03/23/2015", kMar23},
      {"3/23/2015", kMar23},
      {"03.23.2015", kMar23},
      {"03-23-2015", kMar23},
      {"03/23/2015 10:20:30", kMar23At102030},
      {"03/23/2015 10:20", kMar23At102030 - 30000},
      {"03/23/2015 9:20:30", kMar23At102030 - kHour},
      {"03-23-2015 10:20:30", kMar23At102030},
      {"03.23.2015 10:20:30", kMar23At102030},
      {"03/23/2015 10:20:30 GMT", kMar23At102030},
      {"03/23/2015 10:20:30 UTC", kMar23At102030},
      {"03/23/2015 10:20:30 Z", kMar23At102030},
      {"03/23/2015 10:20:30 GMT+01:00", kMar23At102030 - kHour},
      {"03/23/2015 10:20:30 +0100", kMar23At102030 - kHour},
      {"10/28/1988 00:00:00 GMT-0200", 594007200000},  // Backendless's own example
      // Month names.
      {"23-Mar-2015", kMar23},
      {"23-mar-2015", kMar23},
      {"23-MAR-2015", kMar23},
      {"23/Mar/2015", kMar23},
      {"23 Mar 2015", kMar23},
      {"23-March-2015", kMar23},
      {"22-Dec-1980", 346291200000},
      {"23-Mar-2015 10:20:30", kMar23At102030},
      {"23-Mar-2015 10:20:30 GMT+02:00", kMar23At102030 - 2 * kHour},
      // Java's Date.toString() and RFC 1123 (JavaScript's toUTCString()).
      {"Mon Mar 23 10:20:30 UTC 2015", kMar23At102030},
      {"Mon Mar 23 10:20:30 GMT 2015", kMar23At102030},
      {"Monday March 23 10:20:30 GMT+01:00 2015", kMar23At102030 - kHour},
      {"Mon, 23 Mar 2015 10:20:30 GMT", kMar23At102030},
      {"mon, 23 mar 2015 10:20:30 +0000", kMar23At102030},
      // Surrounding spaces.
      {"  2015-03-23  ", kMar23},
  };
  for (const Case& c : cases) {
    Result<int64_t> ms = parseDate(c.text);
    ASSERT_TRUE(ms.ok()) << c.text << ": " << ms.status().message();
    EXPECT_EQ(*ms, c.ms) << c.text;
  }
}

TEST(DateParseTest, RefusedDates) {
  const char* kNoSuchDate = "no such date or time";
  const char* kFormat = "not a date in a supported format";
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      // Dates and times that do not exist.
      {"2015-02-30", kNoSuchDate},
      {"2015-02-29", kNoSuchDate},
      {"2100-02-29", kNoSuchDate},  // not a leap year
      {"2015-13-01", kNoSuchDate},
      {"2015-00-10", kNoSuchDate},
      {"2015-03-00", kNoSuchDate},
      {"2015-03-32", kNoSuchDate},
      {"2015-04-31", kNoSuchDate},
      {"0000-01-01", kNoSuchDate},
      {"2015-03-23T24:00:00Z", kNoSuchDate},
      {"2015-03-23T10:60:00Z", kNoSuchDate},
      {"2015-03-23T10:20:60Z", kNoSuchDate},
      {"13/01/2015", kNoSuchDate},
      {"02/30/2015 10:00", kNoSuchDate},
      {"28-10-1988", kNoSuchDate},  // dd-MM-yyyy is not a format: month 28
      {"31-Apr-2015", kNoSuchDate},
      // Epoch values beyond int64.
      {"9223372036854775808", "epoch milliseconds out of range"},
      {"-99999999999999999999", "epoch milliseconds out of range"},
      // Not a supported format.
      {"", kFormat},
      {"   ", kFormat},
      {"-", kFormat},
      {"abc", kFormat},
      {"2015-03", kFormat},
      {"2015/03/23", kFormat},
      {"20150-03-23", kFormat},
      {"2015-03-23x", kFormat},
      {"2015-03-23T", kFormat},
      {"2015-03-23T10", kFormat},
      {"2015-03-23T10:2", kFormat},
      {"2015-03-23T10:20:30.Z", kFormat},
      {"2015-03-23 Z", kFormat},
      {"2015-03-23T10:20:30+25:00", kFormat},  // offsets go up to 18 hours
      {"2015-03-23T10:20:30+02:60", kFormat},
      {"2015-03-23T10:20:30+2", kFormat},
      {"03/23/2015 10:20:30 EST", kFormat},  // named zones other than UTC/GMT
      {"03/23/2015 10:20:30 GMT+0299", kFormat},
      {"03/23-2015", kFormat},  // mixed separators
      {"123/23/2015", kFormat},
      {"23-Foo-2015", kFormat},
      {"23-Marc-2015", kFormat},
      {"Mon Mar 23 10:20:30 EST 2015", kFormat},
      {"Mon Mar 23 10:20 UTC 2015", kFormat},  // seconds are required here
      {"Mon, 23 Mar 2015", kFormat},
      {"1e5", kFormat},
      {"+5", kFormat},
      {"2015-03-23\n", kFormat},
  };
  for (const Case& c : cases) {
    Result<int64_t> ms = parseDate(c.text);
    ASSERT_FALSE(ms.ok()) << c.text << " parsed as " << *ms;
    EXPECT_EQ(ms.status().code(), ErrorCode::kInvalidArgument) << c.text;
    EXPECT_EQ(ms.status().message(), c.message) << c.text;
  }
  // An embedded NUL is part of the text, not its end.
  EXPECT_FALSE(parseDate(std::string("2015-03-23\0", 11)).ok());
}

TEST(DateParseTest, CivilDays) {
  struct Case {
    int64_t year;
    int month;
    int day;
    int64_t days;
  } cases[] = {
      {1970, 1, 1, 0},     {1970, 1, 2, 1},          {1969, 12, 31, -1},   {2000, 3, 1, 11017},
      {2015, 3, 23, 16517}, {1, 1, 1, -719162},      {9999, 12, 31, 2932896},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(daysFromCivil(c.year, c.month, c.day), c.days) << c.year << "-" << c.month << "-" << c.day;
  }
  // Every day of 1900..2100 follows the one before it.
  int64_t previous = daysFromCivil(1899, 12, 31);
  int checked = 0;
  for (int64_t y = 1900; y <= 2100; ++y) {
    for (int m = 1; m <= 12; ++m) {
      for (int d = 1; d <= 31; ++d) {
        if (!isValidDate(y, m, d)) continue;
        int64_t days = daysFromCivil(y, m, d);
        ASSERT_EQ(days, previous + 1) << y << "-" << m << "-" << d;
        previous = days;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 73414);  // 201 years, 49 of them leap (1900 and 2100 are not)
}

}  // namespace
}  // namespace ck::storage
