#include "storage/host_store.h"

#include <unordered_map>
#include <unordered_set>

#include "storage/migrations.h"
#include "storage/sqlite.h"

namespace ck::storage {

namespace {

// The host schema. Append only; see migrations.h.
constexpr Migration kHostMigrations[] = {
    {1, R"sql(
      CREATE TABLE apps(
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL UNIQUE,
        created_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX apps_by_created ON apps(created_ms, id);
      CREATE TABLE app_keys(
        seq INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        kind TEXT NOT NULL
      ) STRICT;
      CREATE INDEX app_keys_by_app ON app_keys(app_id, seq);
      CREATE TABLE settings(
        name TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
      ) STRICT;
    )sql"},
};

bool exists(Database& db, const char* sql, std::string_view value) {
  CachedStatement stmt = db.prepare(sql);
  stmt->bind(1, value);
  return stmt->step();
}

}  // namespace

std::unique_ptr<HostStore> HostStore::open(const std::string& path) {
  auto db = std::make_unique<Database>(path);
  applyMigrations(*db, kHostMigrations);
  return std::unique_ptr<HostStore>(new HostStore(std::move(db)));
}

HostStore::HostStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}

HostStore::~HostStore() = default;

Status HostStore::insertApp(const AppRecord& app) {
  if (app.id.empty() || app.name.empty()) {
    return Status(ErrorCode::kInvalidArgument, "An app needs an id and a name");
  }
  std::unordered_set<std::string_view> keys;
  for (const AppKey& k : app.keys) {
    if (k.key.empty() || k.kind.empty()) {
      return Status(ErrorCode::kInvalidArgument, "An API key needs a kind and a value");
    }
    if (!keys.insert(k.key).second) {
      return Status(ErrorCode::kAlreadyExists, "The same API key is given twice");
    }
  }

  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (exists(*db_, "SELECT 1 FROM apps WHERE id = ?1", app.id)) {
    return Status(ErrorCode::kAlreadyExists, "An app with this id already exists");
  }
  if (exists(*db_, "SELECT 1 FROM apps WHERE name = ?1", app.name)) {
    return Status(ErrorCode::kAlreadyExists, "An app with this name already exists");
  }
  for (const AppKey& k : app.keys) {
    if (exists(*db_, "SELECT 1 FROM app_keys WHERE key = ?1", k.key)) {
      return Status(ErrorCode::kAlreadyExists, "An API key with this value already exists");
    }
  }
  try {
    {
      CachedStatement insert = db_->prepare("INSERT INTO apps(id, name, created_ms) VALUES(?1, ?2, ?3)");
      insert->bind(1, app.id).bind(2, app.name).bind(3, app.createdMs).run();
    }
    for (const AppKey& k : app.keys) {
      CachedStatement insert = db_->prepare("INSERT INTO app_keys(key, app_id, kind) VALUES(?1, ?2, ?3)");
      insert->bind(1, k.key).bind(2, app.id).bind(3, k.kind).run();
    }
  } catch (const SqliteError& e) {
    // The checks above make this unreachable unless they and the schema
    // disagree; the transaction rolls back either way.
    if (e.isUniqueConstraint()) return Status::error(ErrorCode::kAlreadyExists);
    throw;
  }
  tx.commit();
  return Status();
}

std::vector<AppKey> HostStore::keysOf(const std::string& appId) const {
  std::vector<AppKey> keys;
  CachedStatement stmt = db_->prepare("SELECT kind, key FROM app_keys WHERE app_id = ?1 ORDER BY seq");
  stmt->bind(1, appId);
  while (stmt->step()) keys.push_back(AppKey{stmt->columnText(0), stmt->columnText(1)});
  return keys;
}

std::optional<AppRecord> HostStore::findAppWhere(const char* sql, std::string_view value) const {
  AppRecord app;
  {
    CachedStatement stmt = db_->prepare(sql);
    stmt->bind(1, value);
    if (!stmt->step()) return std::nullopt;
    app.id = stmt->columnText(0);
    app.name = stmt->columnText(1);
    app.createdMs = stmt->columnInt64(2);
  }
  app.keys = keysOf(app.id);
  return app;
}

std::vector<AppRecord> HostStore::listApps() const {
  std::lock_guard lock(mu_);
  std::vector<AppRecord> apps;
  std::unordered_map<std::string, size_t> byId;
  {
    CachedStatement stmt = db_->prepare("SELECT id, name, created_ms FROM apps ORDER BY created_ms, id");
    while (stmt->step()) {
      AppRecord app;
      app.id = stmt->columnText(0);
      app.name = stmt->columnText(1);
      app.createdMs = stmt->columnInt64(2);
      byId.emplace(app.id, apps.size());
      apps.push_back(std::move(app));
    }
  }
  CachedStatement keys = db_->prepare("SELECT app_id, kind, key FROM app_keys ORDER BY seq");
  while (keys->step()) {
    auto it = byId.find(keys->columnText(0));
    if (it == byId.end()) continue;  // unreachable: the foreign key holds
    apps[it->second].keys.push_back(AppKey{keys->columnText(1), keys->columnText(2)});
  }
  return apps;
}

std::optional<AppRecord> HostStore::findApp(std::string_view id) const {
  std::lock_guard lock(mu_);
  return findAppWhere("SELECT id, name, created_ms FROM apps WHERE id = ?1", id);
}

std::optional<AppRecord> HostStore::findAppByName(std::string_view name) const {
  std::lock_guard lock(mu_);
  return findAppWhere("SELECT id, name, created_ms FROM apps WHERE name = ?1", name);
}

std::optional<HostStore::KeyOwner> HostStore::findKey(std::string_view key) const {
  std::lock_guard lock(mu_);
  CachedStatement stmt = db_->prepare("SELECT app_id, kind FROM app_keys WHERE key = ?1");
  stmt->bind(1, key);
  if (!stmt->step()) return std::nullopt;
  return KeyOwner{stmt->columnText(0), stmt->columnText(1)};
}

std::optional<std::string> HostStore::getSetting(std::string_view name) const {
  std::lock_guard lock(mu_);
  CachedStatement stmt = db_->prepare("SELECT value FROM settings WHERE name = ?1");
  stmt->bind(1, name);
  if (!stmt->step()) return std::nullopt;
  return stmt->columnText(0);
}

void HostStore::setSetting(std::string_view name, std::string_view value) {
  std::lock_guard lock(mu_);
  CachedStatement stmt = db_->prepare(
      "INSERT INTO settings(name, value) VALUES(?1, ?2) "
      "ON CONFLICT(name) DO UPDATE SET value = excluded.value");
  stmt->bind(1, name).bind(2, value).run();
}

}  // namespace ck::storage
