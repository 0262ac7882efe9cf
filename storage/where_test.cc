#include "storage/where.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "storage/where_test_schema.h"

namespace ck::storage {
namespace {

using Params = std::vector<SqlValue>;

std::string show(const SqlValue& v) {
  if (std::holds_alternative<std::nullptr_t>(v)) return "NULL";
  if (const int64_t* i = std::get_if<int64_t>(&v)) return "int " + std::to_string(*i);
  if (const double* d = std::get_if<double>(&v)) return "real " + std::to_string(*d);
  return "text '" + std::get<std::string>(v) + "'";
}

std::string show(const Params& ps) {
  std::string out = "[";
  for (const SqlValue& p : ps) out += (out.size() > 1 ? ", " : "") + show(p);
  return out + "]";
}

constexpr int64_t kMar23 = 1427068800000;  // 2015-03-23T00:00:00Z

TEST(WhereTest, ValidClauses) {
  const TableSchema table = personTable();
  struct Case {
    std::string where;
    std::string sql;
    Params params;
  } cases[] = {
      // Blank.
      {"", "1", {}},
      {" \t\r\n ", "1", {}},
      // Each comparison operator; != and <> are one.
      {"name = 'Bob'", R"("name" = ?)", {"Bob"}},
      {"name != 'Bob'", R"("name" <> ?)", {"Bob"}},
      {"name <> 'Bob'", R"("name" <> ?)", {"Bob"}},
      {"age < 5", R"("age" < ?)", {int64_t{5}}},
      {"age > 5", R"("age" > ?)", {int64_t{5}}},
      {"age <= 5", R"("age" <= ?)", {int64_t{5}}},
      {"age >= 5", R"("age" >= ?)", {int64_t{5}}},
      {"name < 'm'", R"("name" < ?)", {"m"}},
      // Numbers: negative, decimal, exponent, limits.
      {"age = -5", R"("age" = ?)", {int64_t{-5}}},
      {"age = - 5", R"("age" = ?)", {int64_t{-5}}},
      {"age = 0", R"("age" = ?)", {int64_t{0}}},
      {"age = 1.5", R"("age" = ?)", {1.5}},
      {"age = -0.25", R"("age" = ?)", {-0.25}},
      {"age = .5", R"("age" = ?)", {0.5}},
      {"age = 5.", R"("age" = ?)", {5.0}},
      {"age = 2e3", R"("age" = ?)", {2000.0}},
      {"age = -1.5E+3", R"("age" = ?)", {-1500.0}},
      {"age = 25e-2", R"("age" = ?)", {0.25}},
      {"age = 007", R"("age" = ?)", {int64_t{7}}},
      {"age = 9223372036854775807", R"("age" = ?)", {INT64_MAX}},
      {"age = -9223372036854775808", R"("age" = ?)", {INT64_MIN}},
      {"age = 9223372036854775808", R"("age" = ?)", {9223372036854775808.0}},
      // Strings: '' is a quote; anything else inside is just text.
      {"name = 'Charlie''s Angels'", R"("name" = ?)", {"Charlie's Angels"}},
      {"name = ''", R"("name" = ?)", {""}},
      {"name = ''''", R"("name" = ?)", {"'"}},
      {"name = 'a;b--c/*d*/#e\"f`g'", R"("name" = ?)", {"a;b--c/*d*/#e\"f`g"}},
      {"name = 'x'' OR ''1''=''1'", R"("name" = ?)", {"x' OR '1'='1"}},
      {"name = '); DROP TABLE Person; --'", R"("name" = ?)", {"); DROP TABLE Person; --"}},
      {"name = 'Zoë 日本 😀'", R"("name" = ?)", {"Zoë 日本 😀"}},
      {"name = 'line\nbreak'", R"("name" = ?)", {"line\nbreak"}},
      {"name = 'back\\slash'", R"("name" = ?)", {"back\\slash"}},
      // Booleans.
      {"active = true", R"("active" = ?)", {int64_t{1}}},
      {"active = FALSE", R"("active" = ?)", {int64_t{0}}},
      {"active != True", R"("active" <> ?)", {int64_t{1}}},
      {"active <> false", R"("active" <> ?)", {int64_t{0}}},
      // LIKE.
      {"name LIKE 'J%'", R"("name" LIKE ? ESCAPE '\')", {"J%"}},
      {"name like '_o%'", R"("name" LIKE ? ESCAPE '\')", {"_o%"}},
      {"name NOT LIKE '%x%'", R"("name" NOT LIKE ? ESCAPE '\')", {"%x%"}},
      {"name not like '100\\%'", R"("name" NOT LIKE ? ESCAPE '\')", {"100\\%"}},
      {"objectId LIKE 'A%'", R"("objectId" LIKE ? ESCAPE '\')", {"A%"}},
      // IN.
      {"name IN ('a', 'b', 'c')", R"("name" IN (?, ?, ?))", {"a", "b", "c"}},
      {"name in('a','b')", R"("name" IN (?, ?))", {"a", "b"}},
      {"objectId IN ('A')", R"("objectId" IN (?))", {"A"}},
      {"age NOT IN (1, 2.5, -3)", R"("age" NOT IN (?, ?, ?))", {int64_t{1}, 2.5, int64_t{-3}}},
      {"age not in ( 1 )", R"("age" NOT IN (?))", {int64_t{1}}},
      // IS [NOT] NULL, and = / != null.
      {"name IS NULL", R"("name" IS NULL)", {}},
      {"name is not null", R"("name" IS NOT NULL)", {}},
      {"meta IS NULL", R"("meta" IS NULL)", {}},
      {"meta IS NOT NULL", R"("meta" IS NOT NULL)", {}},
      {"active IS NULL", R"("active" IS NULL)", {}},
      {"name = null", R"("name" IS NULL)", {}},
      {"name != NULL", R"("name" IS NOT NULL)", {}},
      {"name <> null", R"("name" IS NOT NULL)", {}},
      {"null = name", R"("name" IS NULL)", {}},
      {"NULL != age", R"("age" IS NOT NULL)", {}},
      {"meta = null", R"("meta" IS NULL)", {}},
      {"born = null", R"("born" IS NULL)", {}},
      // AND, OR, NOT, precedence and parentheses.
      {"age > 5 AND name = 'x'", R"(("age" > ? AND "name" = ?))", {int64_t{5}, "x"}},
      {"age = 1 OR age = 2", R"(("age" = ? OR "age" = ?))", {int64_t{1}, int64_t{2}}},
      {"age = 1 OR age = 2 AND name = 'x'", R"(("age" = ? OR ("age" = ? AND "name" = ?)))",
       {int64_t{1}, int64_t{2}, "x"}},
      {"age = 1 AND age = 2 OR name = 'x'", R"((("age" = ? AND "age" = ?) OR "name" = ?))",
       {int64_t{1}, int64_t{2}, "x"}},
      {"(age = 1 OR age = 2) AND name = 'x'", R"((("age" = ? OR "age" = ?) AND "name" = ?))",
       {int64_t{1}, int64_t{2}, "x"}},
      {"age = 1 AND age = 2 AND age = 3", R"(("age" = ? AND "age" = ? AND "age" = ?))",
       {int64_t{1}, int64_t{2}, int64_t{3}}},
      {"age = 1 aNd age = 2 Or age = 3", R"((("age" = ? AND "age" = ?) OR "age" = ?))",
       {int64_t{1}, int64_t{2}, int64_t{3}}},
      {"NOT age = 1", R"(NOT ("age" = ?))", {int64_t{1}}},
      {"not (age = 1 OR age = 2)", R"(NOT ("age" = ? OR "age" = ?))", {int64_t{1}, int64_t{2}}},
      {"NOT NOT age = 1", R"(NOT (NOT ("age" = ?)))", {int64_t{1}}},
      {"NOT age = 1 AND name = 'x'", R"((NOT ("age" = ?) AND "name" = ?))", {int64_t{1}, "x"}},
      {"NOT (age = 1) OR NOT name IS NULL", R"((NOT ("age" = ?) OR NOT ("name" IS NULL)))", {int64_t{1}}},
      {"age = 1 AND NOT (name LIKE 'a%' OR name IS NULL)",
       R"(("age" = ? AND NOT ("name" LIKE ? ESCAPE '\' OR "name" IS NULL)))", {int64_t{1}, "a%"}},
      {"((age = 1))", R"("age" = ?)", {int64_t{1}}},
      {"((age = 1) OR ((age = 2)))", R"(("age" = ? OR "age" = ?))", {int64_t{1}, int64_t{2}}},
      {"(age = 1 OR age = 2) OR age = 3", R"((("age" = ? OR "age" = ?) OR "age" = ?))",
       {int64_t{1}, int64_t{2}, int64_t{3}}},
      // Whitespace variety.
      {"age>5", R"("age" > ?)", {int64_t{5}}},
      {"age\t=\n5", R"("age" = ?)", {int64_t{5}}},
      {"  name='x'  ", R"("name" = ?)", {"x"}},
      {"(age=1)or(age=2)", R"(("age" = ? OR "age" = ?))", {int64_t{1}, int64_t{2}}},
      {"age<>-1", R"("age" <> ?)", {int64_t{-1}}},
      {"age<=-1", R"("age" <= ?)", {int64_t{-1}}},
      // Value first: turned around.
      {"5 < age", R"("age" > ?)", {int64_t{5}}},
      {"5 <= age", R"("age" >= ?)", {int64_t{5}}},
      {"5 > age", R"("age" < ?)", {int64_t{5}}},
      {"5 >= age", R"("age" <= ?)", {int64_t{5}}},
      {"-1.5 = age", R"("age" = ?)", {-1.5}},
      {"'Bob' = name", R"("name" = ?)", {"Bob"}},
      {"'x' != name", R"("name" <> ?)", {"x"}},
      {"true = active", R"("active" = ?)", {int64_t{1}}},
      {"'2015-03-23' < born", R"("born" > ?)", {kMar23}},
      // Dates: epoch ms, strings in each format, keyword forms.
      {"born > 1427068800000", R"("born" > ?)", {kMar23}},
      {"born = -86400000", R"("born" = ?)", {int64_t{-86400000}}},
      {"born = 1.4270688e12", R"("born" = ?)", {kMar23}},
      {"born = '1427068800000'", R"("born" = ?)", {kMar23}},
      {"born > '2015-03-23'", R"("born" > ?)", {kMar23}},
      {"born > '23-Mar-2015'", R"("born" > ?)", {kMar23}},
      {"born > '03/23/2015'", R"("born" > ?)", {kMar23}},
      {"born > '03/23/2015 10:20:30'", R"("born" > ?)", {int64_t{1427106030000}}},
      {"born > '2015-03-23T10:20:30.123Z'", R"("born" > ?)", {int64_t{1427106030123}}},
      {"born > '2015-03-23T10:20:30+02:00'", R"("born" > ?)", {int64_t{1427098830000}}},
      {"born >= '10/28/1988 00:00:00 GMT-0200'", R"("born" >= ?)", {int64_t{594007200000}}},
      {"born < 'Mon, 23 Mar 2015 10:20:30 GMT'", R"("born" < ?)", {int64_t{1427106030000}}},
      {"born after 1427068800000", R"("born" > ?)", {kMar23}},
      {"born AFTER '23-Mar-2015'", R"("born" > ?)", {kMar23}},
      {"born before '2015-03-23'", R"("born" < ?)", {kMar23}},
      {"born at or after '23-Mar-2015'", R"("born" >= ?)", {kMar23}},
      {"born AT OR BEFORE 0", R"("born" <= ?)", {int64_t{0}}},
      {"born At Or After -1", R"("born" >= ?)", {int64_t{-1}}},
      {"born IN ('2015-03-23', 0)", R"("born" IN (?, ?))", {kMar23, int64_t{0}}},
      {"created after '2015-03-23' and updated before 1427068800000", R"(("created" > ? AND "updated" < ?))",
       {kMar23, kMar23}},
      // Column names that are also keywords elsewhere stay columns here.
      {"objectId = 'A' OR ownerId = 'B'", R"(("objectId" = ? OR "ownerId" = ?))", {"A", "B"}},
  };
  for (const Case& c : cases) {
    Result<SqlFragment> f = compileWhere(c.where, table);
    ASSERT_TRUE(f.ok()) << c.where << " -> " << f.status().message();
    EXPECT_EQ(f->sql, c.sql) << c.where;
    EXPECT_EQ(f->params, c.params) << c.where << ": got " << show(f->params) << ", want " << show(c.params);
  }
}

struct Invalid {
  std::string where;
  std::string message;
};

void expectInvalid(const std::vector<Invalid>& cases, const TableSchema& table, const WhereLimits& limits = {}) {
  for (const Invalid& c : cases) {
    Result<SqlFragment> f = compileWhere(c.where, table, limits);
    ASSERT_FALSE(f.ok()) << c.where << " compiled to " << f->sql;
    EXPECT_EQ(f.status().code(), ErrorCode::kInvalidWhere) << c.where;
    EXPECT_EQ(f.status().message(), c.message) << c.where;
  }
}

TEST(WhereTest, InvalidClauses) {
  const std::string p = "Invalid where clause at position ";
  expectInvalid(
      {
          // Columns.
          {"foo = 1", p + "1: unknown column 'foo'"},
          {"Name = 'x'", p + "1: unknown column 'Name' (did you mean 'name'?)"},
          {"age = 1 AND notacolumn > 2", p + "13: unknown column 'notacolumn'"},
          {"_name = 'x'", p + "1: unknown column '_name'"},
          {"age = name", p + "7: comparing two columns is not supported ('name' is a column)"},
          {"address.city = 'Tokyo'", p + "1: relations are not supported: 'address.city'"},
          {"PhoneBook[contacts].objectId = 'x'", p + "1: relations are not supported: 'PhoneBook[contacts'"},
          {"name.length > 1", p + "1: relations are not supported: 'name.length'"},
          // Strings, characters, comments.
          {"name = 'abc", p + "8: unterminated string"},
          {"name = 'it''s", p + "8: unterminated string"},
          {"name = \"Bob\"", p + "8: unexpected character '\"' (strings take single quotes)"},
          {"name = `x`", p + "8: unexpected character '`'"},
          {"age = 1; DROP TABLE Person", p + "8: unexpected character ';'"},
          {"age = 1 -- comment", p + "9: comments are not allowed"},
          {"age = --5", p + "7: comments are not allowed"},
          {"age = 1 /* x */", p + "9: comments are not allowed"},
          {"age = 1 # x", p + "9: unexpected character '#'"},
          {"age ! 5", p + "5: unexpected character '!'"},
          {"age = 1 AND age = 2 \\", p + "21: unexpected character '\\'"},
          {"name = 'x' é", p + "12: unexpected character U+00E9"},
          {"age\u00a0= 1", p + "4: unexpected character U+00A0"},
          {"name = 'é' foo", p + "12: expected AND, OR or the end of the clause, found 'foo'"},
          {"name = '\xff'", p + "9: invalid UTF-8"},
          {"name = '\xc3'", p + "9: invalid UTF-8"},
          {"name = '\xc0\xaf'", p + "9: invalid UTF-8"},        // overlong '/'
          {"name = '\xed\xa0\x80'", p + "9: invalid UTF-8"},    // a surrogate
          {std::string("name = 'a\0b'", 12), p + "10: unexpected character U+0000"},
          {std::string("\0", 1), p + "1: unexpected character U+0000"},
          // Numbers.
          {"age = 12abc", p + "7: invalid number '12abc'"},
          {"age = 1.2.3", p + "7: invalid number '1.2.3'"},
          {"age = 1e", p + "7: invalid number '1e'"},
          {"age = 1e+", p + "7: invalid number '1e+'"},
          {"age = 1e999", p + "7: number out of range: '1e999'"},
          {"age = -1e999", p + "7: number out of range: '-1e999'"},
          {"age = 1e-999", p + "7: number out of range: '1e-999'"},
          {"age = -x", p + "8: expected a number after '-', found 'x'"},
          {"age = -", p + "8: expected a number after '-'"},
          // Missing or misplaced parts.
          {"age =", p + "6: expected a value after '='"},
          {"age = ", p + "7: expected a value after '='"},
          {"age >= )", p + "8: expected a value after '>=', found ')'"},
          {"age == 5", p + "6: expected a value after '=', found '='"},
          {"age = bob", p + "7: expected a value after '=', found 'bob' (strings take single quotes)"},
          {"age = 1 xyz", p + "9: expected AND, OR or the end of the clause, found 'xyz'"},
          {"age = 1 'x'", p + "9: expected AND, OR or the end of the clause, found a string"},
          {"age = 1 AND", p + "12: expected a condition"},
          {"AND age = 1", p + "1: expected a condition, found 'AND'"},
          {"age = 1 OR OR age = 2", p + "12: expected a condition, found 'OR'"},
          {"()", p + "2: expected a condition, found ')'"},
          {",", p + "1: expected a condition, found ','"},
          {"NOT", p + "4: expected a condition"},
          {"name", p + "5: expected an operator after 'name'"},
          {"name 'x'", p + "6: expected an operator after 'name', found a string"},
          {"name = 'x' AND age", p + "19: expected an operator after 'age'"},
          {"age BETWEEN 1 AND 2", p + "5: expected an operator after 'age', found 'BETWEEN'"},
          {"name NOT = 'x'", p + "10: expected LIKE or IN after NOT, found '='"},
          {"name IS 5", p + "9: expected NULL or NOT NULL after IS, found '5'"},
          {"name IS NOT 'x'", p + "13: expected NULL after IS NOT, found a string"},
          {"name IS", p + "8: expected NULL or NOT NULL after IS"},
          {"1 = 1", p + "5: expected a column name after '=' (one side of a comparison must be a column), found '1'"},
          {"'a' = 'a'", p + "7: expected a column name after '=' (one side of a comparison must be a column), found a string"},
          {"true = null", p + "8: expected a column name after '=' (one side of a comparison must be a column), found 'null'"},
          {"5 age", p + "3: expected a comparison operator after the value, found 'age'"},
          {"true", p + "5: expected a comparison operator after the value"},
          {"5 LIKE name", p + "3: expected a comparison operator after the value, found 'LIKE'"},
          // Parentheses.
          {"age = 1)", p + "8: ')' without a matching '('"},
          {"(age = 1", p + "9: expected ')' to close the '(' at position 1"},
          {"((age = 1)", p + "11: expected ')' to close the '(' at position 1"},
          {"age = 1 AND (name = 'x'", p + "24: expected ')' to close the '(' at position 13"},
          {"(age = 1 name = 'x')", p + "10: expected ')' to close the '(' at position 1, found 'name'"},
          // Types.
          {"name = 5", p + "8: column 'name' is of type string: expected a quoted string, found a number"},
          {"name > true", p + "8: column 'name' is of type string: expected a quoted string, found 'true'"},
          {"age = '5'", p + "7: column 'age' is of type number: expected a number, found a string"},
          {"age = true", p + "7: column 'age' is of type number: expected a number, found 'true'"},
          {"'5' < age", p + "1: column 'age' is of type number: expected a number, found a string"},
          {"age LIKE '5%'", p + "5: LIKE applies to string columns only; column 'age' is of type number"},
          {"born NOT LIKE '2015%'", p + "10: LIKE applies to string columns only; column 'born' is of type date"},
          {"name LIKE null", p + "11: expected a quoted pattern after LIKE, found 'null'"},
          {"name LIKE 5", p + "11: expected a quoted pattern after LIKE, found '5'"},
          {"name LIKE", p + "10: expected a quoted pattern after LIKE"},
          {"active = 1", p + "10: column 'active' is of type boolean: expected true or false, found a number"},
          {"active = 'true'", p + "10: column 'active' is of type boolean: expected true or false, found a string"},
          {"active > true", p + "8: column 'active' is of type boolean: only = and != apply"},
          {"false <= active", p + "7: column 'active' is of type boolean: only = and != apply"},
          {"active IN (true)", p + "8: IN applies to string, number and date columns; column 'active' is of type boolean"},
          {"meta = '{}'", p + "6: column 'meta' is of type JSON: only IS NULL and IS NOT NULL apply"},
          {"meta LIKE 'a'", p + "6: LIKE applies to string columns only; column 'meta' is of type JSON"},
          {"meta IN ('a')", p + "6: IN applies to string, number and date columns; column 'meta' is of type JSON"},
          {"born = 'yesterday'", p + "8: column 'born' is of type date: cannot read 'yesterday' as a date (not a date in a supported format)"},
          {"born > '2015-02-30'", p + "8: column 'born' is of type date: cannot read '2015-02-30' as a date (no such date or time)"},
          {"born > '13/01/2015'", p + "8: column 'born' is of type date: cannot read '13/01/2015' as a date (no such date or time)"},
          {"born = 1.5", p + "8: column 'born' is of type date: expected whole epoch milliseconds, found '1.5'"},
          {"born = 1e19", p + "8: column 'born' is of type date: expected whole epoch milliseconds, found '1e19'"},
          {"born = true", p + "8: column 'born' is of type date: expected epoch milliseconds or a quoted date, found 'true'"},
          {"age after 5", p + "5: AFTER applies to date columns only; column 'age' is of type number"},
          {"name before 'x'", p + "6: BEFORE applies to date columns only; column 'name' is of type string"},
          {"age at or after 5", p + "5: AT OR AFTER applies to date columns only; column 'age' is of type number"},
          {"born at after 5", p + "9: expected OR AFTER or OR BEFORE after AT, found 'after'"},
          {"born at or 5", p + "12: expected OR AFTER or OR BEFORE after AT, found '5'"},
          {"born at", p + "8: expected OR AFTER or OR BEFORE after AT"},
          {"born after", p + "11: expected a value after AFTER"},
          {"born at or before", p + "18: expected a value after AT OR BEFORE"},
          // null.
          {"age < null", p + "7: null can only be compared with = or != (or use IS NULL)"},
          {"born after null", p + "12: null can only be compared with = or != (or use IS NULL)"},
          {"null >= age", p + "1: null can only be compared with = or != (or use IS NULL)"},
          // IN lists.
          {"age IN ()", p + "9: empty IN list"},
          {"age IN (1, 2", p + "13: expected ',' or ')' in the IN list"},
          {"age IN (1 2)", p + "11: expected ',' or ')' in the IN list, found '2'"},
          {"age IN (1,)", p + "11: expected a value in the IN list, found ')'"},
          {"age IN 1", p + "8: expected '(' after IN, found '1'"},
          {"age IN", p + "7: expected '(' after IN"},
          {"age IN (1, null)", p + "12: null is not allowed in an IN list (use IS NULL)"},
          {"name IN ('a', 1)", p + "15: column 'name' is of type string: expected a quoted string, found a number"},
          {"age NOT IN (SELECT age FROM Person)",
           p + "13: expected a value in the IN list, found 'SELECT' (strings take single quotes)"},
          {"age IN (age)", p + "9: comparing two columns is not supported ('age' is a column)"},
      },
      personTable());
}

// Quoted parts of the input are cut, so a message stays short whatever the input.
TEST(WhereTest, MessagesQuoteBoundedExcerpts) {
  const TableSchema table = personTable();
  std::string longName(500, 'a');
  Result<SqlFragment> f = compileWhere(longName + " = 1", table);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(),
            "Invalid where clause at position 1: unknown column '" + std::string(32, 'a') + "...'");

