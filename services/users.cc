#include "services/users.h"

#include <algorithm>
#include <stdexcept>

#include "services/access_types.h"
#include "storage/sqlite.h"

namespace ck::services {

using nlohmann::json;

namespace {

constexpr std::string_view kEnabled = "ENABLED";
constexpr std::string_view kDisabled = "DISABLED";
constexpr size_t kMaxEmailBytes = 254;

std::string asciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool validEmail(std::string_view email) {
  if (email.empty() || email.size() > kMaxEmailBytes) return false;
  for (char c : email) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos) return false;
  std::string_view domain = email.substr(at + 1);
  size_t dot = domain.find('.');
  return dot != std::string_view::npos && dot != 0 && domain.back() != '.';
}

Status checkPassword(const json& value) {
  if (!value.is_string()) return Status(ErrorCode::kInvalidArgument, "password is required (a string)");
  const auto& s = value.get_ref<const std::string&>();
  if (s.empty() || s.size() > kMaxPasswordBytes) {
    return Status(ErrorCode::kInvalidArgument, "password must be 1 to 1024 bytes");
  }
  return {};
}

Status checkEmail(const json& value) {
  if (!value.is_string()) return Status(ErrorCode::kInvalidArgument, "email is required (a string)");
  if (!validEmail(value.get_ref<const std::string&>())) {
    return Status(ErrorCode::kInvalidArgument, "email is not a valid email address");
  }
  return {};
}

// Runs `body` in a transaction (or a savepoint of the caller's) it commits
// when body's result is ok.
template <typename T, typename F>
Result<T> inTransaction(storage::Database& db, F&& body) {
  storage::WriteScope tx(db);
  Result<T> r = body();
  if (r.ok()) tx.commit();
  return r;
}

void dropPassword(json& user) {
  if (user.is_object()) user.erase("password");
}

}  // namespace

Users::Users(storage::Database& db, const Clock& clock, Random& random, LoginThrottle& throttle, UsersConfig config)
    : db_(db), store_(db), clock_(clock), random_(random), throttle_(throttle), config_(config) {
  using storage::ValueType;
  Status s = store_.declareTable(kTable, {{"email", ValueType::kString},
                                          {"password", ValueType::kString},
                                          {"name", ValueType::kString},
                                          {"userStatus", ValueType::kString}});
  if (!s.ok()) throw std::logic_error("cannot declare the Users table: " + s.message());
  db_.exec(
      "CREATE TABLE IF NOT EXISTS _sessions("
      " tokenHash TEXT PRIMARY KEY, userId TEXT NOT NULL, createdMs INTEGER NOT NULL,"
      " expiresMs INTEGER NOT NULL) STRICT;"
      "CREATE INDEX IF NOT EXISTS _sessions_user ON _sessions(userId);"
      "CREATE TABLE IF NOT EXISTS _user_roles("
      " userId TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY(userId, role)) STRICT;"
      // Logins and the uniqueness check look emails up ignoring case.
      R"(CREATE INDEX IF NOT EXISTS _users_email_lower ON "Users"(lower("email"));)");
  dummyHash_ = config_.dummyHash.empty() ? hashPassword(newSessionToken(random_), config_.password)
                                         : config_.dummyHash;
}

std::optional<std::string> Users::emailOwner(std::string_view email, std::string_view exceptId) {
  auto stmt = db_.prepare(R"(SELECT "objectId" FROM "Users" WHERE lower("email") = ?1 AND "objectId" <> ?2 LIMIT 1)");
  stmt->bind(1, asciiLower(email)).bind(2, exceptId);
  if (!stmt->step()) return std::nullopt;
  return stmt->columnText(0);
}

std::optional<Users::Credentials> Users::credentialsByEmail(std::string_view email) {
  auto stmt = db_.prepare(
      R"(SELECT "objectId", "password", "userStatus" FROM "Users" WHERE lower("email") = ?1 ORDER BY "created" LIMIT 1)");
  stmt->bind(1, asciiLower(email));
  if (!stmt->step()) return std::nullopt;
  return Credentials{stmt->columnText(0), stmt->columnText(1), stmt->columnText(2)};
}

bool Users::userExists(std::string_view userId) {
  auto stmt = db_.prepare(R"(SELECT 1 FROM "Users" WHERE "objectId" = ?1)");
  stmt->bind(1, userId);
  return stmt->step();
}

