// Property test of the where compiler: over many generated inputs, whatever
// compiles has SQL text made only of schema column names, placeholders and a
// fixed vocabulary, no generated value ever reaches that text, and SQLite
// runs it; whatever fails, fails with kInvalidWhere and a short, clean
// message.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "storage/sqlite.h"
#include "storage/test_temp_dir.h"
#include "storage/where.h"
#include "storage/where_test_schema.h"

namespace ck::storage {
namespace {

constexpr size_t kMaxMessageLength = 240;

// Checks that `sql` is made only of: double-quoted names of `table`'s
// columns, `?`, the keywords AND OR NOT LIKE IN IS NULL ESCAPE, the escape
// literal '\' right after ESCAPE, = <> < > <= >=, parentheses, commas and
// single spaces. Returns what could not be read ("" when all of it could).
// Also counts the placeholders.
std::string unknownSqlText(std::string_view sql, const TableSchema& table, size_t* placeholders) {
  static constexpr std::string_view kWords[] = {"AND", "OR", "NOT", "LIKE", "IN", "IS", "NULL", "ESCAPE"};
  static constexpr std::string_view kOperators[] = {"<>", "<=", ">=", "=", "<", ">"};
  *placeholders = 0;
  int depth = 0;
  std::string_view previousWord;
  size_t i = 0;
  while (i < sql.size()) {
    std::string_view rest = sql.substr(i);
    char c = sql[i];
    if (c == ' ' || c == ',') {
      ++i;
      continue;
    }
    if (c == '?') {
      ++*placeholders;
      ++i;
      continue;
    }
    if (c == '(' || c == ')') {
      depth += c == '(' ? 1 : -1;
      if (depth < 0) return std::string(rest);
      ++i;
      continue;
    }
    if (c == '"') {
      size_t close = sql.find('"', i + 1);
      if (close == std::string_view::npos) return std::string(rest);
      std::string_view name = sql.substr(i + 1, close - i - 1);
      if (table.find(name) == nullptr) return std::string(rest);
      i = close + 1;
      continue;
    }
    if (previousWord == "ESCAPE" && rest.substr(0, 3) == "'\\'") {
      i += 3;
      previousWord = "";
      continue;
    }
    bool matched = false;
    if (c >= 'A' && c <= 'Z') {
      size_t end = i;
      while (end < sql.size() && sql[end] >= 'A' && sql[end] <= 'Z') ++end;
      std::string_view word = sql.substr(i, end - i);
      for (std::string_view w : kWords) matched = matched || word == w;
      if (!matched) return std::string(rest);
      previousWord = word;
      i = end;
      continue;
    }
    for (std::string_view op : kOperators) {
      if (rest.substr(0, op.size()) == op) {
        i += op.size();
        matched = true;
        break;
      }
    }
    if (!matched) return std::string(rest);
  }
  if (depth != 0) return "(unbalanced parentheses)";
  return "";
}

bool isValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 4;
    if (n == 4) return false;
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

// Generates inputs and remembers the literal values it put in them.
class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool chance(int percent) { return pick(100) < static_cast<size_t>(percent); }
  template <typename T, size_t N>
  const T& oneOf(const T (&items)[N]) {
    return items[pick(N)];
  }

  void clear() { literals_.clear(); }
  // The values of string literals and the digits of numbers in the input.
  const std::vector<std::string>& literals() const { return literals_; }

  // A string value that always holds a character the SQL vocabulary lacks,
  // so finding it in the SQL text would be a real leak.
  std::string stringValue() {
    static const char* kPieces[] = {"'",  "''",    ";",     "--",     "/*",   "*/",  "\"",   "`",    "%",
                                    "_",  "\\",    " ",     "OR 1=1", "DROP", "é",   "日本", "😀",  "\n",
                                    "\t", "NULL",  "name",  "?",      ")",    "(",   "$x",   "@@",   "#",
                                    "\x01", "\x7f", "Robert'); DROP TABLE Person;--", "2015-03-23", "0"};
    static const char* kMarkers[] = {";", "$", "@", "#", "%", "é", "日", "~", "!", "\x01", "-", "*", "/", "{"};
    std::string s;
    size_t n = pick(5);
    for (size_t i = 0; i < n; ++i) s += oneOf(kPieces);
    s.insert(pick(s.size() + 1), oneOf(kMarkers));
    return s;
  }

