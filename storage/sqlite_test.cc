#include "storage/sqlite.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "storage/test_temp_dir.h"

namespace ck::storage {
namespace {

class SqliteTest : public ::testing::Test {
 protected:
  TempDir tmp_;
  Database db_{tmp_.file("test.db")};
};

int64_t queryInt(Database& db, const char* sql) {
  Statement s(db, sql);
  EXPECT_TRUE(s.step()) << sql;
  return s.columnInt64(0);
}

std::string queryText(Database& db, const char* sql) {
  Statement s(db, sql);
  EXPECT_TRUE(s.step()) << sql;
  return s.columnText(0);
}

TEST_F(SqliteTest, OpenSetsPragmas) {
  struct Case {
    const char* pragma;
    const char* expected;
  } cases[] = {
      {"PRAGMA journal_mode", "wal"},
      {"PRAGMA synchronous", "1"},  // NORMAL
      {"PRAGMA foreign_keys", "1"},
      {"PRAGMA busy_timeout", "5000"},
  };
  for (const Case& c : cases) EXPECT_EQ(queryText(db_, c.pragma), c.expected) << c.pragma;

  Database custom(tmp_.file("custom.db"), DatabaseOptions{.busyTimeoutMs = 1234});
  EXPECT_EQ(queryInt(custom, "PRAGMA busy_timeout"), 1234);
}

TEST_F(SqliteTest, OpenFailuresThrow) {
  // A missing parent folder is the caller's job, not the Database's.
  try {
    Database missing(tmp_.file("no/such/folder/x.db"));
    FAIL() << "opened a database in a missing folder";
  } catch (const SqliteError& e) {
    EXPECT_EQ(e.primaryCode(), SQLITE_CANTOPEN) << e.what();
  }
  std::ofstream(tmp_.file("garbage.db")) << std::string(4096, 'x');
  try {
    Database garbage(tmp_.file("garbage.db"));
    FAIL() << "opened a file that is not a database";
  } catch (const SqliteError& e) {
    EXPECT_EQ(e.primaryCode(), SQLITE_NOTADB) << e.what();
  }
}

// Every value type through bind(index), bind(:name) and the getters.
TEST_F(SqliteTest, BindAndReadEveryType) {
  struct Case {
    const char* name;
    std::function<void(Statement&)> bind;  // binds parameter :v
    ColumnType type;
    const char* typeofName;
    std::function<void(const Statement&)> check;  // reads column 0
  };
  const std::string withNul("a\0b", 3);
  const std::vector<uint8_t> bytes = {0, 1, 254, 255};
  const Case cases[] = {
      {"null", [](Statement& s) { s.bind(":v", nullptr); }, ColumnType::kNull, "null",
       [](const Statement& s) {
         EXPECT_TRUE(s.columnIsNull(0));
         EXPECT_EQ(s.columnText(0), "");
         EXPECT_EQ(s.columnInt64(0), 0);
       }},
      {"null char pointer", [](Statement& s) { s.bind(":v", static_cast<const char*>(nullptr)); },
       ColumnType::kNull, "null", [](const Statement& s) { EXPECT_TRUE(s.columnIsNull(0)); }},
      {"int64 max", [](Statement& s) { s.bind(":v", std::numeric_limits<int64_t>::max()); },
       ColumnType::kInteger, "integer",
       [](const Statement& s) { EXPECT_EQ(s.columnInt64(0), std::numeric_limits<int64_t>::max()); }},
      {"int64 min", [](Statement& s) { s.bindInt64(1, std::numeric_limits<int64_t>::min()); },
       ColumnType::kInteger, "integer",
       [](const Statement& s) { EXPECT_EQ(s.columnInt64(0), std::numeric_limits<int64_t>::min()); }},
      {"int", [](Statement& s) { s.bind(1, -7); }, ColumnType::kInteger, "integer",
       [](const Statement& s) { EXPECT_EQ(s.columnInt64(0), -7); }},
      {"bool", [](Statement& s) { s.bind(1, true); }, ColumnType::kInteger, "integer",
       [](const Statement& s) { EXPECT_EQ(s.columnInt64(0), 1); }},
      {"double", [](Statement& s) { s.bind(":v", 1.5); }, ColumnType::kFloat, "real",
       [](const Statement& s) { EXPECT_DOUBLE_EQ(s.columnDouble(0), 1.5); }},
      {"text", [](Statement& s) { s.bind(":v", "héllo"); }, ColumnType::kText, "text",
       [](const Statement& s) { EXPECT_EQ(s.columnText(0), "héllo"); }},
      {"empty text is not null", [](Statement& s) { s.bind(1, std::string_view()); }, ColumnType::kText,
       "text", [](const Statement& s) { EXPECT_EQ(s.columnText(0), ""); }},
      {"text with NUL", [&](Statement& s) { s.bind(1, withNul); }, ColumnType::kText, "text",
       [&](const Statement& s) { EXPECT_EQ(s.columnText(0), withNul); }},
      {"blob", [&](Statement& s) { s.bindBlob(1, bytes.data(), bytes.size()); }, ColumnType::kBlob, "blob",
       [&](const Statement& s) { EXPECT_EQ(s.columnBlob(0), bytes); }},
      {"empty blob is not null", [](Statement& s) { s.bindBlob(1, nullptr, 0); }, ColumnType::kBlob, "blob",
       [](const Statement& s) { EXPECT_TRUE(s.columnBlob(0).empty()); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Statement s(db_, "SELECT :v AS v, typeof(:v) AS t");
    c.bind(s);
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.columnType(0), c.type);
    EXPECT_EQ(s.columnText(1), c.typeofName);
    c.check(s);
    EXPECT_FALSE(s.step());
  }
}

TEST_F(SqliteTest, RowsThroughATable) {
  db_.exec("CREATE TABLE t(i INTEGER, d REAL, s TEXT, b BLOB, n)");
  Statement insert(db_, "INSERT INTO t VALUES(?1, ?2, ?3, ?4, ?5)");
  const uint8_t blob[] = {9, 8, 7};
  for (int i = 0; i < 3; ++i) {
    insert.bind(1, i).bind(2, i * 0.5).bind(3, "row" + std::to_string(i)).bindBlob(4, blob, sizeof blob).bind(5, nullptr);
    insert.run();
    EXPECT_EQ(db_.changes(), 1);
    EXPECT_EQ(db_.lastInsertRowId(), i + 1);
    insert.reset();
  }
  Statement select(db_, "SELECT i, d, s, b, n FROM t ORDER BY i");
  ASSERT_EQ(select.columnCount(), 5);
  const char* names[] = {"i", "d", "s", "b", "n"};
  for (int c = 0; c < 5; ++c) EXPECT_EQ(select.columnName(c), names[c]);
  int rows = 0;
  while (select.step()) {
    EXPECT_EQ(select.columnInt64(0), rows);
    EXPECT_DOUBLE_EQ(select.columnDouble(1), rows * 0.5);
    EXPECT_EQ(select.columnText(2), "row" + std::to_string(rows));
    EXPECT_EQ(select.columnBlob(3), std::vector<uint8_t>(blob, blob + 3));
    EXPECT_TRUE(select.columnIsNull(4));
    ++rows;
  }
  EXPECT_EQ(rows, 3);
  // reset() rewinds and keeps bindings.
  select.reset();
  EXPECT_TRUE(select.step());
  EXPECT_EQ(select.columnInt64(0), 0);
}

TEST_F(SqliteTest, MisuseIsALogicError) {
  Statement s(db_, "SELECT ?1");
  EXPECT_THROW(s.columnInt64(0), std::logic_error) << "read before step";
  ASSERT_TRUE(s.step());
  EXPECT_THROW(s.columnInt64(1), std::logic_error) << "column out of range";
  EXPECT_THROW(s.columnText(-1), std::logic_error);
  EXPECT_FALSE(s.step());
  EXPECT_THROW(s.columnInt64(0), std::logic_error) << "read after done";
  EXPECT_THROW(s.bind(":missing", 1), std::logic_error);
  EXPECT_THROW(Statement(db_, "SELECT 1; SELECT 2"), std::logic_error);
  EXPECT_THROW(Statement(db_, "   "), std::logic_error);
  EXPECT_NO_THROW(Statement(db_, "SELECT 1;  \n"));
  try {
    s.bind(1, 1);
    FAIL() << "bound a statement that ran and was not reset";
  } catch (const SqliteError& e) {
    EXPECT_EQ(e.code(), SQLITE_MISUSE);
  }
  s.reset();
  try {
    s.bind(2, 1);
    FAIL() << "bound a parameter that does not exist";
  } catch (const SqliteError& e) {
    EXPECT_EQ(e.code(), SQLITE_RANGE);
  }
}

TEST_F(SqliteTest, StatementMoves) {
  Statement a(db_, "SELECT 42");
  Statement b = std::move(a);
  EXPECT_EQ(a.handle(), nullptr);
  ASSERT_TRUE(b.step());
  EXPECT_EQ(b.columnInt64(0), 42);
  Statement c(db_, "SELECT 1");
  c = std::move(b);
  EXPECT_EQ(c.columnInt64(0), 42) << "the current row moves with the statement";
}

TEST_F(SqliteTest, CacheReturnsTheSameStatementReset) {
  size_t before = db_.cachedStatementCount();
  Statement* first = nullptr;
  {
    CachedStatement a = db_.prepare("SELECT ?1");
    a->bind(1, 7);
    ASSERT_TRUE(a->step());
    EXPECT_EQ(a->columnInt64(0), 7);
    first = &*a;
    // Left mid-result: the handle's destructor must reset it.
  }
  EXPECT_EQ(sqlite3_stmt_busy(first->handle()), 0) << "released statement still holds its read";
  {
    CachedStatement b = db_.prepare("SELECT ?1");
    EXPECT_EQ(&*b, first);
    ASSERT_TRUE(b->step());
    EXPECT_TRUE(b->columnIsNull(0)) << "bindings were not cleared";
  }
  EXPECT_EQ(db_.cachedStatementCount(), before + 1);
  CachedStatement other = db_.prepare("SELECT 2");
  EXPECT_NE(&*other, first);
  EXPECT_EQ(db_.cachedStatementCount(), before + 2);
}

TEST_F(SqliteTest, NestedUseOfTheSameSqlGetsItsOwnStatement) {
  db_.exec("CREATE TABLE t(x INTEGER)");
  db_.exec("INSERT INTO t VALUES(1), (2), (3)");
  const char* sql = "SELECT x FROM t WHERE x >= ?1 ORDER BY x";
  Statement* cached = nullptr;
  std::vector<std::pair<int64_t, int64_t>> pairs;
  {
    CachedStatement outer = db_.prepare(sql);
    cached = &*outer;
    outer->bind(1, 2);
    while (outer->step()) {
      int64_t x = outer->columnInt64(0);
      CachedStatement inner = db_.prepare(sql);
      EXPECT_NE(&*inner, cached);
      inner->bind(1, x);
      while (inner->step()) pairs.emplace_back(x, inner->columnInt64(0));
    }
  }
  std::vector<std::pair<int64_t, int64_t>> expected = {{2, 2}, {2, 3}, {3, 3}};
  EXPECT_EQ(pairs, expected);
  CachedStatement again = db_.prepare(sql);
  EXPECT_EQ(&*again, cached);
}

TEST_F(SqliteTest, CacheIsBounded) {
  CachedStatement held = db_.prepare("SELECT 'held'");
  for (size_t i = 0; i < Database::kMaxCachedStatements * 2; ++i) {
    db_.prepare("SELECT " + std::to_string(i));
  }
  EXPECT_LE(db_.cachedStatementCount(), Database::kMaxCachedStatements);
  ASSERT_TRUE(held->step()) << "a statement in use was evicted";
  EXPECT_EQ(held->columnText(0), "held");
}

TEST_F(SqliteTest, TransactionCommitsAndRollsBack) {
  db_.exec("CREATE TABLE t(x INTEGER)");
  {
    Transaction tx(db_);
    EXPECT_TRUE(db_.inTransaction());
    db_.exec("INSERT INTO t VALUES(1)");
    tx.commit();
  }
  EXPECT_FALSE(db_.inTransaction());
  {
    Transaction tx(db_);
    db_.exec("INSERT INTO t VALUES(2)");
  }  // no commit
  EXPECT_FALSE(db_.inTransaction());
  try {
    Transaction tx(db_);
    db_.exec("INSERT INTO t VALUES(3)");
    throw std::runtime_error("fails mid-way");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(queryInt(db_, "SELECT group_concat(x) = '1' FROM t"), 1);

  // Another connection sees only committed data.
  Database other(tmp_.file("test.db"));
  EXPECT_EQ(queryInt(other, "SELECT count(*) FROM t"), 1);

  Transaction outer(db_);
  EXPECT_THROW(Transaction inner(db_), SqliteError) << "transactions do not nest";
  EXPECT_TRUE(db_.inTransaction()) << "the failed inner BEGIN ended the outer transaction";
}

TEST_F(SqliteTest, WriteLockTimesOutAsBusy) {
  Database other(tmp_.file("test.db"), DatabaseOptions{.busyTimeoutMs = 50});
  Transaction holder(db_);
  try {
    Transaction blocked(other);
    FAIL() << "two write transactions at once";
  } catch (const SqliteError& e) {
    EXPECT_TRUE(e.isBusy()) << e.what();
  }
}

// Opens `path` in a new process (this test binary again, running only
// SqliteExclusive.ReadInChild) and reads t.x: 0 it read 7, 1 the database
// was busy, 2 another failure. A fork alone would not do: the child would
// inherit SQLite's picture of the locks this process holds.
int readInAnotherProcess(const std::string& path) {
  pid_t pid = fork();
  if (pid == 0) {
    setenv("CK_SQLITE_CHILD_DB", path.c_str(), 1);
    execl("/proc/self/exe", "sqlite_child", "--gtest_filter=SqliteExclusive.ReadInChild", static_cast<char*>(nullptr));
    _exit(3);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The child's side of readInAnotherProcess; nothing to do in a normal run.
TEST(SqliteExclusive, ReadInChild) {
  const char* path = getenv("CK_SQLITE_CHILD_DB");
  if (path == nullptr) return;
  try {
    Database db(path, DatabaseOptions{.busyTimeoutMs = 50});
    Statement s(db, "SELECT x FROM t");
    _exit(s.step() && s.columnInt64(0) == 7 ? 0 : 2);
  } catch (const SqliteError& e) {
    _exit(e.isBusy() ? 1 : 2);
  } catch (...) {
    _exit(2);
  }
}

// A database is the opening process's (the unix-excl VFS): another process
// is refused while a connection is open, and opens it once none is; in
// this process a second connection reads what the first committed.
TEST(SqliteExclusive, AnotherProcessIsKeptOutWhileTheDatabaseIsOpen) {
  TempDir tmp;
  const std::string path = tmp.file("test.db");
  {
    Database db(path);
    db.exec("CREATE TABLE t(x); INSERT INTO t VALUES (7)");
    Database second(path);
    EXPECT_EQ(queryInt(second, "SELECT x FROM t"), 7);
    EXPECT_FALSE(std::filesystem::exists(path + "-shm"));  // the WAL index is in this process's memory
    EXPECT_EQ(readInAnotherProcess(path), 1);
  }
  EXPECT_EQ(readInAnotherProcess(path), 0);
}

TEST_F(SqliteTest, ConstraintErrorsAreDetectable) {
  db_.exec(
      "CREATE TABLE parent(id TEXT PRIMARY KEY NOT NULL, name TEXT UNIQUE, n INTEGER NOT NULL CHECK(n > 0));"
      "CREATE TABLE child(pid TEXT REFERENCES parent(id));"
      "INSERT INTO parent VALUES('p1', 'first', 1)");
  struct Case {
    const char* sql;
    int code;
    bool unique;
  } cases[] = {
      {"INSERT INTO parent VALUES('p1', 'other', 1)", SQLITE_CONSTRAINT_PRIMARYKEY, true},
      {"INSERT INTO parent VALUES('p2', 'first', 1)", SQLITE_CONSTRAINT_UNIQUE, true},
      {"INSERT INTO parent VALUES('p3', 'third', NULL)", SQLITE_CONSTRAINT_NOTNULL, false},
      {"INSERT INTO parent VALUES('p4', 'fourth', 0)", SQLITE_CONSTRAINT_CHECK, false},
      {"INSERT INTO child VALUES('nobody')", SQLITE_CONSTRAINT_FOREIGNKEY, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sql);
    try {
      Statement(db_, c.sql).run();
      FAIL() << "no constraint error";
    } catch (const SqliteError& e) {
      EXPECT_EQ(e.code(), c.code) << e.what();
      EXPECT_TRUE(e.isConstraint());
      EXPECT_EQ(e.isUniqueConstraint(), c.unique);
      EXPECT_FALSE(e.isBusy());
    }
  }
}

TEST_F(SqliteTest, ErrorsCarryNoBoundValues) {
  db_.exec("CREATE TABLE secrets(token TEXT UNIQUE)");
  const std::string secret = "tok-4f1e8c2b9a-secret";
  CachedStatement insert = db_.prepare("INSERT INTO secrets(token) VALUES(?1)");
  insert->bind(1, secret).run();
  insert->reset();
  try {
    insert->run();  // bindings kept: the same token again
    FAIL() << "duplicate accepted";
  } catch (const SqliteError& e) {
    std::string what = e.what();
    EXPECT_TRUE(e.isUniqueConstraint());
    EXPECT_EQ(what.find(secret), std::string::npos) << what;
    EXPECT_EQ(e.detail().find(secret), std::string::npos) << e.detail();
    EXPECT_NE(what.find("INSERT INTO secrets(token)"), std::string::npos) << what;
    EXPECT_NE(what.find(std::to_string(SQLITE_CONSTRAINT_UNIQUE)), std::string::npos) << what;
  }
  // The failed step reset the statement: it holds no lock and can run again.
  EXPECT_EQ(sqlite3_stmt_busy(insert->handle()), 0);
  insert->bind(1, "another").run();
  EXPECT_EQ(queryInt(db_, "SELECT count(*) FROM secrets"), 2);
}

TEST_F(SqliteTest, BadSqlThrowsWithItsHead) {
  try {
    db_.prepare("SELEC id FROM nowhere");
    FAIL();
  } catch (const SqliteError& e) {
    EXPECT_EQ(e.primaryCode(), SQLITE_ERROR);
    EXPECT_EQ(e.sqlHead(), "SELEC id FROM nowhere");
  }
  EXPECT_THROW(db_.exec("CREATE TABLE t(x); INSERT INTO nowhere VALUES(1)"), SqliteError);
}

TEST_F(SqliteTest, SqlHeadKeepsTheFirstWords) {
  struct Case {
    std::string sql;
    std::string head;
  } cases[] = {
      {"", ""},
      {"SELECT 1", "SELECT 1"},
      {"  INSERT\n  INTO   t(a, b)\tVALUES(?1, ?2)", "INSERT INTO t(a, b) VALUES(?1, ?2)"},
      {"SELECT a, b, c, d, e, f FROM t", "SELECT a, b, c, d, e, ..."},
      {"SELECT " + std::string(100, 'a') + " FROM t", "SELECT " + std::string(53, 'a') + "..."},
  };
  for (const Case& c : cases) EXPECT_EQ(sqlHead(c.sql), c.head) << c.sql;
}

TEST_F(SqliteTest, ProgressHandlerInterrupts) {
  const char* endless =
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n";
  int calls = 0;
  db_.setProgressHandler(1000, [&] { return ++calls >= 5; });
  try {
    Statement(db_, endless).step();
    FAIL() << "not interrupted";
  } catch (const SqliteError& e) {
    EXPECT_TRUE(e.isInterrupted()) << e.what();
  }
  EXPECT_EQ(calls, 5);
  db_.setProgressHandler(1000, [] () -> bool { throw std::runtime_error("handler bug"); });
  EXPECT_THROW(Statement(db_, endless).step(), SqliteError);
  db_.setProgressHandler(0, nullptr);
  EXPECT_EQ(queryInt(db_, "SELECT 3"), 3);
}

}  // namespace
}  // namespace ck::storage
