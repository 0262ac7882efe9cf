#include "storage/schema.h"

#include <algorithm>
#include <utility>

namespace ck::storage {

const char* valueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kString: return "string";
    case ValueType::kNumber: return "number";
    case ValueType::kBoolean: return "boolean";
    case ValueType::kDate: return "date";
    case ValueType::kJson: return "JSON";
  }
  return "unknown";
}

const ColumnInfo* TableSchema::find(std::string_view name) const {
  for (const ColumnInfo& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

TableSchema TableSchema::withSystemColumns(std::string name, std::vector<ColumnInfo> userColumns) {
  static const ColumnInfo kSystem[] = {
      {"objectId", ValueType::kString},
      {"ownerId", ValueType::kString},
      {"created", ValueType::kDate},
      {"updated", ValueType::kDate},
  };
  TableSchema t{std::move(name), {}};
  for (ColumnInfo& c : userColumns) {
    bool isSystem = std::any_of(std::begin(kSystem), std::end(kSystem),
                                [&](const ColumnInfo& s) { return s.name == c.name; });
    if (!isSystem) t.columns.push_back(std::move(c));
  }
  t.columns.insert(t.columns.end(), std::begin(kSystem), std::end(kSystem));
  return t;
}

}  // namespace ck::storage