  // 'value' with quotes doubled; recorded.
  std::string stringLiteral() {
    std::string v = stringValue();
    literals_.push_back(v);
    std::string out = "'";
    for (char c : v) {
      out += c;
      if (c == '\'') out += '\'';
    }
    return out + "'";
  }

  // A number with at least two digits (so it is never the "1" of a blank
  // clause); recorded without its sign.
  std::string numberLiteral() {
    std::string digits = std::to_string(10 + pick(1000000));
    std::string out;
    switch (pick(5)) {
      case 0: out = digits; break;
      case 1: out = digits + "." + std::to_string(pick(100)); break;
      case 2: out = digits + "e" + std::to_string(pick(20)); break;
      case 3: out = digits + ".5E-" + std::to_string(pick(20)); break;
      default: out = "." + digits; break;
    }
    literals_.push_back(out);
    return chance(30) ? "-" + out : out;
  }

  std::string dateLiteral() {
    static const char* kDates[] = {"'2015-03-23'",     "'23-Mar-2015'", "'03/23/2015 10:20:30'",
                                   "'2015-02-30'",     "'yesterday'",   "'2015-03-23T10:20:30.123+02:00'",
                                   "'1427068800000'"};
    return chance(50) ? numberLiteral() : oneOf(kDates);
  }

  std::string valueFor(ValueType type) {
    if (chance(8)) return anyValue();  // often a type mismatch
    switch (type) {
      case ValueType::kString: return stringLiteral();
      case ValueType::kNumber: return numberLiteral();
      case ValueType::kBoolean: return chance(50) ? "true" : "FALSE";
      case ValueType::kDate: return dateLiteral();
      case ValueType::kJson: return "null";
    }
    return "null";
  }

  std::string anyValue() {
    switch (pick(5)) {
      case 0: return stringLiteral();
      case 1: return numberLiteral();
      case 2: return "true";
      case 3: return "null";
      default: return dateLiteral();
    }
  }

  // A clause from the grammar, mostly valid.
  std::string clause(const TableSchema& table, int depth) {
    if (depth < 4 && chance(35)) {
      std::string op = chance(50) ? " AND " : (chance(50) ? " or " : " Or ");
      return clause(table, depth + 1) + op + clause(table, depth + 1);
    }
    if (depth < 4 && chance(10)) return "NOT " + clause(table, depth + 1);
    if (depth < 4 && chance(15)) return "(" + clause(table, depth + 1) + ")";
    return condition(table);
  }

  std::string condition(const TableSchema& table) {
    const ColumnInfo& c = table.columns[pick(table.columns.size())];
    static const char* kOps[] = {" = ", " != ", " <> ", " < ", " > ", " <= ", " >= ", "=", "<>"};
    switch (pick(9)) {
      case 0: return c.name + (chance(50) ? " LIKE " : " NOT LIKE ") + stringLiteral();
      case 1: {
        std::string s = c.name + (chance(50) ? " IN (" : " not in (");
        size_t n = 1 + pick(4);
        for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + valueFor(c.type);
        return s + ")";
      }
      case 2: return c.name + (chance(50) ? " IS NULL" : " is not null");
      case 3: {
        static const char* kDateOps[] = {" after ", " before ", " at or after ", " AT OR BEFORE "};
        return c.name + oneOf(kDateOps) + valueFor(c.type);
      }
      case 4: return valueFor(c.type) + oneOf(kOps) + c.name;
      default: return c.name + oneOf(kOps) + valueFor(c.type);
    }
  }