  f = compileWhere("born = '" + std::string(300, '9') + "x'", table);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), "Invalid where clause at position 8: column 'born' is of type date: cannot read '" +
                                      std::string(32, '9') + "...' as a date (not a date in a supported format)");

  // Control characters in an excerpt are shown as '?'; multibyte characters
  // are counted, and never cut, as one.
  f = compileWhere("born = 'a\tb\x1b" + std::string(40, '\xc3') + "'", table);
  ASSERT_FALSE(f.ok());  // invalid UTF-8 (lone lead bytes)
  f = compileWhere("born = 'a\tb\x1b" + [] {
    std::string s;
    for (int i = 0; i < 40; ++i) s += "é";
    return s;
  }() + "'",
                   table);
  ASSERT_FALSE(f.ok());
  std::string expected = "a?b?";
  for (int i = 0; i < 28; ++i) expected += "é";
  EXPECT_EQ(f.status().message(), "Invalid where clause at position 8: column 'born' is of type date: cannot read '" +
                                      expected + "...' as a date (not a date in a supported format)");
}

TEST(WhereTest, Limits) {
  const TableSchema table = personTable();
  const std::string p = "Invalid where clause at position ";

  // Length, in bytes.
  EXPECT_EQ(compileWhere(std::string(8192, ' '), table)->sql, "1");
  Result<SqlFragment> f = compileWhere(std::string(8193, ' '), table);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), ErrorCode::kInvalidWhere);
  EXPECT_EQ(f.status().message(), "Invalid where clause: longer than the limit of 8192 bytes");
  f = compileWhere("name = 'é'", table, WhereLimits{.maxLength = 11});
  EXPECT_TRUE(f.ok());
  f = compileWhere("name = 'é'", table, WhereLimits{.maxLength = 10});
  EXPECT_EQ(f.status().message(), "Invalid where clause: longer than the limit of 10 bytes");

  // Depth: parentheses and NOTs both count.
  auto nested = [](size_t n) { return std::string(n, '(') + "age = 1" + std::string(n, ')'); };
  f = compileWhere(nested(32), table);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->sql, R"("age" = ?)");
  expectInvalid({{nested(33), p + "33: nesting deeper than the limit of 32 levels"}}, table);
  std::string nots;
  for (int i = 0; i < 32; ++i) nots += "NOT ";
  EXPECT_TRUE(compileWhere(nots + "age = 1", table).ok());
  expectInvalid({{nots + "NOT age = 1", p + "129: nesting deeper than the limit of 32 levels"}}, table);
  WhereLimits shallow{.maxDepth = 2};
  EXPECT_TRUE(compileWhere("NOT (age = 1) AND (NOT age = 2)", table, shallow).ok());
  expectInvalid({{"NOT (NOT age = 1)", p + "6: nesting deeper than the limit of 2 levels"},
                 {"(age = 1 OR (NOT age = 2))", p + "14: nesting deeper than the limit of 2 levels"}},
                table, shallow);
  expectInvalid({{"(age = 1)", p + "1: nesting deeper than the limit of 0 levels"}}, table,
                WhereLimits{.maxDepth = 0});

  // Terms: every condition counts, wherever it is.
  auto terms = [](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += (i ? " OR " : "") + std::string("age = 1");
    return s;
  };
  f = compileWhere(terms(256), table);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->params.size(), 256u);
  expectInvalid({{terms(257), p + "2817: more than the limit of 256 conditions"}}, table);
  expectInvalid({{"age = 1 AND (name IS NULL OR 5 < age)", p + "30: more than the limit of 2 conditions"}}, table,
                WhereLimits{.maxTerms = 2});

  // IN items, per list.
  auto inList = [](size_t n) {
    std::string s = "age IN (";
    for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + std::to_string(i % 10);
    return s + ")";
  };
  f = compileWhere(inList(1000), table);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->params.size(), 1000u);
  EXPECT_EQ(f->params[999], SqlValue(int64_t{9}));
  expectInvalid({{inList(1001), p + "3009: more than the limit of 1000 values in an IN list"}}, table);
  WhereLimits few{.maxInItems = 2};
  EXPECT_TRUE(compileWhere("age IN (1, 2) AND name IN ('a', 'b')", table, few).ok());
  expectInvalid({{"age IN (1, 2, 3)", p + "15: more than the limit of 2 values in an IN list"}}, table, few);
}

