#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace ck::storage {

// Parses a date as a where clause may quote it for a date column, into
// milliseconds since the Unix epoch. Pure function; thread-safe.
//
// Accepted forms (Backendless's list, in Java SimpleDateFormat letters; month
// and day may have one or two digits, the hour one or two; surrounding
// spaces are ignored):
//   epoch ms         -?digits                     "1427068800000"
//   ISO 8601         yyyy-MM-dd                   "2015-03-23"
//                    yyyy-MM-dd'T'HH:mm[:ss[.S]] [zone]   "2015-03-23T10:20:30.123Z"
//                    (a space may stand for the 'T')
//   US               MM/dd/yyyy, MM.dd.yyyy, MM-dd-yyyy, each optionally
//                    followed by " HH:mm[:ss[.S]]" and a zone
//                                                 "03/23/2015 10:20:30 GMT-0200"
//   month names      dd-MMM-yyyy, dd/MMM/yyyy, dd MMM yyyy [HH:mm[:ss[.S]]] [zone]
//                                                 "23-Mar-2015"
//   Java toString    EEE MMM dd HH:mm:ss zone yyyy   "Mon Mar 23 10:20:30 UTC 2015"
//   RFC 1123         EEE, d MMM yyyy HH:mm:ss zone   "Mon, 23 Mar 2015 10:20:30 GMT"
//                    (what JavaScript's Date.toUTCString() writes)
// Month and day names are English, abbreviated or full, any case; a day name
// is not checked against the date. A zone is "Z", "UTC", "GMT", an offset
// (+hh, +hhmm, +hh:mm) or "GMT"/"UTC" followed by an offset; offsets go up
// to 18 hours. A time without a zone, and a date without a time, are UTC.
// Fractions of a second are decimal fractions (".5" is 500 ms); digits past
// the millisecond are dropped.
//
// Anything else is ErrorCode::kInvalidArgument with one of these messages
// (callers wrap them in their own error):
//   "not a date in a supported format"   another format, or named zones other
//                                        than UTC/GMT ("EST")
//   "no such date or time"               February 30, month 13, hour 24, a
//                                        year outside 0001-9999
//   "epoch milliseconds out of range"    digits beyond int64
Result<int64_t> parseDate(std::string_view text);

// Days from 1970-01-01 to the given proleptic Gregorian date (negative
// before). REQUIRES: isValidDate(year, month, day).
int64_t daysFromCivil(int64_t year, int month, int day);

// True when the date exists in the proleptic Gregorian calendar (year 1-9999).
bool isValidDate(int64_t year, int month, int day);

}  // namespace ck::storage
