#pragma once

// The fixture of the table store's tests: a fresh app database (the app
// schema applied by AppStore) in a temporary folder, and a TableStore on it.

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/app_store.h"
#include "storage/sqlite.h"
#include "storage/table_store.h"
#include "storage/test_temp_dir.h"

namespace ck::storage {
namespace testing_util {

using nlohmann::json;

// An uppercase GUID-shaped id whose order follows `i`.
inline std::string guid(int i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", i);
  return buf;
}

inline WriteContext ctx(const std::string& objectId, int64_t nowMs = 1000, bool dynamic = true,
                 std::optional<std::string> owner = std::nullopt) {
  WriteContext c;
  c.objectId = objectId;
  c.ownerId = std::move(owner);
  c.nowMs = nowMs;
  c.allowNewColumns = dynamic;
  return c;
}

inline std::vector<std::string> idsOf(const json& rows) {
  std::vector<std::string> ids;
  for (const json& r : rows) ids.push_back(r.at("objectId").get<std::string>());
  return ids;
}

class TableStoreTest : public ::testing::Test {
 protected:
  TableStoreTest() { open(); }

  void open() {
    AppStore::open(tmp_.path());  // applies the app schema, the catalog included
    db_ = std::make_unique<Database>(tmp_.file("app.db"));
    store_ = std::make_unique<TableStore>(*db_);
  }
  void reopen() {
    store_.reset();
    db_.reset();
    open();
  }

  // Creates `object` in `table` with a fresh id; fails the test on error.
  json put(const std::string& table, const json& object, int64_t nowMs = 1000,
           std::optional<std::string> owner = std::nullopt) {
    Result<json> row = store_->create(table, object, ctx(guid(++lastId_), nowMs, true, std::move(owner)));
    EXPECT_TRUE(row.ok()) << row.status().message();
    return row.ok() ? *row : json();
  }

  // The columns of index `index`, in order.
  std::vector<std::string> indexColumns(const std::string& index) {
    Statement info(*db_, "SELECT name FROM pragma_index_info(?1) ORDER BY seqno");
    info.bind(1, index);
    std::vector<std::string> out;
    while (info.step()) out.push_back(info.columnText(0));
    return out;
  }

  int64_t countAll(const std::string& table, const std::string& where = "") {
    Result<int64_t> n = store_->count(table, where);
    EXPECT_TRUE(n.ok()) << n.status().message();
    return n.ok() ? *n : -1;
  }

  TempDir tmp_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<TableStore> store_;
  int lastId_ = 0;
};

}  // namespace testing_util
}  // namespace ck::storage
