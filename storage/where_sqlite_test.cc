// Runs compiled where clauses and sortBy lists against a real SQLite table,
// so the SQL is proven to be valid and to select the right rows, not just to
// look as expected.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "storage/sqlite.h"
#include "storage/test_temp_dir.h"
#include "storage/where.h"
#include "storage/where_test_schema.h"

namespace ck::storage {
namespace {

using Ids = std::vector<int64_t>;

constexpr int64_t kMar23 = 1427068800000;  // 2015-03-23T00:00:00Z

void bindAll(Statement& stmt, const std::vector<SqlValue>& params, int first = 1) {
  int index = first;
  for (const SqlValue& p : params) {
    std::visit([&](const auto& v) { stmt.bind(index, v); }, p);
    ++index;
  }
}

class WhereSqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Declared types as the table store declares them.
    db_.exec(R"(CREATE TABLE "Person" (
                  id INTEGER PRIMARY KEY, "objectId" TEXT, "ownerId" TEXT, "created" INTEGER, "updated" INTEGER,
                  "name" TEXT, "city" TEXT, "age" REAL, "active" INTEGER, "born" INTEGER, "meta" TEXT))");
    struct Row {
      int64_t id;
      SqlValue name, city, age, active, born, meta, updated;
    } rows[] = {
        {1, "Bob", "Tokyo", 30.0, int64_t{1}, kMar23, R"({"a":1})", nullptr},
        {2, "alice", "Paris", 25.5, int64_t{0}, int64_t{346291200000}, nullptr, int64_t{3000}},  // 1980-12-22
        {3, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr},
        {4, "Charlie's Angels", "tokyo", -5.0, int64_t{1}, int64_t{-86400000}, "[]", nullptr},
        {5, "100%", "Rome", 1000.0, int64_t{0}, int64_t{1427106030123}, nullptr, nullptr},
        {6, "a_b", "Zoë", 0.0, int64_t{1}, int64_t{0}, nullptr, nullptr},
        {7, "ab\\c", "Oslo", 42.0, int64_t{0}, int64_t{kMar23 + 86400000}, nullptr, nullptr},
    };
    Statement insert(db_, R"(INSERT INTO "Person" (id, "objectId", "ownerId", "created", "updated", "name", "city",
                               "age", "active", "born", "meta") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))");
    for (const Row& r : rows) {
      insert.reset();
      insert.bind(1, r.id);
      insert.bind(2, std::string(1, static_cast<char>('A' + r.id - 1)) + std::to_string(r.id));  // A1, B2...
      insert.bind(3, r.id % 2 ? "owner-odd" : "owner-even");
      insert.bind(4, r.id * 1000);
      bindAll(insert, {r.updated, r.name, r.city, r.age, r.active, r.born, r.meta}, 5);
      insert.run();
    }
  }

  // The ids of the rows `where` selects, in id order.
  Ids select(const std::string& where) {
    Result<SqlFragment> f = compileWhere(where, table_);
    EXPECT_TRUE(f.ok()) << where << ": " << f.status().message();
    if (!f.ok()) return {};
    return run(R"(SELECT id FROM "Person" WHERE )" + f->sql + " ORDER BY id", f->params);
  }

  Ids run(const std::string& sql, const std::vector<SqlValue>& params) {
    Statement stmt(db_, sql);
    bindAll(stmt, params);
    Ids ids;
    while (stmt.step()) ids.push_back(stmt.columnInt64(0));
    return ids;
  }

  TempDir tmp_;
  Database db_{tmp_.file("where.db")};
  const TableSchema table_ = personTable();
};

