#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ck::http {

using QueryList = std::vector<std::pair<std::string, std::string>>;

// Decodes %XX escapes (and '+' as a space when `plusIsSpace`) into `out`.
// Returns false for a truncated or non-hex escape and for a decoded NUL byte.
bool percentDecode(std::string_view in, bool plusIsSpace, std::string* out);

// Encodes every byte but the unreserved characters (A-Z a-z 0-9 - . _ ~) as
// %XX: safe in a path segment and in a query-string value.
std::string percentEncode(std::string_view in);

// Parses `a=1&b=x+y&c` into decoded pairs, in order ("c" gets an empty value;
// empty pieces are skipped). Returns false on an invalid escape or a NUL.
bool parseQuery(std::string_view raw, QueryList* out);

// Splits a request target into its decoded path and its raw query (the part
// after '?', without a '#' fragment). Accepts origin-form ("/a/b?x"),
// absolute-form ("http://host/a/b?x"; the path is kept) and "*". Returns false
// (a 400) for any other form, an invalid escape, a decoded NUL byte, or a
// path with a "." or ".." segment (no client needs one, and a route's
// parameters must never climb out of their prefix).
bool splitTarget(std::string_view target, std::string* path, std::string* rawQuery);

// Whether two header names or tokens are equal ignoring ASCII case.
bool equalsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace ck::http
