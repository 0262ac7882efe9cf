#include "services/users.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "services/access_types.h"
#include "storage/app_store.h"
#include "storage/sqlite.h"
#include "storage/test_temp_dir.h"

namespace ck::services {
namespace {

using nlohmann::json;

const PasswordParams kFast{1, 8u << 10};
constexpr const char* kPassword = "correct horse 1";

class UsersTest : public ::testing::Test {
 protected:
  UsersTest() {
    storage::AppStore::open(tmp_.path());
    db_ = std::make_unique<storage::Database>(tmp_.file("app.db"));
    throttle_ = std::make_unique<LoginThrottle>(LoginThrottleConfig{}, clock_);
    make();
  }
  void make(bool dynamic = true, PasswordParams params = kFast) {
    UsersConfig config;
    config.password = params;
    config.sessionTimeoutMs = 60'000;
    config.allowNewColumns = dynamic;
    users_ = std::make_unique<Users>(*db_, clock_, random_, *throttle_, config);
  }
  std::string registerUser(const std::string& email, const std::string& password = kPassword) {
    Result<json> r = users_->registerUser(json{{"email", email}, {"password", password}, {"name", "N"}});
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r->at("objectId").get<std::string>() : "";
  }
  Session loginOk(const std::string& email, const std::string& password = kPassword) {
    Result<Session> r = users_->login(email, password, "10.0.0.1");
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : Session{};
  }

  storage::TempDir tmp_;
  std::unique_ptr<storage::Database> db_;
  FakeClock clock_;
  SystemRandom random_;
  std::unique_ptr<LoginThrottle> throttle_;
  std::unique_ptr<Users> users_;
};

TEST_F(UsersTest, RegisterLoginLogoutRoundTrip) {
  Result<json> reg = users_->registerUser(
      json{{"email", "Ann@Example.com"}, {"password", kPassword}, {"name", "Ann"}, {"age", 31}});
  ASSERT_TRUE(reg.ok()) << reg.status().message();
  EXPECT_FALSE(reg->contains("password"));
  EXPECT_EQ(reg->at("email"), "Ann@Example.com");
  EXPECT_EQ(reg->at("userStatus"), "ENABLED");
  EXPECT_EQ(reg->at("age"), 31);
  const std::string id = reg->at("objectId");
  EXPECT_EQ(reg->at("ownerId"), id);

  Result<Session> s = users_->login("ann@example.COM", kPassword, "10.0.0.1");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->token.size(), 64u);
  EXPECT_EQ(s->user.at("objectId"), id);
  EXPECT_FALSE(s->user.contains("password"));
  EXPECT_TRUE(users_->isValidToken(s->token));
  Result<TokenOwner> owner = users_->resolveToken(s->token);
  ASSERT_TRUE(owner.ok());
  EXPECT_EQ(owner->userId, id);