TEST(WhereTest, ColumnsAreCheckedAgainstTheSchema) {
  // A schema entry that is not a valid name never reaches SQL, even when the
  // input names it.
  TableSchema odd{"T", {{"ok", ValueType::kNumber}, {"bad\"name", ValueType::kNumber}, {"_x", ValueType::kNumber}}};
  EXPECT_EQ(compileWhere("ok = 1", odd)->sql, R"("ok" = ?)");
  EXPECT_EQ(compileWhere("_x = 1", odd).status().message(), "Invalid where clause at position 1: unknown column '_x'");
  // Without system columns, objectId is unknown too.
  EXPECT_EQ(compileWhere("objectId = 'a'", odd).status().message(),
            "Invalid where clause at position 1: unknown column 'objectId'");
  // A name of 64 characters is fine, 65 is not.
  std::string n64 = "a" + std::string(63, 'b');
  std::string n65 = "a" + std::string(64, 'b');
  TableSchema wide{"W", {{n64, ValueType::kNumber}, {n65, ValueType::kNumber}}};
  EXPECT_EQ(compileWhere(n64 + " = 1", wide)->sql, "\"" + n64 + "\" = ?");
  EXPECT_FALSE(compileWhere(n65 + " = 1", wide).ok());
}

TEST(WhereTest, SortBy) {
  const TableSchema table = personTable();
  struct Case {
    std::vector<std::string> sortBy;
    std::string sql;
  } cases[] = {
      {{}, ""},
      {{"name"}, R"("name" ASC)"},
      {{"name desc", "created ASC"}, R"("name" DESC, "created" ASC)"},
      {{"age DESC"}, R"("age" DESC)"},
      {{"age Desc", "name asc"}, R"("age" DESC, "name" ASC)"},
      {{"name desc,age"}, R"("name" DESC, "age" ASC)"},
      {{"name desc, age asc", "born"}, R"("name" DESC, "age" ASC, "born" ASC)"},
      {{"", " ", ","}, ""},  // the SDK sends sortBy= for an empty list
      {{"  name   Desc  "}, R"("name" DESC)"},
      {{"name\tdesc"}, R"("name" DESC)"},
      {{"objectId"}, R"("objectId" ASC)"},
  };
  for (const Case& c : cases) {
    Result<std::string> s = compileSortBy(c.sortBy, table);
    ASSERT_TRUE(s.ok()) << s.status().message();
    EXPECT_EQ(*s, c.sql);
  }

  struct Bad {
    std::vector<std::string> sortBy;
    std::string message;
  } bad[] = {
      {{"foo"}, "Invalid sortBy: unknown column 'foo'"},
      {{"Name"}, "Invalid sortBy: unknown column 'Name'"},
      {{"name", "foo desc"}, "Invalid sortBy: unknown column 'foo'"},
      {{"-name"}, "Invalid sortBy: unknown column '-name' (write 'name DESC' to sort descending)"},
      {{"name up"}, "Invalid sortBy: expected ASC or DESC after the column name in 'name up'"},
      {{"name desc asc"}, "Invalid sortBy: expected ASC or DESC after the column name in 'name desc asc'"},
      {{"name; DROP TABLE Person"}, "Invalid sortBy: unknown column 'name;'"},
      {{"\"name\""}, "Invalid sortBy: unknown column '\"name\"'"},
      {{"name\xff"}, "Invalid sortBy: unknown column 'name?'"},
      {{"name " + std::string(100, 'x')}, "Invalid sortBy: expected ASC or DESC after the column name in 'name " +
                                              std::string(27, 'x') + "...'"},
      {{"address.city"}, "Invalid sortBy: unknown column 'address.city'"},
  };
  for (const Bad& b : bad) {
    Result<std::string> s = compileSortBy(b.sortBy, table);
    ASSERT_FALSE(s.ok()) << b.message;
    EXPECT_EQ(s.status().code(), ErrorCode::kInvalidWhere);
    EXPECT_EQ(s.status().message(), b.message);
  }

  std::vector<std::string> many(kMaxSortItems, "name");
  EXPECT_TRUE(compileSortBy(many, table).ok());
  many.push_back("age");
  EXPECT_EQ(compileSortBy(many, table).status().message(), "Invalid sortBy: more than the limit of 32 items");
}

