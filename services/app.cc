#include "services/app.h"

#include <filesystem>
#include <utility>

#include "services/access_resource.h"
#include "services/policy.h"
#include "storage/sqlite.h"
#include "storage/table_store.h"

namespace ck::services {

using nlohmann::json;

struct AppLease::Connection {
  Connection(const std::string& path, const Clock& clock, Random& random, LoginThrottle& throttle,
             const UsersConfig& config)
      : db(path), tables(db), users(db, clock, random, throttle, config) {}
  storage::Database db;
  storage::TableStore tables;
  Users users;
};

// --- AppLease ---

AppLease::AppLease(App& app, std::unique_ptr<Connection> conn, std::shared_ptr<const BoundPolicy> policy)
    : app_(&app), conn_(std::move(conn)), policy_(std::move(policy)) {}

AppLease::AppLease(AppLease&& other) noexcept
    : app_(other.app_), conn_(std::move(other.conn_)), policy_(std::move(other.policy_)) {}

AppLease::~AppLease() {
  if (conn_) app_->giveBack(std::move(conn_));
}

storage::Database& AppLease::db() { return conn_->db; }
storage::TableStore& AppLease::tables() { return conn_->tables; }
Users& AppLease::users() { return conn_->users; }

DataService AppLease::data() {
  return DataService(DataEnv{conn_->db, conn_->tables, *policy_, app_->audit(), app_->clock_, app_->random_,
                             app_->dynamicSchema(*this)});
}

AppTransaction::AppTransaction(AppLease& lease) : scope_(std::make_unique<storage::WriteScope>(lease.db())) {}
AppTransaction::~AppTransaction() = default;
void AppTransaction::commit() { scope_->commit(); }

// --- App ---

namespace {

// The policy in force, one row. `bindings` holds the email -> user id map
// made when it was applied: rules keep naming the same users after a
// restart, whatever emails changed since.
constexpr const char* kPolicySchema =
    "CREATE TABLE IF NOT EXISTS _policy("
    " id INTEGER PRIMARY KEY CHECK (id = 1), text TEXT NOT NULL, bindings TEXT NOT NULL,"
    " appliedMs INTEGER NOT NULL) STRICT";

std::optional<storage::ValueType> columnType(const json& value) {
  using storage::ValueType;
  if (!value.is_string()) return std::nullopt;
  const std::string& t = value.get_ref<const std::string&>();
  if (t == "string") return ValueType::kString;
  if (t == "number") return ValueType::kNumber;
  if (t == "boolean") return ValueType::kBoolean;
  if (t == "date") return ValueType::kDate;
  if (t == "json" || t == "JSON") return ValueType::kJson;
  return std::nullopt;
}

// Declares the policy's tables on `tables` (inside the caller's transaction).
Status declareTables(storage::TableStore& tables, const Policy& policy) {
  for (const auto& [name, settings] : policy.tables) {
    const std::string where = "tables." + name;
    std::vector<storage::ColumnInfo> columns;
    for (const auto& [column, type] : settings.columns.items()) {
      std::optional<storage::ValueType> t = columnType(type);
      if (!t) {
        return Status(ErrorCode::kInvalidArgument,
                      where + ".columns." + column + ": the type must be one of string, number, boolean, date, json");
      }
      columns.push_back({column, *t});
    }
    std::vector<std::vector<std::string>> indexes;
    for (size_t i = 0; i < settings.indexes.size(); ++i) {
      const json& index = settings.indexes[i];
      std::vector<std::string> cols;
      if (index.is_array() && !index.empty()) {
        for (const json& c : index) {
          if (!c.is_string()) break;
          cols.push_back(c.get<std::string>());
        }
      }
      if (cols.empty() || cols.size() != index.size()) {
        return Status(ErrorCode::kInvalidArgument,
                      where + ".indexes[" + std::to_string(i) + "]: an index is a non-empty array of column names");
      }
      indexes.push_back(std::move(cols));
    }
    if (Status s = tables.declareTable(name, columns, indexes); !s.ok()) {
      return Status(s.code(), where + ": " + s.message());
    }
  }
  return {};
}

}  // namespace

App::App(std::string id, std::string dbPath, AppConfig config, const Clock& clock, Random& random, Logger& log)
    : id_(std::move(id)),
      dbPath_(std::move(dbPath)),
      config_(std::move(config)),
      clock_(clock),
      random_(random),
      log_(log),
      throttle_(config_.loginThrottle, clock),
      audit_(std::make_unique<AuditLog>(dbPath_, config_.audit, clock, log)) {
  // One dummy hash for every connection's Users, not one hash per connection.
  if (config_.users.dummyHash.empty()) {
    config_.users.dummyHash = hashPassword(newSessionToken(random_), config_.users.password);
  }
  policy_ = loadPolicy();
}

App::~App() = default;

AppLease App::lease() {
  std::unique_ptr<AppLease::Connection> conn;
  {
    std::lock_guard lock(poolMu_);
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  // The pool grows to the number of threads working on the app at once
  // (direct workers, JS workers, logins) and keeps what it made.
  if (!conn) conn = std::make_unique<AppLease::Connection>(dbPath_, clock_, random_, throttle_, config_.users);
  return AppLease(*this, std::move(conn), policy());
}

void App::giveBack(std::unique_ptr<AppLease::Connection> conn) {
  std::lock_guard lock(poolMu_);
  idle_.push_back(std::move(conn));
}

std::shared_ptr<const BoundPolicy> App::policy() const {
  std::lock_guard lock(policyMu_);
  return policy_;
}

std::optional<std::string> App::policyText() const {
  std::lock_guard lock(policyMu_);
  return policyText_;
}

std::shared_ptr<const BoundPolicy> App::loadPolicy() {
  auto conn = std::make_unique<AppLease::Connection>(dbPath_, clock_, random_, throttle_, config_.users);
  conn->db.exec(kPolicySchema);
  std::optional<std::string> text;
  json bindings = json::object();
  {
    auto stmt = conn->db.prepare("SELECT text, bindings FROM _policy WHERE id = 1");
    if (stmt->step()) {
      text = stmt->columnText(0);
      bindings = json::parse(stmt->columnText(1), nullptr, /*allow_exceptions=*/false);
    }
  }
  giveBack(std::move(conn));
  Policy policy;
  if (text) {
    Result<Policy> parsed = parsePolicy(*text);
    if (!parsed.ok()) {
      // Stored policies were valid when applied; a build that reads them
      // differently must not open the app wide: keep the empty policy.
      log_.error("stored policy no longer parses; the app runs with the empty policy",
                 {{"app", id_}, {"error", parsed.status().message()}});
      text.reset();
    } else {
      policy = std::move(*parsed);
    }
  }
  policyText_ = text;
  auto bound = bindPolicy(std::move(policy), [&](std::string_view email) -> std::optional<std::string> {
    std::string key(email);
    if (bindings.is_object() && bindings.contains(key) && bindings[key].is_string()) {
      return bindings[key].get<std::string>();
    }
    return std::nullopt;
  });
  return std::make_shared<const BoundPolicy>(std::move(bound));
}

Result<PolicyApplied> App::applyPolicy(std::string_view text, const CallInfo& call) {
  Result<Policy> parsed = parsePolicy(text);
  if (!parsed.ok()) return parsed.status();
  AppLease lease = this->lease();
  storage::Database& db = lease.db();
  db.exec(kPolicySchema);

  storage::Transaction tx(db);
  if (Status s = declareTables(lease.tables(), *parsed); !s.ok()) return s;
  json bindings = json::object();
  BoundPolicy bound = bindPolicy(std::move(*parsed), [&](std::string_view email) -> std::optional<std::string> {
    std::optional<std::string> id = lease.users().idByEmail(email);
    if (id) bindings[std::string(email)] = *id;
    return id;
  });
  PolicyApplied applied{bound.warnings(), clock_.nowMs()};
  {
    auto stmt = db.prepare(
        "INSERT INTO _policy(id, text, bindings, appliedMs) VALUES (1, ?1, ?2, ?3) "
        "ON CONFLICT(id) DO UPDATE SET text = excluded.text, bindings = excluded.bindings, "
        "appliedMs = excluded.appliedMs");
    stmt->bind(1, text).bind(2, bindings.dump()).bind(3, applied.appliedMs);
    stmt->run();
  }
  std::string detail = std::to_string(bound.policy().rules.size()) + " rules, " +
                       std::to_string(bound.policy().tables.size()) + " tables, " +
                       std::to_string(bound.policy().services.size()) + " services";
  audit_->recordInTransaction(db, adminAuditEntry(call, "policy.apply", "app", detail, applied.appliedMs));
  tx.commit();

  std::lock_guard lock(policyMu_);
  policy_ = std::make_shared<const BoundPolicy>(std::move(bound));
  policyText_ = std::string(text);
  return applied;
}

bool App::dynamicSchema(AppLease& lease) {
  uint64_t generation = 0;
  {
    std::lock_guard lock(settingsMu_);
    if (dynamicSchema_) return *dynamicSchema_;
    generation = settingsGeneration_;
  }
  bool on = config_.dynamicSchema;
  {
    auto stmt = lease.db().prepare("SELECT value FROM _settings WHERE key = 'dynamicSchema'");
    if (stmt->step()) on = stmt->columnText(0) == "true";
  }
  std::lock_guard lock(settingsMu_);
  if (generation == settingsGeneration_) dynamicSchema_ = on;
  return on;
}

void App::settingsChanged() {
  std::lock_guard lock(settingsMu_);
  dynamicSchema_.reset();
  ++settingsGeneration_;
}

Result<Principal> App::principalFor(ClientKind key, const std::optional<std::string>& token) {
  // Without a token nothing is read: no connection is taken.
  if (!token) return Principal::client(ClientIdentity{.key = key});
  AppLease lease = this->lease();
  return lease.users().principalFor(key, token);
}

Status App::denied(ErrorCode code, const Decision& decision) const {
  return denialStatus(code, decision, config_.devMode);
}

// --- Users ---

Result<json> App::registerUser(const Principal& principal, const CallInfo& call, const json& user) {
  (void)call;
  AppLease lease = this->lease();
  Decision d = evaluate(lease.policy(), principal, Op::kUsersRegister, ResourceRef::users());
  if (!d.allow) return denied(ErrorCode::kNoPermissionCreate, d);
  return lease.users().registerUser(user);
}

Result<Session> App::login(ClientKind key, const CallInfo& call, std::string_view login, std::string_view password) {
  Result<Principal> anonymous = Principal::client(ClientIdentity{key, false, std::nullopt, {}});
  AppLease lease = this->lease();
  Decision d = evaluate(lease.policy(), *anonymous, Op::kUsersLogin, ResourceRef::users());
  if (!d.allow) return denied(ErrorCode::kInvalidLogin, d);
  return lease.users().login(login, password, call.clientAddress);
}

Status App::logout(std::string_view token) {
  AppLease lease = this->lease();
  return lease.users().logout(token);
}

bool App::isValidToken(std::string_view token) {
  AppLease lease = this->lease();
  return lease.users().isValidToken(token);
}

Result<json> App::getUser(const Principal& principal, const CallInfo& call, std::string_view userId) {
  (void)call;
  AppLease lease = this->lease();
  const bool self = principal.user() && principal.user()->id == userId;
  if (!self && !principal.isAdmin()) {
    ObjectFacts facts{std::string(userId), {}};  // a user owns their own record
    Decision d = evaluate(lease.policy(), principal, Op::kDataFind, *ResourceRef::data(Users::kTable), &facts);
    // A record one may not see is not found, so ids cannot be probed.
    if (!d.allow) return Status::error(ErrorCode::kEntityNotFound);
  }
  return lease.users().findById(userId);
}

Result<json> App::updateUser(const Principal& principal, const CallInfo& call, std::string_view userId,
                             const json& changes) {
  (void)call;
  AppLease lease = this->lease();
  const bool self = principal.user() && principal.user()->id == userId;
  if (!self && !principal.isAdmin()) {
    ObjectFacts facts{std::string(userId), {}};
    Decision d = evaluate(lease.policy(), principal, Op::kDataUpdate, *ResourceRef::data(Users::kTable), &facts);
    if (!d.allow) return denied(ErrorCode::kNoPermissionUpdate, d);
  }
  // The same fields are writable whoever is allowed to write them.
  return lease.users().update(userId, userId, changes);
}

Status App::assignRole(const CallInfo& call, std::string_view userId, std::string_view role) {
  AppLease lease = this->lease();
  storage::Transaction tx(lease.db());
  if (Status s = lease.users().assignRole(userId, role); !s.ok()) return s;
  audit_->recordInTransaction(lease.db(), adminAuditEntry(call, "role.assign", "user:" + std::string(userId),
                                                          std::string(role), clock_.nowMs()));
  tx.commit();
  return {};
}

Status App::unassignRole(const CallInfo& call, std::string_view userId, std::string_view role) {
  AppLease lease = this->lease();
  storage::Transaction tx(lease.db());
  if (Status s = lease.users().unassignRole(userId, role); !s.ok()) return s;
  audit_->recordInTransaction(lease.db(), adminAuditEntry(call, "role.unassign", "user:" + std::string(userId),
                                                          std::string(role), clock_.nowMs()));
  tx.commit();
  return {};
}

Status App::setUserEnabled(const CallInfo& call, std::string_view userId, bool enabled) {
  AppLease lease = this->lease();
  storage::Transaction tx(lease.db());
  if (Status s = lease.users().setEnabled(userId, enabled); !s.ok()) return s;
  audit_->recordInTransaction(lease.db(), adminAuditEntry(call, enabled ? "user.enable" : "user.disable",
                                                          "user:" + std::string(userId), "", clock_.nowMs()));
  tx.commit();
  return {};
}

void App::auditAdmin(const CallInfo& call, std::string op, std::string resource, std::string detail) {
  AppLease lease = this->lease();
  storage::Transaction tx(lease.db());
  audit_->recordInTransaction(
      lease.db(), adminAuditEntry(call, std::move(op), std::move(resource), std::move(detail), clock_.nowMs()));
  tx.commit();
}

// --- Files ---

storage::FileStore& App::fileStore() {
  std::call_once(filesOnce_, [this] {
    const std::string root = (std::filesystem::path(dbPath_).parent_path() / "files").string();
    fileStore_ = std::make_unique<storage::FileStore>(root, storage::FileStoreConfig{config_.files.maxFileBytes},
                                                      random_);
  });
  return *fileStore_;
}

FilesService App::files() { return FilesService(fileStore(), policy(), *audit_, clock_); }

std::optional<std::string> App::userIdByEmail(std::string_view email) {
  AppLease lease = this->lease();
  return lease.users().idByEmail(email);
}

}  // namespace ck::services
