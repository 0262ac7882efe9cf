#pragma once

#include "storage/schema.h"

namespace ck::storage {

// The table the where-clause tests compile against: one user column of
// each type plus the system columns. No name holds a digit, which lets the
// property test say that no digit ever reaches the SQL text.
inline TableSchema personTable() {
  return TableSchema::withSystemColumns("Person", {
                                                      {"name", ValueType::kString},
                                                      {"city", ValueType::kString},
                                                      {"age", ValueType::kNumber},
                                                      {"active", ValueType::kBoolean},
                                                      {"born", ValueType::kDate},
                                                      {"meta", ValueType::kJson},
                                                  });
}

}  // namespace ck::storage
