// TableSchemaStore's cache of table columns: what one connection reads stays
// right when another connection changes the catalog.

#include "storage/table_schema_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "storage/sqlite.h"
#include "storage/table_store_test_util.h"

namespace ck::storage {
namespace {

using namespace testing_util;

// Two connections on the same app database, each with its own store.
class SchemaCacheTest : public TableStoreTest {
 protected:
  SchemaCacheTest() : otherDb_(std::make_unique<Database>(tmp_.file("app.db"))), other_(*otherDb_) {}

  std::vector<std::string> columnsOf(const TableInfo& info) {
    std::vector<std::string> names;
    for (const UserColumn& c : info.columns) names.push_back(c.name);
    return names;
  }

  std::unique_ptr<Database> otherDb_;
  TableStore other_;
};

TEST_F(SchemaCacheTest, SeesAColumnAddedByAnotherConnection) {
  put("Item", {{"name", "a"}});
  ASSERT_EQ(columnsOf(*store_->tableInfo("Item")), std::vector<std::string>{"name"});
  ASSERT_TRUE(other_.create("Item", {{"name", "b"}, {"price", 2}}, ctx(guid(100))).ok());
  EXPECT_EQ(columnsOf(*store_->tableInfo("Item")), (std::vector<std::string>{"name", "price"}));
  // A find by the new column (the where compiler reads the cached schema).
  FindQuery q;
  q.where = "price = 2";
  Result<json> rows = store_->find("Item", q);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(idsOf(*rows), std::vector<std::string>{guid(100)});
}

// A find runs on the cached table and checks the cache after its first
// step: a column another connection added since is seen, in the where
// clause and in the rows, with no load in between.
TEST_F(SchemaCacheTest, AFindSeesAColumnAddedByAnotherConnectionSinceTheLastFind) {
  put("Item", {{"name", "a"}});
  ASSERT_TRUE(store_->find("Item", {}).ok());  // the table is cached
  ASSERT_TRUE(other_.create("Item", {{"name", "b"}, {"price", 2}}, ctx(guid(100))).ok());
  Result<json> rows = store_->find("Item", FindQuery{.where = "price = 2"});
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(idsOf(*rows), std::vector<std::string>{guid(100)});
  ASSERT_TRUE(other_.create("Item", {{"name", "c"}, {"size", 3}}, ctx(guid(101))).ok());
  Result<RowsText> page = store_->findText("Item", FindQuery{.sortBy = {"name"}, .flatCells = true});
  ASSERT_TRUE(page.ok()) << page.status().message();
  json all = json::parse(page->json);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(all[2].contains("size")) << page->json;
  EXPECT_EQ(all[2]["size"], 3);
  // Rows written by another connection, no catalog change: the cache holds.
  ASSERT_TRUE(other_.create("Item", {{"name", "d"}}, ctx(guid(102))).ok());
  rows = store_->find("Item", FindQuery{.where = "name = 'd'"});
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(idsOf(*rows), std::vector<std::string>{guid(102)});
}

TEST_F(SchemaCacheTest, SeesATableCreatedByAnotherConnection) {
  EXPECT_EQ(store_->tableInfo("Late").status().code(), ErrorCode::kUnknownTable);
  ASSERT_TRUE(other_.create("Late", {{"x", 1}}, ctx(guid(100))).ok());
  Result<TableInfo> info = store_->tableInfo("Late");
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(columnsOf(*info), std::vector<std::string>{"x"});
}

TEST_F(SchemaCacheTest, DeclarationsByAnotherConnectionReachWrites) {
  put("Item", {{"name", "a"}});  // a dynamic column
  ASSERT_FALSE(store_->tableInfo("Item")->columns[0].declared);
  // markDeclared is no DDL: the schema cookie does not change.
  ASSERT_TRUE(other_.declareTable("Item", {{"name", ValueType::kString}}).ok());
  ASSERT_TRUE(other_.tableInfo("Item")->columns[0].declared);
  // A declaration on this connection reads the catalog inside its write
  // transaction, so it finds the column declared and adds only what is new.
  ASSERT_TRUE(store_->declareTable("Item", {{"name", ValueType::kString}, {"size", ValueType::kNumber}}).ok());
  Result<TableInfo> info = other_.tableInfo("Item");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(columnsOf(*info), (std::vector<std::string>{"name", "size"}));
  EXPECT_TRUE(info->columns[0].declared);
  EXPECT_TRUE(info->columns[1].declared);
}

TEST_F(SchemaCacheTest, AColumnAddedInARolledBackWriteIsNotSeen) {
  put("Item", {{"name", "a"}});
  ASSERT_EQ(columnsOf(*store_->tableInfo("Item")), std::vector<std::string>{"name"});
  // A create whose row fails after its new column was added rolls both back.
  ASSERT_FALSE(store_->create("Item", {{"extra", 1}}, ctx(guid(1))).ok()) << "the id is taken";
  EXPECT_EQ(columnsOf(*store_->tableInfo("Item")), std::vector<std::string>{"name"});
  EXPECT_EQ(columnsOf(*other_.tableInfo("Item")), std::vector<std::string>{"name"});
}

}  // namespace
}  // namespace ck::storage