  // Random tokens, valid or not, glued with random spacing.
  std::string tokenSoup(const TableSchema& table) {
    static const char* kTokens[] = {
        "name",  "age",   "active", "born",   "meta",    "objectId", "Name",  "nosuch", "_x",     "AND",
        "OR",    "NOT",   "LIKE",   "IN",     "IS",      "NULL",     "TRUE",  "false",  "after",  "before",
        "at",    "or",    "BETWEEN", "SELECT", "DROP",   "TABLE",    "UNION", "*",      "=",      "!=",
        "<>",    "<",     ">",      "<=",     ">=",      "==",       "!",     "(",      ")",      ",",
        ";",     ".",     "[",      "]",      "\"",      "`",        "--",    "/*",     "*/",     "#",
        "-",     "'",     "''",     "\\",     "sqlite_master", "\"name\"", "?", "?1",   ":x",     "@x",
        "$x",    "é",     "\xff",   "\xc3",   "0x10",    "1e",       "1.2.3", "'abc",
    };
    std::string s;
    size_t n = 1 + pick(14);
    for (size_t i = 0; i < n; ++i) {
      switch (pick(6)) {
        case 0: s += stringLiteral(); break;
        case 1: s += numberLiteral(); break;
        case 2: s += table.columns[pick(table.columns.size())].name; break;
        default: s += oneOf(kTokens); break;
      }
      static const char* kSpaces[] = {" ", "", "  ", "\t", "\n"};
      s += oneOf(kSpaces);
    }
    if (chance(3)) s += std::string(1, '\0') + "tail";
    return s;
  }

  // `s` with a few random bytes inserted, deleted or replaced.
  std::string mutate(std::string s) {
    static const char kBytes[] = {'\'', '"', ';', '(', ')', '-', '\0', '\\', ' ', 'a', '1', '%', '\xff', '\xc3', '='};
    size_t n = 1 + pick(3);
    for (size_t i = 0; i < n; ++i) {
      size_t at = pick(s.size() + 1);
      switch (pick(3)) {
        case 0: s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), oneOf(kBytes)); break;
        case 1:
          if (at < s.size()) s.erase(at, 1);
          break;
        default:
          if (at < s.size()) s[at] = oneOf(kBytes);
          break;
      }
    }
    return s;
  }

 private:
  std::mt19937 rng_;
  std::vector<std::string> literals_;
};

struct Tally {
  size_t compiled = 0;
  size_t refused = 0;
};

// A SQLite table with the test schema's columns, and a few rows.
class PersonDb {
 public:
  PersonDb() {
    db_.exec(R"(CREATE TABLE "Person" ("objectId" TEXT, "ownerId" TEXT, "created" INTEGER, "updated" INTEGER,
                  "name" TEXT, "city" TEXT, "age" REAL, "active" INTEGER, "born" INTEGER, "meta" TEXT);
                INSERT INTO "Person" VALUES ('A', NULL, 1, NULL, 'Bob', 'Tokyo', 30, 1, 0, '{}'),
                                            ('B', 'A', 2, 3, '%_\', NULL, -1.5, 0, NULL, NULL),
                                            (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);)");
  }

  // Runs `f` as a WHERE clause; SqliteError if SQLite rejects it.
  void run(const SqlFragment& f) {
    Statement stmt(db_, R"(SELECT count(*) FROM "Person" WHERE )" + f.sql);
    int index = 1;
    for (const SqlValue& p : f.params) std::visit([&](const auto& v) { stmt.bind(index++, v); }, p);
    while (stmt.step()) {
    }
  }

 private:
  TempDir tmp_;
  Database db_{tmp_.file("property.db")};
};