TEST_F(WhereSqliteTest, SelectsTheRightRows) {
  struct Case {
    const char* where;
    Ids ids;
  } cases[] = {
      {"", {1, 2, 3, 4, 5, 6, 7}},
      // Strings compare exactly; NULL never matches a comparison.
      {"name = 'Bob'", {1}},
      {"name = 'bob'", {}},
      {"'Bob' = name", {1}},
      {"name != 'Bob'", {2, 4, 5, 6, 7}},
      {"NOT (name = 'Bob')", {2, 4, 5, 6, 7}},
      {"name = 'Charlie''s Angels'", {4}},
      {"name = 'x'' OR ''1''=''1'", {}},
      {"city = 'Zoë'", {6}},
      {"name > 'a' AND name < 'b'", {2, 6, 7}},
      // NULL tests.
      {"name IS NULL", {3}},
      {"name = null", {3}},
      {"name IS NOT NULL", {1, 2, 4, 5, 6, 7}},
      {"null != name", {1, 2, 4, 5, 6, 7}},
      {"meta IS NOT NULL", {1, 4}},
      {"updated IS NULL", {1, 3, 4, 5, 6, 7}},
      // Numbers: integer and real parameters against REAL values.
      {"age > 25", {1, 2, 5, 7}},
      {"age >= 25.5", {1, 2, 5, 7}},
      {"age < 0", {4}},
      {"age = -5", {4}},
      {"age = -5.0", {4}},
      {"age = 1e3", {5}},
      {"-5 = age", {4}},
      {"26 > age", {2, 4, 6}},
      {"age <> 0", {1, 2, 4, 5, 7}},
      {"NOT age > 0", {4, 6}},
      {"age IN (30, 0, 99)", {1, 6}},
      {"age NOT IN (30, 0)", {2, 4, 5, 7}},
      // Booleans.
      {"active = true", {1, 4, 6}},
      {"active = false", {2, 5, 7}},
      {"active != true", {2, 5, 7}},
      {"true = active", {1, 4, 6}},
      // LIKE: ASCII case-insensitive; \ escapes % and _ and itself.
      {"name LIKE 'b%'", {1}},
      {"name LIKE 'A%'", {2, 6, 7}},
      {"name LIKE '%''%'", {4}},
      {"name LIKE '100%'", {5}},
      {"name LIKE '100\\%'", {5}},
      {"name LIKE '1\\%'", {}},
      {"name LIKE 'a_b'", {6}},
      {"name LIKE 'a\\_b'", {6}},
      {"name LIKE 'a\\_%'", {6}},
      {"name LIKE 'ab\\\\c'", {7}},
      {"name LIKE 'ab\\'", {}},  // a trailing escape matches nothing, and is no error
      {"name NOT LIKE '%a%'", {1, 5}},
      {"city LIKE 'TOKYO'", {1, 4}},
      {"city LIKE 'zo%'", {6}},
      {"city LIKE 'ZOË'", {}},  // no case folding outside ASCII
      // IN on strings and system columns.
      {"city IN ('Tokyo', 'Rome')", {1, 5}},
      {"city NOT IN ('Tokyo')", {2, 4, 5, 6, 7}},
      {"objectId IN ('A1', 'C3')", {1, 3}},
      {"ownerId = 'owner-even'", {2, 4, 6}},
      // Dates in each form.
      {"born > '23-Mar-2015'", {5, 7}},
      {"born >= '2015-03-23'", {1, 5, 7}},
      {"born = '03/23/2015'", {1}},
      {"born = 1427068800000", {1}},
      {"born = '1427068800000'", {1}},
      {"born = '2015-03-23T10:20:30.123Z'", {5}},
      {"born = '2015-03-23T12:20:30.123+02:00'", {5}},
      {"born after '1980-12-21' AND born before '1980-12-23'", {2}},
      {"born before '1970-01-01'", {4}},
      {"born at or before 0", {4, 6}},
      {"born at or after '03/24/2015'", {7}},
      {"born AFTER 'Mon, 23 Mar 2015 10:20:30 GMT'", {5, 7}},
      {"born IN ('22-Dec-1980', 0)", {2, 6}},
      {"'2015-03-23' < born", {5, 7}},
      {"created > 3000 AND updated IS NULL", {4, 5, 6, 7}},
      {"created at or before 2000", {1, 2}},
      // Precedence and grouping.
      {"name = 'Bob' OR name = 'alice' AND age > 100", {1}},
      {"(name = 'Bob' OR name = 'alice') AND age > 26", {1}},
      {"(name = 'Bob' OR name = 'alice') AND age > 20", {1, 2}},
      {"NOT (name = 'Bob' OR name IS NULL) AND active = true", {4, 6}},
      {"NOT NOT active = true", {1, 4, 6}},
      {"age > 0 AND (city LIKE 't%' OR born < 0) OR objectId = 'C3'", {1, 3}},
  };
  for (const Case& c : cases) EXPECT_EQ(select(c.where), c.ids) << c.where;
}