Result<json> Users::registerUser(const json& user) {
  if (!user.is_object()) return Status(ErrorCode::kInvalidArgument, "the user must be a JSON object");
  if (Status s = checkEmail(user.contains("email") ? user["email"] : json()); !s.ok()) return s;
  if (Status s = checkPassword(user.contains("password") ? user["password"] : json()); !s.ok()) return s;

  json object = user;
  for (const char* ignored : {"objectId", "ownerId", "created", "updated", "userStatus", "roles"}) {
    object.erase(ignored);
  }
  object["password"] = hashPassword(user["password"].get<std::string>(), config_.password);
  object["userStatus"] = kEnabled;
  const std::string email = user["email"].get<std::string>();

  return inTransaction<json>(db_, [&]() -> Result<json> {
    if (emailOwner(email, "")) return Status(ErrorCode::kUserAlreadyExists, "User already exists");
    storage::WriteContext ctx;
    ctx.objectId = newGuid(random_);
    ctx.ownerId = ctx.objectId;
    ctx.nowMs = clock_.nowMs();
    ctx.allowNewColumns = config_.allowNewColumns;
    Result<json> row = store_.create(kTable, object, ctx);
    if (row.ok()) dropPassword(*row);
    return row;
  });
}

Result<Session> Users::login(std::string_view login, std::string_view password, std::string_view clientAddress) {
  if (int64_t wait = throttle_.delayMs(login, clientAddress); wait > 0) {
    return Status(ErrorCode::kTooManyLogins,
                  "Too many failed logins; try again in " + std::to_string(wait) + " ms");
  }
  const Status invalid(ErrorCode::kInvalidLogin, "Invalid login or password");
  std::optional<Credentials> creds = credentialsByEmail(login);
  // One verification whatever happens, so the time taken does not tell
  // whether the email exists.
  bool match = verifyPassword(password, creds ? creds->passwordHash : dummyHash_);
  if (!creds || !match) {
    throttle_.recordFailure(login, clientAddress);
    return invalid;
  }
  if (creds->userStatus == kDisabled) return Status::error(ErrorCode::kUserDisabled);
  throttle_.recordSuccess(login, clientAddress);
  if (needsRehash(creds->passwordHash, config_.password)) {
    // Upgrade to the current parameters while the password is at hand;
    // `updated` is left alone: the user changed nothing.
    auto stmt = db_.prepare(R"(UPDATE "Users" SET "password" = ?1 WHERE "objectId" = ?2)");
    stmt->bind(1, hashPassword(password, config_.password)).bind(2, creds->objectId);
    stmt->run();
  }

  Result<json> user = findById(creds->objectId);
  if (!user.ok()) return invalid;  // deleted meanwhile
  Session session{std::move(*user), newSessionToken(random_)};
  int64_t now = clock_.nowMs();
  auto stmt = db_.prepare("INSERT INTO _sessions(tokenHash, userId, createdMs, expiresMs) VALUES (?1, ?2, ?3, ?4)");
  stmt->bind(1, tokenHash(session.token)).bind(2, creds->objectId).bind(3, now).bind(4, now + config_.sessionTimeoutMs);
  stmt->run();
  return session;
}

Status Users::logout(std::string_view token) {
  Result<TokenOwner> owner = resolveToken(token);
  if (!owner.ok()) return owner.status();
  auto stmt = db_.prepare("DELETE FROM _sessions WHERE tokenHash = ?1");
  stmt->bind(1, tokenHash(token));
  stmt->run();
  return {};
}

Result<TokenOwner> Users::resolveToken(std::string_view token) {
  const std::string hash = tokenHash(token);
  std::string userId;
  bool expired = false;
  {
    auto stmt = db_.prepare("SELECT userId, expiresMs FROM _sessions WHERE tokenHash = ?1");
    stmt->bind(1, hash);
    if (!stmt->step()) return Status::error(ErrorCode::kInvalidUserToken);
    userId = stmt->columnText(0);
    expired = stmt->columnInt64(1) <= clock_.nowMs();
  }
  if (expired) {
    auto del = db_.prepare("DELETE FROM _sessions WHERE tokenHash = ?1");
    del->bind(1, hash);
    del->run();
    return Status::error(ErrorCode::kInvalidUserToken);
  }
  TokenOwner owner;
  {
    auto stmt = db_.prepare(R"(SELECT "email", "userStatus" FROM "Users" WHERE "objectId" = ?1)");
    stmt->bind(1, userId);
    if (!stmt->step()) return Status::error(ErrorCode::kInvalidUserToken);
    if (stmt->columnText(1) == kDisabled) return Status::error(ErrorCode::kUserDisabled);
    owner.userId = userId;
    owner.email = stmt->columnText(0);
  }
  Result<std::vector<std::string>> roles = rolesOf(userId);
  if (roles.ok()) owner.roles = std::move(*roles);
  return owner;
}

bool Users::isValidToken(std::string_view token) { return resolveToken(token).ok(); }