// Checks one input against both halves of the property.
void check(const std::string& input, const Generator& gen, const TableSchema& table, PersonDb& db, Tally* tally) {
  Result<SqlFragment> f = compileWhere(input, table);
  if (!f.ok()) {
    ++tally->refused;
    const std::string& m = f.status().message();
    ASSERT_EQ(f.status().code(), ErrorCode::kInvalidWhere) << input;
    ASSERT_EQ(m.rfind("Invalid where clause", 0), 0u) << m;
    ASSERT_LE(m.size(), kMaxMessageLength) << input << " -> " << m;
    ASSERT_TRUE(isValidUtf8(m)) << input << " -> " << m;
    for (char c : m) ASSERT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7F) << m;
    return;
  }
  ++tally->compiled;
  const std::string& sql = f->sql;
  if (sql == "1") {
    ASSERT_TRUE(f->params.empty());
    ASSERT_EQ(input.find_first_not_of(" \t\r\n\f\v"), std::string::npos) << input;
    return;
  }
  size_t placeholders = 0;
  std::string unknown = unknownSqlText(sql, table, &placeholders);
  ASSERT_EQ(unknown, "") << "input: " << input << "\nsql: " << sql;
  ASSERT_EQ(placeholders, f->params.size()) << sql;
  ASSERT_EQ(sql.find_first_of("0123456789"), std::string::npos) << sql;
  for (const std::string& literal : gen.literals()) {
    ASSERT_EQ(sql.find(literal), std::string::npos) << "literal '" << literal << "' in " << sql;
  }
  try {
    db.run(*f);
  } catch (const SqliteError& e) {
    FAIL() << "input: " << input << "\nsql: " << sql << "\n" << e.what() << ": " << e.detail();
  }
}

TEST(WherePropertyTest, NoInputReachesTheSqlText) {
  const TableSchema table = personTable();
  Generator gen(20240611);
  PersonDb db;
  Tally grammar, soup, mutated;
  for (int i = 0; i < 6000; ++i) {
    gen.clear();
    std::string input = gen.clause(table, 0);
    check(input, gen, table, db, &grammar);
    if (HasFatalFailure()) return;
    check(gen.mutate(input), gen, table, db, &mutated);
    if (HasFatalFailure()) return;
  }
  for (int i = 0; i < 6000; ++i) {
    gen.clear();
    check(gen.tokenSoup(table), gen, table, db, &soup);
    if (HasFatalFailure()) return;
  }
  // The property means something only if both halves were exercised.
  EXPECT_GT(grammar.compiled, 2000u);
  EXPECT_GT(grammar.refused, 300u);
  EXPECT_GT(mutated.compiled, 150u);
  EXPECT_GT(mutated.refused, 2000u);
  EXPECT_GT(soup.refused, 5000u);
  std::printf("grammar %zu/%zu compiled, mutated %zu/%zu, soup %zu/%zu\n", grammar.compiled,
              grammar.compiled + grammar.refused, mutated.compiled, mutated.compiled + mutated.refused,
              soup.compiled, soup.compiled + soup.refused);
}

// The checker itself must reject what it is there to catch.
TEST(WherePropertyTest, CheckerRejectsForeignText) {
  const TableSchema table = personTable();
  size_t n = 0;
  EXPECT_EQ(unknownSqlText(R"(("age" > ? AND NOT ("name" LIKE ? ESCAPE '\' OR "born" IN (?, ?))))", table, &n), "");
  EXPECT_EQ(n, 4u);
  EXPECT_NE(unknownSqlText(R"("age" > 5)", table, &n), "");
  EXPECT_NE(unknownSqlText(R"("name" = 'x')", table, &n), "");
  EXPECT_NE(unknownSqlText(R"("nosuch" = ?)", table, &n), "");
  EXPECT_NE(unknownSqlText(R"("age" = ?; DROP TABLE x)", table, &n), "");
  EXPECT_NE(unknownSqlText(R"("age" = ? -- x)", table, &n), "");
  EXPECT_NE(unknownSqlText(R"("age" = ? UNION SELECT)", table, &n), "");
  EXPECT_NE(unknownSqlText(R"(("age" = ?)", table, &n), "");
  EXPECT_NE(unknownSqlText(R"("age" = ? AND '\')", table, &n), "");  // the literal only after ESCAPE
}

}  // namespace
}  // namespace ck::storage