// The fragment combines with more conditions without extra parentheses, as
// the table store adds owner narrowing.
TEST_F(WhereSqliteTest, FragmentsCombineWithOtherConditions) {
  Result<SqlFragment> f = compileWhere("name = 'Bob' OR name = 'alice'", table_);
  ASSERT_TRUE(f.ok());
  std::vector<SqlValue> params = f->params;
  params.push_back(int64_t{1});
  EXPECT_EQ(run(R"(SELECT id FROM "Person" WHERE )" + f->sql + " AND id > ? ORDER BY id", params), Ids{2});

  f = compileWhere("NOT active = true", table_);
  ASSERT_TRUE(f.ok());
  params = f->params;
  params.push_back("owner-odd");
  EXPECT_EQ(run(R"(SELECT id FROM "Person" WHERE )" + f->sql + R"( AND "ownerId" = ? ORDER BY id)", params),
            (Ids{5, 7}));
}

// The largest clauses the default limits let through stay inside SQLite's
// own limits (expression depth, parameters) and still mean what they say.
TEST_F(WhereSqliteTest, LargestClausesRun) {
  const WhereLimits limits;
  // maxTerms conditions in one flat OR list, inside maxDepth parentheses.
  std::string terms;
  for (size_t i = 0; i + 1 < limits.maxTerms; ++i) terms += "age = " + std::to_string(100 + i) + " OR ";
  terms += "name = 'Bob'";
  std::string deepest = std::string(limits.maxDepth, '(') + terms + std::string(limits.maxDepth, ')');
  EXPECT_EQ(select(deepest), Ids{1});

  // maxDepth NOTs (an even number: the same as none).
  std::string nots;
  for (size_t i = 0; i < limits.maxDepth; ++i) nots += "NOT ";
  ASSERT_EQ(limits.maxDepth % 2, 0u);
  EXPECT_EQ(select(nots + "active = true"), (Ids{1, 4, 6}));

  // Nested groups alternating AND and OR down to maxDepth, each level with a
  // condition of its own.
  std::string nested = "age = 42";
  for (size_t i = 0; i + 1 < limits.maxDepth; ++i) {
    nested = "(" + nested + (i % 2 ? " AND " : " OR ") + "age = " + std::to_string(1000 + i) + ")";
  }
  EXPECT_EQ(select(nested), Ids{});

  // Several full IN lists, as long as the length allows.
  std::string in = "city IN (";
  for (size_t i = 0; i + 1 < limits.maxInItems; ++i) in += "'',";
  in += "'Rome') OR age IN (";
  for (size_t i = 0; i + 1 < limits.maxInItems; ++i) in += "1,";
  in += "30)";
  ASSERT_LE(in.size(), limits.maxLength);
  Result<SqlFragment> f = compileWhere(in, table_);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->params.size(), 2 * limits.maxInItems);
  EXPECT_EQ(select(in), (Ids{1, 5}));
}

TEST_F(WhereSqliteTest, SortByOrdersRows) {
  struct Case {
    std::vector<std::string> sortBy;
    Ids ids;
  } cases[] = {
      {{"age desc"}, {5, 7, 1, 2, 6, 4, 3}},  // NULL sorts first ascending, last descending
      {{"age"}, {3, 4, 6, 2, 1, 7, 5}},
      {{"active DESC", "name ASC"}, {1, 4, 6, 5, 7, 2, 3}},
      {{"ownerId desc,created desc"}, {7, 5, 3, 1, 6, 4, 2}},
  };
  for (const Case& c : cases) {
    Result<std::string> order = compileSortBy(c.sortBy, table_);
    ASSERT_TRUE(order.ok()) << order.status().message();
    EXPECT_EQ(run(R"(SELECT id FROM "Person" ORDER BY )" + *order, {}), c.ids) << *order;
  }
}

}  // namespace
}  // namespace ck::storage
