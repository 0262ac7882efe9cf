#include "storage/migrations.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/sqlite.h"
#include "storage/test_temp_dir.h"

namespace ck::storage {
namespace {

constexpr Migration kSchema[] = {
    {1, "CREATE TABLE a(x INTEGER NOT NULL)"},
    {2, "INSERT INTO a VALUES(1); CREATE TABLE b(y TEXT)"},
    {3, "ALTER TABLE b ADD COLUMN z INTEGER; CREATE INDEX b_by_z ON b(z)"},
};

bool hasObject(Database& db, const char* name) {
  CachedStatement s = db.prepare("SELECT 1 FROM sqlite_schema WHERE name = ?1");
  s->bind(1, name);
  return s->step();
}

int64_t count(Database& db, const char* sql) {
  Statement s(db, sql);
  EXPECT_TRUE(s.step());
  return s.columnInt64(0);
}

class MigrationsTest : public ::testing::Test {
 protected:
  std::string path() const { return tmp_.file("m.db"); }
  TempDir tmp_;
};

TEST_F(MigrationsTest, FreshDatabaseReachesLatest) {
  Database db(path());
  EXPECT_EQ(db.userVersion(), 0);
  EXPECT_EQ(applyMigrations(db, kSchema), 3);
  EXPECT_EQ(db.userVersion(), 3);
  for (const char* name : {"a", "b", "b_by_z"}) EXPECT_TRUE(hasObject(db, name)) << name;
  EXPECT_EQ(count(db, "SELECT count(*) FROM a"), 1);
  EXPECT_FALSE(db.inTransaction());
}

TEST_F(MigrationsTest, ReapplyingIsANoOp) {
  {
    Database db(path());
    applyMigrations(db, kSchema);
    db.exec("INSERT INTO b(y, z) VALUES('kept', 7)");
  }
  Database db(path());
  EXPECT_EQ(applyMigrations(db, kSchema), 3);
  EXPECT_EQ(applyMigrations(db, kSchema), 3);
  EXPECT_EQ(count(db, "SELECT count(*) FROM a"), 1) << "migration 2 ran twice";
  EXPECT_EQ(count(db, "SELECT z FROM b WHERE y = 'kept'"), 7);
}

TEST_F(MigrationsTest, AppliesOnlyWhatIsPending) {
  Database db(path());
  EXPECT_EQ(applyMigrations(db, std::span(kSchema).first(2)), 2);
  EXPECT_FALSE(hasObject(db, "b_by_z"));
  EXPECT_EQ(applyMigrations(db, kSchema), 3);
  EXPECT_TRUE(hasObject(db, "b_by_z"));
  EXPECT_EQ(count(db, "SELECT count(*) FROM a"), 1);
}

TEST_F(MigrationsTest, FailingMigrationRollsBackEntirely) {
  const Migration broken[] = {
      {1, "CREATE TABLE a(x INTEGER)"},
      // The table, the row and the version bump must all disappear.
      {2, "CREATE TABLE half(y); INSERT INTO a VALUES(5); INSERT INTO nowhere VALUES(1)"},
      {3, "CREATE TABLE never(z)"},
  };
  Database db(path());
  EXPECT_THROW(applyMigrations(db, broken), SqliteError);
  EXPECT_EQ(db.userVersion(), 1);
  EXPECT_FALSE(db.inTransaction());
  EXPECT_TRUE(hasObject(db, "a")) << "the migration before the failure was lost";
  EXPECT_FALSE(hasObject(db, "half"));
  EXPECT_FALSE(hasObject(db, "never"));
  EXPECT_EQ(count(db, "SELECT count(*) FROM a"), 0);

  // Seen from a fresh connection too (nothing lingers in the WAL).
  Database again(path());
  EXPECT_EQ(again.userVersion(), 1);
  EXPECT_FALSE(hasObject(again, "half"));
}

TEST_F(MigrationsTest, NewerDatabaseIsRefused) {
  {
    Database db(path());
    applyMigrations(db, kSchema);
    db.exec("PRAGMA user_version = 9");
  }
  Database db(path());
  try {
    applyMigrations(db, kSchema);
    FAIL() << "a newer schema was accepted";
  } catch (const SchemaTooNewError& e) {
    EXPECT_EQ(e.found(), 9);
    EXPECT_EQ(e.known(), 3);
    std::string what = e.what();
    EXPECT_NE(what.find("newer"), std::string::npos) << what;
    EXPECT_NE(what.find(path()), std::string::npos) << what;
  }
  EXPECT_EQ(db.userVersion(), 9) << "the refused database was changed";
}

TEST_F(MigrationsTest, MalformedListsAreRejected) {
  const std::vector<std::vector<Migration>> bad = {
      {{2, "CREATE TABLE a(x)"}},                               // does not start at 1
      {{1, "CREATE TABLE a(x)"}, {3, "CREATE TABLE b(x)"}},     // gap
      {{1, "CREATE TABLE a(x)"}, {1, "CREATE TABLE b(x)"}},     // repeat
      {{1, nullptr}},                                           // no SQL
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    Database db(path());
    EXPECT_THROW(applyMigrations(db, bad[i]), std::invalid_argument) << "case " << i;
    EXPECT_EQ(db.userVersion(), 0) << "case " << i;
  }
}

TEST_F(MigrationsTest, EmptyListLeavesAFreshDatabaseAlone) {
  Database db(path());
  EXPECT_EQ(applyMigrations(db, std::span<const Migration>()), 0);
  EXPECT_EQ(db.userVersion(), 0);
}

}  // namespace
}  // namespace ck::storage
