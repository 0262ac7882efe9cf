// TableStore: the catalog, the writes, types, names and limits. The reads
// are tested in table_store_find_test.cc.

#include "storage/table_store.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "storage/sqlite.h"
#include "storage/table_store_test_util.h"

namespace ck::storage {
namespace {

using nlohmann::json;
using namespace testing_util;

// ---------------------------------------------------------------------------
// Round trips and system columns

TEST_F(TableStoreTest, CreateReturnsTheStoredRowWithSystemColumns) {
  Result<json> row = store_->create("Person", {{"name", "Ann"}, {"age", 30}}, ctx(guid(1), 1624090691000));
  ASSERT_TRUE(row.ok()) << row.status().message();
  EXPECT_EQ(*row, json({{"objectId", guid(1)},
                        {"ownerId", nullptr},
                        {"created", 1624090691000},
                        {"updated", nullptr},
                        {"___class", "Person"},
                        {"name", "Ann"},
                        {"age", 30}}));
  EXPECT_EQ(*store_->findById("Person", guid(1)), *row);
}

TEST_F(TableStoreTest, SystemColumnsInTheInputAreIgnored) {
  json object = {{"objectId", "FORGED"},  {"ownerId", "someone-else"}, {"created", 5},
                 {"updated", 6},          {"___class", "Other"},        {"__meta", "{}"},
                 {"title", "kept"}};
  Result<json> row = store_->create("Note", object, ctx(guid(7), 2000, true, "USER-1"));
  ASSERT_TRUE(row.ok()) << row.status().message();
  EXPECT_EQ((*row)["objectId"], guid(7));
  EXPECT_EQ((*row)["ownerId"], "USER-1");
  EXPECT_EQ((*row)["created"], 2000);
  EXPECT_EQ((*row)["updated"], nullptr);
  EXPECT_EQ((*row)["___class"], "Note");
  EXPECT_EQ((*row)["title"], "kept");
  EXPECT_FALSE(row->contains("__meta"));
  ASSERT_TRUE(store_->tableInfo("Note").ok());
  EXPECT_EQ(store_->tableInfo("Note")->columns.size(), 1u) << "only 'title' became a column";

  // Updates ignore them too: ownerId and created never change.
  Result<json> updated = store_->update("Note", guid(7), {{"ownerId", "x"}, {"created", 1}, {"title", "new"}},
                                        ctx("", 3000));
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_EQ((*updated)["ownerId"], "USER-1");
  EXPECT_EQ((*updated)["created"], 2000);
  EXPECT_EQ((*updated)["updated"], 3000);
  EXPECT_EQ((*updated)["title"], "new");
}

TEST_F(TableStoreTest, FindByIdUpdateRemoveRoundTrip) {
  json created = put("Person", {{"name", "Ann"}, {"age", 30}});
  std::string id = created["objectId"];

  Result<json> updated = store_->update("Person", id, {{"name", "Bea"}}, ctx("", 2000));
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_EQ((*updated)["name"], "Bea");
  EXPECT_EQ((*updated)["age"], 30) << "properties not in the changes stay";
  EXPECT_EQ((*updated)["created"], 1000);
  EXPECT_EQ((*updated)["updated"], 2000);
  EXPECT_EQ(*store_->findById("Person", id), *updated);

  Result<int64_t> removed = store_->remove("Person", id, 3000);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 3000);
  EXPECT_EQ(store_->findById("Person", id).status().code(), ErrorCode::kEntityNotFound);
  EXPECT_EQ(store_->remove("Person", id, 4000).status().code(), ErrorCode::kEntityNotFound);
  EXPECT_EQ(store_->update("Person", id, {{"name", "C"}}, ctx("", 5000)).status().code(),
            ErrorCode::kEntityNotFound);
  EXPECT_EQ(countAll("Person"), 0);
}

TEST_F(TableStoreTest, UpdateWithoutUserPropertiesIsAnEmptyUpdate) {
  std::string id = put("Person", {{"name", "Ann"}})["objectId"];
  for (const json& changes : {json::object(), json({{"objectId", "X"}, {"created", 1}}),
                              json({{"neverSeen", nullptr}})}) {
    EXPECT_EQ(store_->update("Person", id, changes, ctx("", 2000)).status().code(), ErrorCode::kEmptyUpdate)
        << changes.dump();
  }
  EXPECT_EQ((*store_->findById("Person", id))["updated"], nullptr) << "an empty update changes nothing";
}

TEST_F(TableStoreTest, ObjectsMustBeJsonObjects) {
  for (const json& bad : {json::array(), json("text"), json(1), json(nullptr)}) {
    EXPECT_EQ(store_->create("Person", bad, ctx(guid(1))).status().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(store_->listTables().empty()) << "no table from a refused object";
  EXPECT_EQ(store_->create("Person", {{"a", 1}}, ctx("")).status().code(), ErrorCode::kInvalidArgument)
      << "an objectId is required";
}

TEST_F(TableStoreTest, DuplicateObjectIdIsAlreadyExists) {
  ASSERT_TRUE(store_->create("Person", {{"a", 1}}, ctx(guid(1))).ok());
  EXPECT_EQ(store_->create("Person", {{"a", 2}}, ctx(guid(1))).status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ((*store_->findById("Person", guid(1)))["a"], 1);
}

// ---------------------------------------------------------------------------
// Dynamic schema and types

TEST_F(TableStoreTest, DynamicColumnsGetInferredTypes) {
  put("Thing", {{"s", "x"}, {"n", 1.5}, {"b", true}, {"o", {{"a", 1}}}, {"a", {1, 2}}, {"z", nullptr}});
  Result<TableInfo> info = store_->tableInfo("Thing");
  ASSERT_TRUE(info.ok());
  std::map<std::string, ValueType> types;
  for (const UserColumn& c : info->columns) {
    types[c.name] = c.type;
    EXPECT_FALSE(c.declared) << c.name;
  }
  std::map<std::string, ValueType> expected = {{"s", ValueType::kString}, {"n", ValueType::kNumber},
                                               {"b", ValueType::kBoolean}, {"o", ValueType::kJson},
                                               {"a", ValueType::kJson}};
  EXPECT_EQ(types, expected) << "a null adds no column";

  // The columns are real, typed SQLite columns of a STRICT table.
  Statement pragma(*db_, "SELECT name, type FROM pragma_table_info('Thing') ORDER BY cid");
  std::map<std::string, std::string> sqlTypes;
  while (pragma.step()) sqlTypes[pragma.columnText(0)] = pragma.columnText(1);
  EXPECT_EQ(sqlTypes["s"], "TEXT");
  EXPECT_EQ(sqlTypes["n"], "REAL");
  EXPECT_EQ(sqlTypes["b"], "INTEGER");
  EXPECT_EQ(sqlTypes["o"], "TEXT");
  EXPECT_EQ(sqlTypes["created"], "INTEGER");
}

TEST_F(TableStoreTest, NewPropertiesAreRefusedWhenDynamicSchemaIsOff) {
  ASSERT_TRUE(store_->declareTable("Order", {{"status", ValueType::kString}}).ok());
  Result<json> r = store_->create("Order", {{"status", "new"}, {"alpha", 1}, {"beta", nullptr}},
                                  ctx(guid(1), 1000, /*dynamic=*/false));
  ASSERT_EQ(r.status().code(), ErrorCode::kNoSuchProperties);
  EXPECT_NE(r.status().message().find("'alpha'"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("'beta'"), std::string::npos) << r.status().message();
  EXPECT_EQ(countAll("Order"), 0);
  EXPECT_EQ(store_->tableInfo("Order")->columns.size(), 1u);

  EXPECT_TRUE(store_->create("Order", {{"status", "new"}}, ctx(guid(2), 1000, false)).ok());
  EXPECT_EQ(store_->update("Order", guid(2), {{"gamma", 1}}, ctx("", 2000, false)).status().code(),
            ErrorCode::kNoSuchProperties);

  // An unknown table is not created either.
  EXPECT_EQ(store_->create("Missing", {{"a", 1}}, ctx(guid(3), 1000, false)).status().code(),
            ErrorCode::kUnknownTable);
  EXPECT_EQ(store_->listTables(), std::vector<std::string>{"Order"});
}

class TypeCheckTest : public TableStoreTest {
 protected:
  TypeCheckTest() {
    Status s = store_->declareTable("Typed", {{"s", ValueType::kString},
                                              {"n", ValueType::kNumber},
                                              {"b", ValueType::kBoolean},
                                              {"d", ValueType::kDate},
                                              {"j", ValueType::kJson}});
    EXPECT_TRUE(s.ok()) << s.message();
  }
};

// Every column type against a value of every JSON kind: the matching pairs
// are stored, every other pair is refused with 1007 naming the column, its
// type and the value's kind.
TEST_F(TypeCheckTest, EveryTypePair) {
  struct Sample {
    json value;
    const char* kind;
  };
  const std::vector<Sample> samples = {{"text", "string"}, {5, "number"},        {2.5, "number"},
                                       {true, "boolean"},  {{{"k", 1}}, "object"}, {{1, 2}, "array"}};
  struct Column {
    const char* name;
    const char* type;
    std::set<std::string> accepts;  // sample kinds (+ "2.5" for fractional numbers)
  };
  const std::vector<Column> columns = {{"s", "string", {"string"}},
                                       {"n", "number", {"number"}},
                                       {"b", "boolean", {"boolean"}},
                                       {"d", "date", {"5"}},  // whole numbers only
                                       {"j", "JSON", {"object", "array"}}};
  int id = 0;
  for (const Column& column : columns) {
    for (const Sample& sample : samples) {
      bool accepted = column.accepts.count(sample.kind) > 0 ||
                      (std::string(column.name) == "d" && sample.value.is_number_integer());
      json object = {{column.name, sample.value}};
      Result<json> r = store_->create("Typed", object, ctx(guid(++id), 1000, true));
      if (accepted) {
        EXPECT_TRUE(r.ok()) << column.name << " <- " << sample.value.dump() << ": " << r.status().message();
        continue;
      }
      ASSERT_EQ(r.status().code(), ErrorCode::kInvalidDataType) << column.name << " <- " << sample.value.dump();
      const std::string& m = r.status().message();
      EXPECT_NE(m.find(std::string("'") + column.name + "'"), std::string::npos) << m;
      EXPECT_NE(m.find(column.type), std::string::npos) << m;
      EXPECT_NE(m.find(sample.kind), std::string::npos) << m;
    }
  }
  // Each column also takes null.
  EXPECT_TRUE(store_->create("Typed", {{"s", nullptr}, {"n", nullptr}, {"b", nullptr}, {"d", nullptr},
                                       {"j", nullptr}},
                             ctx(guid(++id)))
                  .ok());
  // Booleans are true/false only; a mismatch writes nothing.
  int64_t before = countAll("Typed");
  EXPECT_EQ(store_->create("Typed", {{"b", 1}}, ctx(guid(++id))).status().code(), ErrorCode::kInvalidDataType);
  EXPECT_EQ(store_->create("Typed", {{"b", "true"}}, ctx(guid(++id))).status().code(),
            ErrorCode::kInvalidDataType);
  EXPECT_EQ(countAll("Typed"), before);
}

TEST_F(TypeCheckTest, UpdatesAreTypeCheckedToo) {
  ASSERT_TRUE(store_->create("Typed", {{"n", 1}}, ctx(guid(1))).ok());
  Result<json> r = store_->update("Typed", guid(1), {{"n", "one"}}, ctx("", 2000));
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidDataType);
  EXPECT_EQ((*store_->findById("Typed", guid(1)))["n"], 1);
  EXPECT_EQ((*store_->findById("Typed", guid(1)))["updated"], nullptr);
}

TEST_F(TableStoreTest, OneNumericType) {
  json a = put("Measure", {{"v", 1}});
  json b = put("Measure", {{"v", 1.5}});
  json c = put("Measure", {{"v", -3}});
  EXPECT_EQ(a["v"], 1);
  EXPECT_TRUE(a["v"].is_number_integer()) << "integral values come back as integers";
  EXPECT_EQ(b["v"], 1.5);
  EXPECT_EQ(c["v"], -3);
  EXPECT_EQ(store_->tableInfo("Measure")->columns.at(0).type, ValueType::kNumber);
  EXPECT_EQ(countAll("Measure", "v > 1.2"), 1);
  EXPECT_EQ(countAll("Measure", "v >= 1"), 2);
}

TEST_F(TypeCheckTest, DateColumnsTakeEpochMillisAndDateStrings) {
  const int64_t ms = 1624090691000;  // 2021-06-19T08:18:11Z
  const std::vector<json> inputs = {ms, 1624090691000.0, "2021-06-19T08:18:11Z", "2021-06-19T08:18:11.000Z",
                                    "Sat, 19 Jun 2021 08:18:11 GMT", std::to_string(ms)};
  int id = 0;
  for (const json& in : inputs) {
    Result<json> r = store_->create("Typed", {{"d", in}}, ctx(guid(++id)));
    ASSERT_TRUE(r.ok()) << in.dump() << ": " << r.status().message();
    EXPECT_EQ((*r)["d"], ms) << in.dump();
    EXPECT_TRUE((*r)["d"].is_number_integer());
  }
  for (const json& bad : {json("tomorrow"), json("2021-02-30"), json(1.5), json(true)}) {
    EXPECT_EQ(store_->create("Typed", {{"d", bad}}, ctx(guid(++id))).status().code(), ErrorCode::kInvalidDataType)
        << bad.dump();
  }
  EXPECT_EQ(countAll("Typed", "d after 0"), static_cast<int64_t>(inputs.size()));
  EXPECT_EQ(countAll("Typed", "d = '2021-06-19T08:18:11Z'"), static_cast<int64_t>(inputs.size()));

  // A number saved into an undeclared column makes a number column, not a date.
  put("Dyn", {{"when", ms}});
  EXPECT_EQ(store_->tableInfo("Dyn")->columns.at(0).type, ValueType::kNumber);
}

TEST_F(TableStoreTest, JsonColumnsRoundTrip) {
  json object = {{"o", {{"k", {1, "two", nullptr, {{"x", true}}}}, {"empty", json::object()}}},
                 {"a", json::array()},
                 {"nested", {{{"deep", {{"er", {1.5}}}}}}}};
  json row = put("Doc", object);
  EXPECT_EQ(row["o"], object["o"]);
  EXPECT_EQ(row["a"], object["a"]);
  EXPECT_EQ(row["nested"], object["nested"]);
  EXPECT_EQ((*store_->findById("Doc", row["objectId"].get<std::string>()))["o"], object["o"]);

  Statement raw(*db_, "SELECT typeof(\"o\"), \"o\" FROM \"Doc\"");
  ASSERT_TRUE(raw.step());
  EXPECT_EQ(raw.columnText(0), "text");
  EXPECT_EQ(raw.columnText(1), object["o"].dump()) << "stored as compact JSON text";

  // A json column takes objects and arrays only.
  EXPECT_EQ(store_->create("Doc", {{"o", "text"}}, ctx(guid(99))).status().code(), ErrorCode::kInvalidDataType);
}

TEST_F(TableStoreTest, ValuesHoldingSqlAreStoredVerbatim) {
  const std::string evil = "'); DROP TABLE Person; --";
  const std::string quotes = "a \"b\" 'c' \\ ; -- /* */";
  json row = put("Person", {{"name", evil}, {"other", quotes}});
  EXPECT_EQ(row["name"], evil);
  EXPECT_EQ(row["other"], quotes);
  EXPECT_EQ(countAll("Person"), 1) << "the table is still there";
  EXPECT_EQ(countAll("Person", "name = '''); DROP TABLE Person; --'"), 1);
  Result<json> found = store_->find("Person", FindQuery{.where = "other = 'a \"b\" ''c'' \\ ; -- /* */'"});
  ASSERT_TRUE(found.ok()) << found.status().message();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0]["other"], quotes);
}

// ---------------------------------------------------------------------------
// Names

TEST_F(TableStoreTest, InvalidAndReservedTableNamesAreRefused) {
  ASSERT_TRUE(store_->declareTable("Real", {}).ok());
  const std::vector<std::string> names = {
      "_settings", "_tables", "_columns", "sqlite_master", "sqlite_schema", "_x", "Sqlite_x", "SQLITE_",
      "my table",  "a\"b",    "a'b",      "",              "1abc",          "a-b", "na\xc3\xafve",
      std::string(65, 'a'), "Real\"; DROP TABLE Real; --"};
  for (const std::string& name : names) {
    SCOPED_TRACE("table name: " + name);
    EXPECT_EQ(store_->create(name, {{"a", 1}}, ctx(guid(1))).status().code(), ErrorCode::kUnknownTable);
    EXPECT_EQ(store_->find(name, {}).status().code(), ErrorCode::kUnknownTable);
    EXPECT_EQ(store_->count(name, "").status().code(), ErrorCode::kUnknownTable);
    EXPECT_EQ(store_->findById(name, guid(1)).status().code(), ErrorCode::kUnknownTable);
    EXPECT_EQ(store_->bulkDelete(name, "").status().code(), ErrorCode::kUnknownTable);
    EXPECT_EQ(store_->describe(name).status().code(), ErrorCode::kUnknownTable);
    EXPECT_EQ(store_->declareTable(name, {{"a", ValueType::kString}}).code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(store_->listTables(), std::vector<std::string>{"Real"});
  // The host's own settings table was never touched.
  Statement settings(*db_, "SELECT count(*) FROM pragma_table_info('_settings')");
  ASSERT_TRUE(settings.step());
  EXPECT_EQ(settings.columnInt64(0), 2);

  // The longest valid name works.
  const std::string longest = "T" + std::string(63, 'x');
  EXPECT_TRUE(store_->create(longest, {{"a", 1}}, ctx(guid(2))).ok());
}

TEST_F(TableStoreTest, TableNamesAreExactAndNeverDifferOnlyInCase) {
  put("Order", {{"a", 1}});
  Result<json> r = store_->create("order", {{"a", 1}}, ctx(guid(50)));
  ASSERT_EQ(r.status().code(), ErrorCode::kUnknownTable);
  EXPECT_NE(r.status().message().find("'Order'"), std::string::npos) << r.status().message();
  EXPECT_EQ(store_->find("ORDER", {}).status().code(), ErrorCode::kUnknownTable);
  EXPECT_EQ(store_->declareTable("oRDER", {}).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->listTables(), std::vector<std::string>{"Order"});
}

TEST_F(TableStoreTest, PropertyNamesAreChecked) {
  put("Person", {{"name", "a"}});
  struct Case {
    json object;
    ErrorCode code;
  };
  const std::vector<Case> cases = {
      {{{"Name", "b"}}, ErrorCode::kInvalidProperties},      // differs only in case from a column
      {{{"ObjectId", "b"}}, ErrorCode::kInvalidProperties},  // ... from a system column
      {{{"CREATED", 1}}, ErrorCode::kInvalidProperties},
      {{{"bad name", 1}}, ErrorCode::kInvalidProperties},
      {{{"_private", 1}}, ErrorCode::kInvalidProperties},
      {{{"sqlite_x", 1}}, ErrorCode::kInvalidProperties},
      {{{"x\"y", 1}}, ErrorCode::kInvalidProperties},
      {{{std::string(65, 'p'), 1}}, ErrorCode::kInvalidProperties},
      {{{"Fresh", 1}, {"fresh", 2}}, ErrorCode::kInvalidProperties},  // two new ones clash
  };
  for (const Case& c : cases) {
    EXPECT_EQ(store_->create("Person", c.object, ctx(guid(++lastId_))).status().code(), c.code) << c.object.dump();
  }
  EXPECT_EQ(countAll("Person"), 1);
  EXPECT_EQ(store_->tableInfo("Person")->columns.size(), 1u);
}

// ---------------------------------------------------------------------------
// Declared tables

TEST_F(TableStoreTest, DeclareTableIsIdempotentAndAddsColumns) {
  std::vector<std::vector<std::string>> indexes = {{"status"}, {"city", "created"}};
  ASSERT_TRUE(store_->declareTable("Order", {{"status", ValueType::kString}, {"city", ValueType::kString}}, indexes)
                  .ok());
  ASSERT_TRUE(store_->declareTable("Order", {{"status", ValueType::kString}, {"city", ValueType::kString}}, indexes)
                  .ok());
  // A save adds a dynamic column; a later declaration of it (same type) marks it declared.
  put("Order", {{"total", 12.5}});
  EXPECT_FALSE(store_->tableInfo("Order")->find("total")->declared);
  Status s = store_->declareTable("Order", {{"status", ValueType::kString},
                                            {"deliverAt", ValueType::kDate},
                                            {"total", ValueType::kNumber}},
                                  indexes);
  ASSERT_TRUE(s.ok()) << s.message();

  Result<TableInfo> info = store_->tableInfo("Order");
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->columns.size(), 4u);
  EXPECT_EQ(info->columns[0].name, "status");
  EXPECT_EQ(info->columns[1].name, "city");
  EXPECT_EQ(info->columns[2].name, "total");
  EXPECT_EQ(info->columns[3].name, "deliverAt");
  for (const UserColumn& c : info->columns) EXPECT_TRUE(c.declared) << c.name;
  EXPECT_EQ(info->find("deliverAt")->type, ValueType::kDate);

  Result<TableSchema> schema = store_->describe("Order");
  ASSERT_TRUE(schema.ok());
  ASSERT_NE(schema->find("objectId"), nullptr);
  EXPECT_EQ(schema->find("created")->type, ValueType::kDate);
  EXPECT_EQ(schema->find("ownerId")->type, ValueType::kString);
  EXPECT_EQ(schema->find("deliverAt")->type, ValueType::kDate);
  EXPECT_EQ(schema->columns.size(), 8u);

  Statement idx(*db_, "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'Order' ORDER BY name");
  std::vector<std::string> names;
  while (idx.step()) names.push_back(idx.columnText(0));
  std::vector<std::string> expected = {"_ck:Order:created", "_ck:Order:ix(city,created)", "_ck:Order:ix(status)",
                                       "_ck:Order:owner", "sqlite_autoindex_Order_1"};
  EXPECT_EQ(names, expected);

  // Declared indexes end in the default order, so a default-ordered page of
  // the matches of their columns needs no sort.
  EXPECT_EQ(indexColumns("_ck:Order:ix(status)"), (std::vector<std::string>{"status", "created", "objectId"}));
  EXPECT_EQ(indexColumns("_ck:Order:ix(city,created)"), (std::vector<std::string>{"city", "created", "objectId"}));
  Statement plan(*db_, "EXPLAIN QUERY PLAN SELECT * FROM \"Order\" WHERE (\"status\" = ?1) "
                       "ORDER BY \"created\" ASC, \"objectId\" ASC LIMIT 20 OFFSET 0");
  std::string steps;
  while (plan.step()) steps += plan.columnText(3) + "\n";
  EXPECT_NE(steps.find("ix(status)"), std::string::npos) << steps;
  EXPECT_EQ(steps.find("TEMP B-TREE"), std::string::npos) << steps;
}

// An index made before declared indexes ended in the default order is made
// again, with the same name, by the next declaration naming it.
TEST_F(TableStoreTest, DeclaringAnOlderIndexAgainEndsItInTheDefaultOrder) {
  ASSERT_TRUE(store_->declareTable("Order", {{"status", ValueType::kString}}).ok());
  db_->exec("CREATE INDEX \"_ck:Order:ix(status)\" ON \"Order\"(\"status\")");
  ASSERT_TRUE(store_->declareTable("Order", {{"status", ValueType::kString}}, {{"status"}}).ok());
  EXPECT_EQ(indexColumns("_ck:Order:ix(status)"), (std::vector<std::string>{"status", "created", "objectId"}));
  Statement count(*db_, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'Order'");
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.columnInt64(0), 4) << "created, owner, ix(status) and the primary key's";
}

TEST_F(TableStoreTest, DeclareTableRefusesToChangeAType) {
  ASSERT_TRUE(store_->declareTable("Order", {{"status", ValueType::kString}}).ok());
  Status s = store_->declareTable("Order", {{"status", ValueType::kNumber}, {"extra", ValueType::kString}});
  ASSERT_EQ(s.code(), ErrorCode::kInvalidDataType);
  EXPECT_NE(s.message().find("'status'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("string"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("number"), std::string::npos) << s.message();
  EXPECT_EQ(store_->tableInfo("Order")->columns.size(), 1u) << "nothing of a refused declaration stays";

  put("Dyn", {{"n", 1}});
  EXPECT_EQ(store_->declareTable("Dyn", {{"n", ValueType::kDate}}).code(), ErrorCode::kInvalidDataType);
}

TEST_F(TableStoreTest, DeclareTableRefusesBadColumnsAndIndexes) {
  struct Case {
    std::vector<ColumnInfo> columns;
    std::vector<std::vector<std::string>> indexes;
  };
  const std::vector<Case> cases = {
      {{{"created", ValueType::kDate}}, {}},
      {{{"OwnerId", ValueType::kString}}, {}},
      {{{"_x", ValueType::kString}}, {}},
      {{{"a b", ValueType::kString}}, {}},
      {{{"dup", ValueType::kString}, {"DUP", ValueType::kString}}, {}},
      {{{"a", ValueType::kString}}, {{}}},
      {{{"a", ValueType::kString}}, {{"missing"}}},
      {{{"a", ValueType::kString}}, {{"a", "a"}}},
      {{{"a", ValueType::kString}}, {{"a", "created", "updated", "ownerId", "objectId", "a2", "a3", "a4", "a5"}}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(store_->declareTable("T", cases[i].columns, cases[i].indexes).code(), ErrorCode::kInvalidArgument)
        << "case " << i;
  }
  EXPECT_TRUE(store_->listTables().empty()) << "a refused declaration creates nothing";

  // At most kMaxIndexesPerTable declared indexes; one more is refused.
  std::vector<ColumnInfo> columns;
  std::vector<std::vector<std::string>> indexes;
  for (size_t i = 0; i <= kMaxIndexesPerTable; ++i) {
    columns.push_back({"c" + std::to_string(i), ValueType::kNumber});
    indexes.push_back({columns.back().name});
  }
  EXPECT_EQ(store_->declareTable("T", columns, indexes).code(), ErrorCode::kInvalidArgument);
  indexes.pop_back();
  EXPECT_TRUE(store_->declareTable("T", columns, indexes).ok());
}

// ---------------------------------------------------------------------------
// Bulk operations

TEST_F(TableStoreTest, BulkCreateIsAllOrNothing) {
  json objects = {{{"n", 1}, {"fresh", "x"}}, {{"n", 2}}, {{"n", "three"}}};
  Result<std::vector<std::string>> r =
      store_->bulkCreate("Bulk", objects, {guid(1), guid(2), guid(3)}, ctx("", 1000, true));
  ASSERT_EQ(r.status().code(), ErrorCode::kInvalidDataType);
  EXPECT_NE(r.status().message().find("Object 2"), std::string::npos) << r.status().message();
  EXPECT_TRUE(store_->listTables().empty()) << "the table made for the first object is rolled back too";

  put("Bulk", {{"n", 0}});
  r = store_->bulkCreate("Bulk", objects, {guid(11), guid(12), guid(13)}, ctx("", 1000, true));
  ASSERT_EQ(r.status().code(), ErrorCode::kInvalidDataType);
  EXPECT_EQ(countAll("Bulk"), 1);
  EXPECT_EQ(store_->tableInfo("Bulk")->find("fresh"), nullptr) << "the column from object 0 is rolled back";

  objects[2]["n"] = 3;
  r = store_->bulkCreate("Bulk", objects, {guid(23), guid(21), guid(22)}, ctx("", 1000, true, "U1"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, (std::vector<std::string>{guid(23), guid(21), guid(22)}));
  EXPECT_EQ((*store_->findById("Bulk", guid(21)))["n"], 2);
  EXPECT_EQ((*store_->findById("Bulk", guid(23)))["fresh"], "x");
  EXPECT_EQ(*store_->count("Bulk", "", "U1"), 3);

  // A duplicate id within the batch fails the whole batch.
  r = store_->bulkCreate("Bulk", {{{"n", 1}}, {{"n", 2}}}, {guid(30), guid(30)}, ctx("", 1000, true));
  EXPECT_EQ(r.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(countAll("Bulk"), 4);
}

TEST_F(TableStoreTest, BulkCreateArguments) {
  json many = json::array();
  std::vector<std::string> ids;
  for (size_t i = 0; i <= kMaxBulkCreate; ++i) {
    many.push_back({{"i", i}});
    ids.push_back(guid(static_cast<int>(i) + 1));
  }
  EXPECT_EQ(store_->bulkCreate("B", many, ids, ctx("")).status().code(), ErrorCode::kInvalidArgument);
  many.erase(many.size() - 1);
  ids.pop_back();
  EXPECT_EQ(store_->bulkCreate("B", many, {guid(1)}, ctx("")).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->bulkCreate("B", {{{"a", 1}}, 5}, {guid(1), guid(2)}, ctx("")).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->bulkCreate("B", {{"a", 1}}, {guid(1)}, ctx("")).status().code(), ErrorCode::kInvalidArgument)
      << "an object is not an array";
  EXPECT_TRUE(store_->listTables().empty());
  Result<std::vector<std::string>> hundred = store_->bulkCreate("B", many, ids, ctx(""));
  ASSERT_TRUE(hundred.ok()) << hundred.status().message();
  EXPECT_EQ(hundred->size(), kMaxBulkCreate);
  EXPECT_EQ(countAll("B"), static_cast<int64_t>(kMaxBulkCreate));

  EXPECT_TRUE(store_->bulkCreate("B", json::array(), {}, ctx("")).ok());
  EXPECT_EQ(store_->bulkCreate("Nope", json::array(), {}, ctx("", 1, false)).status().code(),
            ErrorCode::kUnknownTable);
}

TEST_F(TableStoreTest, BulkUpdateAndDeleteWithWhere) {
  for (int i = 0; i < 10; ++i) put("N", {{"n", i}, {"flag", false}});
  Result<int64_t> updated = store_->bulkUpdate("N", "n >= 5", {{"flag", true}, {"note", "hi"}}, ctx("", 7000));
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_EQ(*updated, 5);
  EXPECT_EQ(countAll("N", "flag = true"), 5);
  EXPECT_EQ(countAll("N", "note = 'hi' AND updated = 7000"), 5);
  EXPECT_EQ(countAll("N", "updated IS NULL"), 5);

  EXPECT_EQ(store_->bulkUpdate("N", "n > 100", {{"flag", true}}, ctx("", 8000)).value(), 0);
  EXPECT_EQ(store_->bulkUpdate("N", "", {{"objectId", "x"}}, ctx("", 8000)).status().code(), ErrorCode::kEmptyUpdate);
  EXPECT_EQ(store_->bulkUpdate("N", "", {{"flag", "yes"}}, ctx("", 8000)).status().code(),
            ErrorCode::kInvalidDataType);
  EXPECT_EQ(countAll("N", "updated = 8000"), 0);

  Result<int64_t> deleted = store_->bulkDelete("N", "n < 3");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 3);
  EXPECT_EQ(countAll("N"), 7);
  // The empty where is every row.
  EXPECT_EQ(store_->bulkUpdate("N", "", {{"note", "all"}}, ctx("", 9000)).value(), 7);
  EXPECT_EQ(store_->bulkDelete("N", "").value(), 7);
  EXPECT_EQ(countAll("N"), 0);
}

// ---------------------------------------------------------------------------
// Limits

TEST_F(TableStoreTest, ObjectAndTableLimits) {
  json big = json::object();
  for (size_t i = 0; i <= kMaxPropertiesPerObject; ++i) big["p" + std::to_string(i)] = 1;
  EXPECT_EQ(store_->create("Wide", big, ctx(guid(1))).status().code(), ErrorCode::kInvalidArgument);

  json wide = json::object();
  for (size_t i = 0; i < kMaxColumnsPerTable; ++i) wide["c" + std::to_string(i)] = 1;
  ASSERT_TRUE(store_->create("Wide", wide, ctx(guid(2))).ok());
  Result<json> r = store_->create("Wide", {{"oneMore", 1}}, ctx(guid(3)));
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("256"), std::string::npos) << r.status().message();
  EXPECT_EQ(store_->declareTable("Wide", {{"oneMore", ValueType::kString}}).code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store_->create("Wide", {{"c0", 2}}, ctx(guid(4))).ok()) << "existing columns still take values";
}

// ---------------------------------------------------------------------------
// Transactions, connections, persistence

TEST_F(TableStoreTest, WritesJoinTheCallersTransaction) {
  {
    Transaction tx(*db_);
    ASSERT_TRUE(store_->create("T", {{"a", 1}}, ctx(guid(1))).ok());
    // A write failing inside the caller's transaction undoes only itself:
    // here the column it added before its insert failed.
    EXPECT_EQ(store_->create("T", {{"b", 1}}, ctx(guid(1))).status().code(), ErrorCode::kAlreadyExists);
    EXPECT_EQ(store_->tableInfo("T")->find("b"), nullptr);
    EXPECT_TRUE(db_->inTransaction()) << "the caller's transaction is still open";
    EXPECT_EQ(countAll("T"), 1);
    // No commit: the caller's rollback takes the table away.
  }
  EXPECT_TRUE(store_->listTables().empty());
  {
    Transaction tx(*db_);
    ASSERT_TRUE(store_->create("T", {{"a", 1}}, ctx(guid(1))).ok());
    tx.commit();
  }
  EXPECT_EQ(countAll("T"), 1);
}

TEST_F(TableStoreTest, AnotherConnectionSeesNewColumns) {
  Database other(tmp_.file("app.db"));
  TableStore second(other);
  put("Shared", {{"a", 1}});
  ASSERT_TRUE(second.create("Shared", {{"b", "x"}}, ctx(guid(100))).ok());
  json row = put("Shared", {{"b", "y"}});
  EXPECT_EQ(row["b"], "y") << "the first connection reads the column the second added";
  EXPECT_EQ(countAll("Shared", "b = 'x'"), 1);
  EXPECT_EQ(store_->create("Shared", {{"b", 5}}, ctx(guid(101))).status().code(), ErrorCode::kInvalidDataType);
}

TEST_F(TableStoreTest, CatalogAndRowsPersistAcrossReopen) {
  ASSERT_TRUE(store_->declareTable("Order", {{"deliverAt", ValueType::kDate}}, {{"deliverAt"}}).ok());
  json row = put("Order", {{"deliverAt", 1000}, {"note", "n"}, {"meta", {{"k", 1}}}}, 1000, "U1");
  reopen();
  EXPECT_EQ(store_->listTables(), std::vector<std::string>{"Order"});
  Result<TableInfo> info = store_->tableInfo("Order");
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->columns.size(), 3u);
  EXPECT_EQ(info->columns[0].name, "deliverAt");
  EXPECT_EQ(info->columns[0].type, ValueType::kDate);
  EXPECT_TRUE(info->columns[0].declared);
  ASSERT_NE(info->find("note"), nullptr);
  EXPECT_EQ(info->find("note")->type, ValueType::kString);
  EXPECT_FALSE(info->find("note")->declared);
  ASSERT_NE(info->find("meta"), nullptr);
  EXPECT_EQ(info->find("meta")->type, ValueType::kJson);
  EXPECT_EQ(*store_->findById("Order", row["objectId"].get<std::string>()), row);
  EXPECT_EQ(*store_->count("Order", "", "U1"), 1);
}

}  // namespace
}  // namespace ck::storage
