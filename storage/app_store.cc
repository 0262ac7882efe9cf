#include "storage/app_store.h"

#include <filesystem>

#include "storage/migrations.h"
#include "storage/sqlite.h"

namespace ck::storage {

namespace {

// The app schema. Append only; see migrations.h. Host tables start with '_'.
constexpr Migration kAppMigrations[] = {
    {1, R"sql(
      CREATE TABLE _settings(
        key TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
      ) STRICT;
    )sql"},
    // The catalog of user tables (storage/table_schema_store.h). Names are
    // exact; the NOCASE indexes keep two names from differing only in case,
    // as SQLite's own identifiers cannot.
    {2, R"sql(
      CREATE TABLE _tables(
        name TEXT PRIMARY KEY NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX _tables_name_nocase ON _tables(name COLLATE NOCASE);
      CREATE TABLE _columns(
        tableName TEXT NOT NULL REFERENCES _tables(name),
        name TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('string', 'number', 'boolean', 'date', 'json')),
        declared INTEGER NOT NULL CHECK (declared IN (0, 1)),
        position INTEGER NOT NULL,
        PRIMARY KEY (tableName, name)
      ) STRICT;
      CREATE UNIQUE INDEX _columns_name_nocase ON _columns(tableName, name COLLATE NOCASE);
    )sql"},
    // The audit log (services/audit.h), oldest first by id. callerRoles is
    // a JSON array of role names; emails are looked up ignoring ASCII case
    // (NOCASE). _audit_last_id keeps the highest id retention has deleted,
    // so ids keep increasing even after every entry was deleted and paging
    // by id never repeats one (AUTOINCREMENT would do it with
    // sqlite_sequence, a table without the host's '_' prefix).
    {3, R"sql(
      CREATE TABLE _audit(
        id INTEGER PRIMARY KEY,
        timeMs INTEGER NOT NULL,
        requestId TEXT NOT NULL,
        channel TEXT NOT NULL,
        callerUserId TEXT NOT NULL,
        callerEmail TEXT NOT NULL,
        callerRoles TEXT NOT NULL CHECK (json_valid(callerRoles)),
        callerKey TEXT NOT NULL,
        principal TEXT NOT NULL,
        service TEXT NOT NULL,
        method TEXT NOT NULL,
        op TEXT NOT NULL,
        resource TEXT NOT NULL,
        allowed INTEGER NOT NULL CHECK (allowed IN (0, 1)),
        rule TEXT NOT NULL,
        detail TEXT NOT NULL
      ) STRICT;
      CREATE INDEX _audit_time ON _audit(timeMs);
      CREATE INDEX _audit_caller_user ON _audit(callerUserId);
      CREATE INDEX _audit_caller_email_nocase ON _audit(callerEmail COLLATE NOCASE);
      CREATE TABLE _audit_last_id(
        one INTEGER PRIMARY KEY CHECK (one = 1),
        lastId INTEGER NOT NULL
      ) STRICT;
    )sql"},
};

}  // namespace

std::unique_ptr<AppStore> AppStore::open(const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::string path = (std::filesystem::path(dir) / "app.db").string();
  auto db = std::make_unique<Database>(path);
  applyMigrations(*db, kAppMigrations);
  return std::unique_ptr<AppStore>(new AppStore(dir, std::move(path), std::move(db)));
}

AppStore::AppStore(std::string dir, std::string path, std::unique_ptr<Database> db)
    : dir_(std::move(dir)), path_(std::move(path)), db_(std::move(db)) {}

AppStore::~AppStore() = default;

std::optional<std::string> AppStore::getSetting(std::string_view key) const {
  std::lock_guard lock(mu_);
  CachedStatement stmt = db_->prepare("SELECT value FROM _settings WHERE key = ?1");
  stmt->bind(1, key);
  if (!stmt->step()) return std::nullopt;
  return stmt->columnText(0);
}

void AppStore::setSetting(std::string_view key, std::string_view value) {
  std::lock_guard lock(mu_);
  CachedStatement stmt = db_->prepare(
      "INSERT INTO _settings(key, value) VALUES(?1, ?2) "
      "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  stmt->bind(1, key).bind(2, value).run();
}

std::vector<std::pair<std::string, std::string>> AppStore::settings() const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  CachedStatement stmt = db_->prepare("SELECT key, value FROM _settings ORDER BY key");
  while (stmt->step()) out.emplace_back(stmt->columnText(0), stmt->columnText(1));
  return out;
}

}  // namespace ck::storage
