#pragma once

#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/schema.h"
#include "storage/where.h"
#include "storage/where_lexer.h"

namespace ck::storage {

// Parses the tokens of `where` (from lexWhere, at least one besides kEnd)
// and compiles them into SQL, checking columns, types and the depth, term
// and IN limits (not the length: compileWhere checks it first). The
// recursive-descent half of compileWhere; see where.h for the language and
// the output.
Result<SqlFragment> parseWhere(std::string_view where, const std::vector<WhereToken>& tokens,
                               const TableSchema& table, const WhereLimits& limits);

}  // namespace ck::storage