  EXPECT_TRUE(users_->logout(s->token).ok());
  EXPECT_FALSE(users_->isValidToken(s->token));
  EXPECT_EQ(users_->logout(s->token).code(), ErrorCode::kInvalidUserToken);
  EXPECT_EQ(users_->resolveToken(s->token).status().code(), ErrorCode::kInvalidUserToken);
}

TEST_F(UsersTest, RegisterValidatesAndIgnoresHostFields) {
  EXPECT_EQ(users_->registerUser(json{{"password", kPassword}}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(users_->registerUser(json{{"email", "nope"}, {"password", kPassword}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(users_->registerUser(json{{"email", "a@b.co"}}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(users_->registerUser(json{{"email", "a@b.co"}, {"password", ""}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(users_->registerUser(json{{"email", "a@b.co"}, {"password", std::string(1025, 'x')}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(users_->registerUser(json{{"email", "a@b.co"}, {"password", std::string(1024, 'x')}}).ok());

  Result<json> r = users_->registerUser(json{{"email", "c@d.co"},
                                             {"password", kPassword},
                                             {"objectId", "MINE"},
                                             {"ownerId", "SOMEONE"},
                                             {"created", 5},
                                             {"userStatus", "DISABLED"},
                                             {"roles", json::array({"Admin"})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_NE(r->at("objectId"), "MINE");
  EXPECT_EQ(r->at("ownerId"), r->at("objectId"));
  EXPECT_NE(r->at("created"), 5);
  EXPECT_EQ(r->at("userStatus"), "ENABLED");
  EXPECT_FALSE(r->contains("roles"));
  EXPECT_TRUE(users_->rolesOf(r->at("objectId").get<std::string>())->empty());
}

TEST_F(UsersTest, ExtraPropertiesNeedDynamicSchema) {
  make(/*dynamic=*/false);
  EXPECT_EQ(users_->registerUser(json{{"email", "a@b.co"}, {"password", kPassword}, {"shoeSize", 44}})
                .status()
                .code(),
            ErrorCode::kNoSuchProperties);
  EXPECT_TRUE(users_->registerUser(json{{"email", "a@b.co"}, {"password", kPassword}, {"name", "A"}}).ok());
}

TEST_F(UsersTest, DuplicateEmailInAnyCase) {
  registerUser("bob@example.com");
  for (const char* variant : {"bob@example.com", "BOB@example.com", "Bob@Example.COM"}) {
    Result<json> r = users_->registerUser(json{{"email", variant}, {"password", kPassword}});
    EXPECT_EQ(r.status().code(), ErrorCode::kUserAlreadyExists) << variant;
    EXPECT_EQ(r.status().httpStatus(), 409);
  }
}

TEST_F(UsersTest, WrongPasswordAndUnknownEmailLookAlike) {
  registerUser("carol@example.com");
  Result<Session> wrong = users_->login("carol@example.com", "nope", "10.0.0.1");
  Result<Session> unknown = users_->login("nobody@example.com", kPassword, "10.0.0.1");
  ASSERT_FALSE(wrong.ok());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(wrong.status().code(), ErrorCode::kInvalidLogin);
  EXPECT_EQ(unknown.status().code(), ErrorCode::kInvalidLogin);
  EXPECT_EQ(wrong.status().message(), unknown.status().message());
  EXPECT_EQ(wrong.status().httpStatus(), 401);
}

TEST_F(UsersTest, DisabledUserCannotLogInAndLosesSessions) {
  std::string id = registerUser("dan@example.com");
  Session s = loginOk("dan@example.com");
  ASSERT_TRUE(users_->setEnabled(id, false).ok());
  Result<Session> r = users_->login("dan@example.com", kPassword, "10.0.0.1");
  EXPECT_EQ(r.status().code(), ErrorCode::kUserDisabled);
  EXPECT_FALSE(users_->isValidToken(s.token));
  // A wrong password still answers 3003: disabled accounts are not revealed.
  EXPECT_EQ(users_->login("dan@example.com", "x", "10.0.0.1").status().code(), ErrorCode::kInvalidLogin);
  ASSERT_TRUE(users_->setEnabled(id, true).ok());
  loginOk("dan@example.com");
}

TEST_F(UsersTest, ExpiredTokenIsAnErrorNotADowngrade) {
  registerUser("eve@example.com");
  Session s = loginOk("eve@example.com");
  clock_.advanceMs(59'999);
  EXPECT_TRUE(users_->isValidToken(s.token));
  clock_.advanceMs(1);
  EXPECT_EQ(users_->resolveToken(s.token).status().code(), ErrorCode::kInvalidUserToken);
  Result<Principal> p = users_->principalFor(ClientKind::kRest, s.token);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), ErrorCode::kInvalidUserToken);
  auto stmt = db_->prepare("SELECT count(*) FROM _sessions");
  ASSERT_TRUE(stmt->step());
  EXPECT_EQ(stmt->columnInt64(0), 0) << "the expired session is deleted";
}

TEST_F(UsersTest, ForgedTokensAreRefused) {
  registerUser("fay@example.com");
  Session s = loginOk("fay@example.com");
  std::string forged = s.token;
  forged[0] = forged[0] == 'a' ? 'b' : 'a';
  for (const std::string& t : {forged, std::string(), std::string(64, '0'), tokenHash(s.token)}) {
    EXPECT_EQ(users_->resolveToken(t).status().code(), ErrorCode::kInvalidUserToken) << t;
    EXPECT_EQ(users_->principalFor(ClientKind::kJs, t).status().code(), ErrorCode::kInvalidUserToken) << t;
  }
}

TEST_F(UsersTest, NoPasswordOrTokenInClearInTheDatabase) {
  std::string id = registerUser("gus@example.com");
  Session s = loginOk("gus@example.com");
  ASSERT_TRUE(users_->update(id, id, json{{"password", "second secret 2"}}).ok());
  Session s2 = loginOk("gus@example.com", "second secret 2");
  ASSERT_TRUE(users_->assignRole(id, "Customer").ok());

  std::vector<std::string> tables;
  {
    auto stmt = db_->prepare("SELECT name FROM sqlite_master WHERE type = 'table'");
    while (stmt->step()) tables.push_back(stmt->columnText(0));
  }
  ASSERT_GE(tables.size(), 3u);
  int cells = 0;
  for (const std::string& t : tables) {
    storage::Statement stmt(*db_, "SELECT * FROM \"" + t + "\"");
    while (stmt.step()) {
      for (int i = 0; i < stmt.columnCount(); ++i) {
        if (stmt.columnType(i) != storage::ColumnType::kText) continue;
        ++cells;
        std::string v = stmt.columnText(i);
        for (const std::string& secret : {std::string(kPassword), std::string("second secret 2"), s.token, s2.token}) {
          EXPECT_EQ(v.find(secret), std::string::npos) << t << "." << stmt.columnName(i);
        }
      }
    }
  }
  EXPECT_GT(cells, 5);
}

TEST_F(UsersTest, UserCannotWriteHostFieldsOrOthers) {
  std::string id = registerUser("hal@example.com");
  std::string other = registerUser("ida@example.com");
  for (const char* field : {"ownerId", "userStatus", "objectId", "roles", "created", "updated"}) {
    Result<json> r = users_->update(id, id, json{{field, "X"}, {"name", "Hal"}});
    ASSERT_FALSE(r.ok()) << field;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << field;
    EXPECT_NE(r.status().message().find(field), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(users_->findById(id)->at("name"), "N") << "nothing was changed";

  Result<json> r = users_->update(id, other, json{{"name", "pwned"}});
  EXPECT_EQ(r.status().code(), ErrorCode::kNoPermissionUpdate);
  EXPECT_EQ(users_->findById(other)->at("name"), "N");

  Result<json> ok = users_->update(id, id, json{{"name", "Hal"}});
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->at("name"), "Hal");
  EXPECT_EQ(users_->update(id, id, json{{"email", "IDA@example.com"}}).status().code(),
            ErrorCode::kUserAlreadyExists);
  EXPECT_TRUE(users_->update(id, id, json{{"email", "HAL@example.com"}}).ok()) << "own email in another case";
  EXPECT_EQ(users_->update(id, id, json{{"password", ""}}).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(UsersTest, PasswordNeverReturned) {
  std::string id = registerUser("jo@example.com");
  std::vector<json> seen;
  seen.push_back(*users_->findById(id));
  seen.push_back(*users_->update(id, id, json{{"name", "Jo"}}));
  seen.push_back(*users_->update(id, id, json{{"password", "new one"}}));
  seen.push_back(loginOk("jo@example.com", "new one").user);
  for (const json& j : seen) {
    EXPECT_FALSE(j.contains("password")) << j.dump();
    EXPECT_EQ(j.dump().find("argon2"), std::string::npos) << j.dump();
  }
}

TEST_F(UsersTest, SystemRoleNamesCannotBeAssigned) {
  std::string id = registerUser("kim@example.com");
  for (SystemRole role : kAllSystemRoles) {
    std::string name(systemRoleName(role));
    std::string lower, upper;
    for (char c : name) {
      lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    for (const std::string& n : {name, lower, upper}) {
      EXPECT_EQ(users_->assignRole(id, n).code(), ErrorCode::kInvalidArgument) << n;
    }
  }
  EXPECT_EQ(users_->assignRole(id, "1bad").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(users_->assignRole("NO-SUCH-USER", "Customer").code(), ErrorCode::kEntityNotFound);
  EXPECT_TRUE(users_->rolesOf(id)->empty());

  ASSERT_TRUE(users_->assignRole(id, "Manager").ok());
  ASSERT_TRUE(users_->assignRole(id, "Customer").ok());
  ASSERT_TRUE(users_->assignRole(id, "Customer").ok());
  EXPECT_EQ(*users_->rolesOf(id), (std::vector<std::string>{"Customer", "Manager"}));
  ASSERT_TRUE(users_->unassignRole(id, "Manager").ok());
  EXPECT_EQ(*users_->rolesOf(id), (std::vector<std::string>{"Customer"}));
}

TEST_F(UsersTest, PrincipalForEachKeyKind) {
  std::string id = registerUser("lee@example.com");
  ASSERT_TRUE(users_->assignRole(id, "Customer").ok());
  Session s = loginOk("lee@example.com");
  for (ClientKind kind : kAllClientKinds) {
    SystemRole keyRole = clientKindSystemRole(kind);

    Result<Principal> anon = users_->principalFor(kind, std::nullopt);
    ASSERT_TRUE(anon.ok());
    EXPECT_EQ(anon->systemRoles(), roleBit(keyRole) | roleBit(SystemRole::kNotAuthenticatedUser));
    EXPECT_FALSE(anon->signedIn());
    EXPECT_TRUE(anon->customRoles().empty());

    Result<Principal> user = users_->principalFor(kind, s.token);
    ASSERT_TRUE(user.ok()) << user.status().message();
    EXPECT_EQ(user->systemRoles(), roleBit(keyRole) | roleBit(SystemRole::kAuthenticatedUser));
    EXPECT_FALSE(user->has(SystemRole::kServerCodeUser));
    ASSERT_TRUE(user->user().has_value());
    EXPECT_EQ(user->user()->id, id);
    EXPECT_EQ(user->user()->email, "lee@example.com");
    EXPECT_EQ(user->customRoles(), (std::vector<std::string>{"Customer"}));
  }
}

TEST_F(UsersTest, LoginRehashesWithNewParameters) {
  std::string id = registerUser("ned@example.com");
  auto storedHash = [&] {
    auto stmt = db_->prepare(R"(SELECT "password", "updated" FROM "Users" WHERE "objectId" = ?1)");
    stmt->bind(1, id);
    EXPECT_TRUE(stmt->step());
    EXPECT_TRUE(stmt->columnIsNull(1)) << "a rehash is not an update";
    return stmt->columnText(0);
  };
  EXPECT_EQ(storedHash().rfind("$argon2id$v=19$m=8,t=1,p=1$", 0), 0u);
  make(true, PasswordParams{2, 16u << 10});
  loginOk("ned@example.com");
  EXPECT_EQ(storedHash().rfind("$argon2id$v=19$m=16,t=2,p=1$", 0), 0u) << storedHash();
  loginOk("ned@example.com");
}

TEST_F(UsersTest, ThrottlingSlowsTheGuesserNotTheOwner) {
  registerUser("max@example.com");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(users_->login("max@example.com", "guess", "6.6.6.6").status().code(), ErrorCode::kInvalidLogin);
  }
  Result<Session> next = users_->login("max@example.com", kPassword, "6.6.6.6");
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), ErrorCode::kTooManyLogins);
  EXPECT_EQ(next.status().httpStatus(), 429);
  EXPECT_NE(next.status().message().find("try again in "), std::string::npos) << next.status().message();

  Result<Session> owner = users_->login("max@example.com", kPassword, "10.0.0.9");
  EXPECT_TRUE(owner.ok()) << owner.status().message();

  clock_.advanceMs(60'000);
  EXPECT_TRUE(users_->login("max@example.com", kPassword, "6.6.6.6").ok()) << "the wait is over";
}

}  // namespace
}  // namespace ck::services