Result<json> Users::findById(std::string_view userId) {
  storage::FindByIdQuery query;
  query.excludeProps = {"password"};
  Result<json> row = store_.findById(kTable, userId, query);
  if (row.ok()) dropPassword(*row);
  return row;
}

Result<json> Users::update(std::string_view actingUserId, std::string_view targetUserId, const json& changes) {
  if (actingUserId != targetUserId) {
    return Status(ErrorCode::kNoPermissionUpdate, "A user may update only their own record");
  }
  if (!changes.is_object()) return Status(ErrorCode::kInvalidArgument, "the changes must be a JSON object");
  std::vector<std::string> refused;
  for (const char* name : {"objectId", "ownerId", "created", "updated", "userStatus", "roles"}) {
    if (changes.contains(name)) refused.emplace_back(name);
  }
  if (!refused.empty()) {
    std::string list;
    for (const std::string& r : refused) list += (list.empty() ? "" : ", ") + r;
    return Status(ErrorCode::kInvalidArgument, "These properties cannot be changed by the user: " + list);
  }
  json object = changes;
  if (changes.contains("password")) {
    if (Status s = checkPassword(changes["password"]); !s.ok()) return s;
    object["password"] = hashPassword(changes["password"].get<std::string>(), config_.password);
  }
  if (changes.contains("email")) {
    if (Status s = checkEmail(changes["email"]); !s.ok()) return s;
  }
  return inTransaction<json>(db_, [&]() -> Result<json> {
    if (!userExists(targetUserId)) return Status::error(ErrorCode::kEntityNotFound);
    if (changes.contains("email") && emailOwner(changes["email"].get<std::string>(), targetUserId)) {
      return Status(ErrorCode::kUserAlreadyExists, "User already exists");
    }
    storage::WriteContext ctx;
    ctx.nowMs = clock_.nowMs();
    ctx.allowNewColumns = config_.allowNewColumns;
    Result<json> row = store_.update(kTable, targetUserId, object, ctx);
    if (row.ok()) dropPassword(*row);
    return row;
  });
}

Status Users::setEnabled(std::string_view userId, bool enabled) {
  Result<bool> r = inTransaction<bool>(db_, [&]() -> Result<bool> {
    if (!userExists(userId)) return Status::error(ErrorCode::kEntityNotFound);
    storage::WriteContext ctx;
    ctx.nowMs = clock_.nowMs();
    Result<json> row = store_.update(kTable, userId, json{{"userStatus", enabled ? kEnabled : kDisabled}}, ctx);
    if (!row.ok()) return row.status();
    if (!enabled) {
      auto stmt = db_.prepare("DELETE FROM _sessions WHERE userId = ?1");
      stmt->bind(1, userId);
      stmt->run();
    }
    return true;
  });
  return r.status();
}

Status Users::checkRoleArgs(std::string_view userId, std::string_view role) {
  // checkCustomRoleName's reason already names the role.
  if (std::string why = checkCustomRoleName(role); !why.empty()) return Status(ErrorCode::kInvalidArgument, why);
  if (!userExists(userId)) return Status::error(ErrorCode::kEntityNotFound);
  return {};
}

Status Users::assignRole(std::string_view userId, std::string_view role) {
  if (Status s = checkRoleArgs(userId, role); !s.ok()) return s;
  auto stmt = db_.prepare("INSERT OR IGNORE INTO _user_roles(userId, role) VALUES (?1, ?2)");
  stmt->bind(1, userId).bind(2, role);
  stmt->run();
  return {};
}

Status Users::unassignRole(std::string_view userId, std::string_view role) {
  if (Status s = checkRoleArgs(userId, role); !s.ok()) return s;
  auto stmt = db_.prepare("DELETE FROM _user_roles WHERE userId = ?1 AND role = ?2");
  stmt->bind(1, userId).bind(2, role);
  stmt->run();
  return {};
}

Result<std::vector<std::string>> Users::rolesOf(std::string_view userId) {
  if (!userExists(userId)) return Status::error(ErrorCode::kEntityNotFound);
  auto stmt = db_.prepare("SELECT role FROM _user_roles WHERE userId = ?1 ORDER BY role");
  stmt->bind(1, userId);
  std::vector<std::string> roles;
  while (stmt->step()) roles.push_back(stmt->columnText(0));
  return roles;
}

Result<Principal> Users::principalFor(ClientKind key, const std::optional<std::string>& token) {
  ClientIdentity identity;
  identity.key = key;
  if (token) {
    Result<TokenOwner> owner = resolveToken(*token);
    if (!owner.ok()) return owner.status();
    identity.authenticated = true;
    identity.user = PrincipalUser{owner->userId, owner->email};
    identity.customRoles = std::move(owner->roles);
  }
  return Principal::client(std::move(identity));
}

}  // namespace ck::services