TEST(WhereTest, QuoteIdentifier) {
  EXPECT_EQ(quoteIdentifier("name"), "\"name\"");
  EXPECT_EQ(quoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(quoteIdentifier(""), "\"\"");
}

TEST(WhereTest, Schema) {
  TableSchema t = TableSchema::withSystemColumns("T", {{"objectId", ValueType::kNumber}, {"x", ValueType::kJson}});
  ASSERT_EQ(t.columns.size(), 5u);
  EXPECT_EQ(t.name, "T");
  ASSERT_NE(t.find("x"), nullptr);
  EXPECT_EQ(t.find("x")->type, ValueType::kJson);
  EXPECT_EQ(t.find("objectId")->type, ValueType::kString);  // the system column wins
  EXPECT_EQ(t.find("ownerId")->type, ValueType::kString);
  EXPECT_EQ(t.find("created")->type, ValueType::kDate);
  EXPECT_EQ(t.find("updated")->type, ValueType::kDate);
  EXPECT_EQ(t.find("X"), nullptr);  // case-sensitive
  EXPECT_EQ(t.find("objectid"), nullptr);
  EXPECT_STREQ(valueTypeName(ValueType::kString), "string");
  EXPECT_STREQ(valueTypeName(ValueType::kNumber), "number");
  EXPECT_STREQ(valueTypeName(ValueType::kBoolean), "boolean");
  EXPECT_STREQ(valueTypeName(ValueType::kDate), "date");
  EXPECT_STREQ(valueTypeName(ValueType::kJson), "JSON");
}

}  // namespace
}  // namespace ck::storage
