// The users REST API and the principal resolver in the request path, end to
// end over HTTP against the server core started in-process (issue 4 items 1
// and 3): Backendless-shaped register/login/logout/isvalidusertoken/
// userroles/GET/PUT, the admin user routes, keys bound to their app, tokens
// that fail loudly, forged headers that never make ServerCodeUser, secrets
// never stored or logged in clear, the login lane that never delays other
// requests, and login throttling that never locks an owner out.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/in_process_server.h"

namespace ck::testing {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct TestApp {
  std::string id;
  json keys;  // kind -> key
  // "/<appId>/<key of that kind>"
  std::string base(const std::string& kind = "REST") const { return "/" + id + "/" + keys[kind].get<std::string>(); }
};

json parse(const HttpResult& r) { return json::parse(r.body, nullptr, /*allow_exceptions=*/false); }

int codeOf(const HttpResult& r) {
  json body = parse(r);
  return body.is_object() && body.contains("code") && body["code"].is_number() ? body["code"].get<int>() : 0;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

class UsersHttpTest : public InProcessServerTest {
 protected:
  // Cheap argon2id (the libsodium minimum) unless a test needs the real cost.
  void configure(runtime::Config& config) override {
    config.passwordOpsLimit = 1;
    config.passwordMemBytes = 8u << 10;
  }

  TestApp createApp(const std::string& name) {
    HttpResult r = call("POST", "/admin/apps", json{{"name", name}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    json app = parse(r);
    return TestApp{app.value("id", ""), app.value("keys", json::object())};
  }

  // A client request: no admin token; `token` as the user-token header.
  HttpResult client(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::string& token = "", Headers extra = {}, const std::string& source = "") {
    Headers headers = std::move(extra);
    if (!token.empty()) headers.emplace_back("user-token", token);
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return httpCall(server_->port(), method, target, headers, body, 20'000, source);
  }

  // Registers a user; returns its objectId.
  std::string registerUser(const TestApp& app, const std::string& email, const std::string& password,
                           json extra = json::object()) {
    extra["email"] = email;
    extra["password"] = password;
    HttpResult r = client("POST", app.base() + "/users/register", extra.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return parse(r).value("objectId", "");
  }

  // Logs in; returns the user-token ("" when refused).
  std::string login(const TestApp& app, const std::string& email, const std::string& password,
                    const std::string& source = "") {
    HttpResult r = client("POST", app.base() + "/users/login", json{{"login", email}, {"password", password}}.dump(),
                          "", {}, source);
    EXPECT_EQ(r.status, 200) << r.body;
    return parse(r).value("user-token", "");
  }
};

TEST_F(UsersHttpTest, RegisterLoginRolesReadUpdateLogoutRoundTrip) {
  TestApp app = createApp("shop");
  HttpResult reg = client("POST", app.base() + "/users/register",
                          R"({"email":"boris@example.com","password":"123123qwe","name":"Boris"})");
  ASSERT_EQ(reg.status, 200) << reg.body;
  json user = parse(reg);
  const std::string id = user["objectId"];
  EXPECT_EQ(user["email"], "boris@example.com");
  EXPECT_EQ(user["name"], "Boris");
  EXPECT_EQ(user["ownerId"], id);
  EXPECT_FALSE(user.contains("password"));

  // The same email in another case is taken.
  HttpResult dup = client("POST", app.base() + "/users/register", R"({"email":"BORIS@example.com","password":"x"})");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(codeOf(dup), 3033);

  HttpResult in = client("POST", app.base() + "/users/login", R"({"login":"Boris@Example.com","password":"123123qwe"})");
  ASSERT_EQ(in.status, 200) << in.body;
  json session = parse(in);
  const std::string token = session["user-token"];
  EXPECT_EQ(token.size(), 64u);
  EXPECT_EQ(session["objectId"], id);
  EXPECT_FALSE(session.contains("password"));

  EXPECT_EQ(parse(client("GET", app.base() + "/users/isvalidusertoken/" + token)), json(true));
  EXPECT_EQ(parse(client("GET", app.base() + "/users/isvalidusertoken/" + std::string(64, 'a'))), json(false));

  EXPECT_EQ(parse(client("GET", app.base() + "/users/userroles", "", token)),
            json({"AuthenticatedUser", "RestUser"}));
  EXPECT_EQ(parse(client("GET", app.base() + "/users/userroles")), json({"NotAuthenticatedUser", "RestUser"}));
  // The key's role follows the key.
  EXPECT_EQ(parse(client("GET", app.base("JS") + "/users/userroles", "", token)),
            json({"AuthenticatedUser", "JSUser"}));

  HttpResult got = client("GET", app.base() + "/users/" + id, "", token);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(parse(got)["email"], "boris@example.com");
  EXPECT_FALSE(parse(got).contains("password"));
  // Without a user nobody's record is visible (and an unknown id looks the same).
  EXPECT_EQ(codeOf(client("GET", app.base() + "/users/" + id)), 1000);

  HttpResult put = client("PUT", app.base() + "/users/" + id, R"({"name":"Boris B.","password":"new-pass-1"})", token);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(parse(put)["name"], "Boris B.");
  EXPECT_FALSE(parse(put).contains("password"));
  EXPECT_EQ(parse(client("GET", app.base() + "/users/" + id, "", token))["name"], "Boris B.");
  // The new password works, the old one does not.
  EXPECT_EQ(codeOf(client("POST", app.base() + "/users/login", R"({"login":"boris@example.com","password":"123123qwe"})")),
            3003);
  std::string second = login(app, "boris@example.com", "new-pass-1");
  ASSERT_FALSE(second.empty());

  // Logout by GET (as the SDK sends it) and by POST; each ends only its session.
  HttpResult out = client("GET", app.base() + "/users/logout", "", token);
  EXPECT_EQ(out.status, 200) << out.body;
  EXPECT_EQ(parse(client("GET", app.base() + "/users/isvalidusertoken/" + token)), json(false));
  EXPECT_EQ(parse(client("GET", app.base() + "/users/isvalidusertoken/" + second)), json(true));
  EXPECT_EQ(codeOf(client("GET", app.base() + "/users/userroles", "", token)), 3064);
  EXPECT_EQ(client("POST", app.base() + "/users/logout", "", second).status, 200);
  EXPECT_EQ(parse(client("GET", app.base() + "/users/isvalidusertoken/" + second)), json(false));
  // Logging out again, or without a token: 3064.
  EXPECT_EQ(codeOf(client("GET", app.base() + "/users/logout", "", second)), 3064);
  HttpResult anonymous = client("GET", app.base() + "/users/logout");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(codeOf(anonymous), 3064);
}

TEST_F(UsersHttpTest, MalformedRequestsAnswerWithCodes) {
  TestApp app = createApp("shop");
  struct Case {
    const char* target;
    const char* body;
    int status;
    int code;
  } cases[] = {
      {"/users/register", "not json", 400, 100400},
      {"/users/register", "[1]", 400, 100400},
      {"/users/register", R"({"email":"no-at-sign","password":"x"})", 400, 100600},
      {"/users/register", R"({"email":"a@b.co"})", 400, 100600},
      {"/users/login", "not json", 400, 100400},
      {"/users/login", R"({"login":"a@b.co"})", 400, 100600},
      // Passwordless login by objectId is refused to every client.
      {"/users/login", R"({"objectId":"ABC"})", 400, 100600},
      {"/users/login", R"({"login":"a@b.co","password":5})", 400, 100600},
  };
  for (const Case& c : cases) {
    HttpResult r = client("POST", app.base() + c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.target << " " << c.body << ": " << r.body;
    EXPECT_EQ(codeOf(r), c.code) << c.target << " " << c.body;
    EXPECT_TRUE(parse(r)["message"].is_string());
  }
}

TEST_F(UsersHttpTest, LoginFailuresLookTheSameForUnknownEmailAndWrongPassword) {
  TestApp app = createApp("shop");
  registerUser(app, "boris@example.com", "123123qwe");
  HttpResult wrong = client("POST", app.base() + "/users/login", R"({"login":"boris@example.com","password":"nope"})");
  HttpResult unknown = client("POST", app.base() + "/users/login", R"({"login":"nobody@example.com","password":"nope"})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(codeOf(wrong), 3003);
  EXPECT_EQ(unknown.status, wrong.status);
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_EQ(parse(wrong)["message"], "Invalid login or password");
}

TEST_F(UsersHttpTest, AStaleTokenIsIgnoredByLoginButRefusedElsewhere) {
  TestApp app = createApp("shop");
  registerUser(app, "boris@example.com", "123123qwe");
  const std::string garbage = "not-a-token";
  HttpResult in = client("POST", app.base() + "/users/login", R"({"login":"boris@example.com","password":"123123qwe"})",
                         garbage);
  EXPECT_EQ(in.status, 200) << in.body;
  // isvalidusertoken asks about the path's token, not the header's.
  EXPECT_EQ(parse(client("GET", app.base() + "/users/isvalidusertoken/x", "", garbage)), json(false));
  // Anywhere else a token that does not resolve is an error, never anonymous.
  for (const char* route : {"/users/userroles", "/users/logout"}) {
    HttpResult r = client("GET", app.base() + route, "", garbage);
    EXPECT_EQ(r.status, 401) << route;
    EXPECT_EQ(codeOf(r), 3064) << route;
  }
  EXPECT_EQ(codeOf(client("POST", app.base() + "/users/register", R"({"email":"a@b.co","password":"x"})", garbage)),
            3064);
  // An empty token is a token that does not resolve.
  HttpResult empty = httpCall(server_->port(), "GET", app.base() + "/users/userroles", {{"user-token", ""}}, "");
  EXPECT_EQ(codeOf(empty), 3064);
}

TEST_F(UsersHttpTest, HeaderNamesAreCaseInsensitiveAndATokenSentTwiceIsRefused) {
  TestApp app = createApp("shop");
  registerUser(app, "boris@example.com", "123123qwe");
  std::string token = login(app, "boris@example.com", "123123qwe");
  for (const char* name : {"User-Token", "USER-TOKEN", "uSeR-tOkEn"}) {
    HttpResult r = httpCall(server_->port(), "GET", app.base() + "/users/userroles", {{name, token}}, "");
    EXPECT_EQ(parse(r), json({"AuthenticatedUser", "RestUser"})) << name << ": " << r.body;
  }
  HttpResult twice = httpCall(server_->port(), "GET", app.base() + "/users/userroles",
                              {{"user-token", token}, {"User-Token", "other"}}, "");
  EXPECT_EQ(twice.status, 400);
  EXPECT_EQ(codeOf(twice), 100400);
}

TEST_F(UsersHttpTest, DisabledUserCannotLogInAndItsSessionsEnd) {
  TestApp app = createApp("shop");
  std::string id = registerUser(app, "boris@example.com", "123123qwe");
  std::string token = login(app, "boris@example.com", "123123qwe");

  const std::string enabled = "/admin/apps/" + app.id + "/users/" + id + "/enabled";
  EXPECT_EQ(call("PUT", enabled, R"({"enabled":false})", /*admin=*/false).status, 401);
  EXPECT_EQ(call("PUT", enabled, R"({"enabled":"no"})").status, 400);
  EXPECT_EQ(codeOf(call("PUT", "/admin/apps/" + app.id + "/users/NO-SUCH-USER/enabled", R"({"enabled":false})")),
            1000);
  EXPECT_EQ(codeOf(call("PUT", "/admin/apps/NO-SUCH-APP/users/" + id + "/enabled", R"({"enabled":false})")), 2002);
  HttpResult off = call("PUT", enabled, R"({"enabled":false})");
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(parse(off), json({{"userId", id}, {"enabled", false}}));

  HttpResult in = client("POST", app.base() + "/users/login", R"({"login":"boris@example.com","password":"123123qwe"})");
  EXPECT_EQ(in.status, 403);
  EXPECT_EQ(codeOf(in), 3090);
  EXPECT_EQ(parse(client("GET", app.base() + "/users/isvalidusertoken/" + token)), json(false));
  EXPECT_EQ(codeOf(client("GET", app.base() + "/users/" + id, "", token)), 3064);
  // The wrong password still answers 3003: being disabled is not told to a guesser.
  EXPECT_EQ(codeOf(client("POST", app.base() + "/users/login", R"({"login":"boris@example.com","password":"x"})")),
            3003);

  ASSERT_EQ(call("PUT", enabled, R"({"enabled":true})").status, 200);
  EXPECT_FALSE(login(app, "boris@example.com", "123123qwe").empty());
}

TEST_F(UsersHttpTest, KeysAndTokensAreBoundToTheirApp) {
  TestApp a = createApp("a");
  TestApp b = createApp("b");
  registerUser(b, "boris@example.com", "123123qwe");
  std::string tokenOfB = login(b, "boris@example.com", "123123qwe");

  struct Case {
    std::string target;
    const char* what;
  } cases[] = {
      {"/" + a.id + "/" + b.keys["REST"].get<std::string>() + "/users/userroles", "another app's key"},
      {"/" + a.id + "/NO-SUCH-KEY/users/userroles", "an unknown key"},
      {"/" + a.id + "/" + a.id + "/users/userroles", "the app id as key"},
      {"/NO-SUCH-APP/" + a.keys["REST"].get<std::string>() + "/users/userroles", "an unknown app"},
      {"/admin/apps/users/userroles", "an admin path shape"},
  };
  for (const Case& c : cases) {
    HttpResult r = client("GET", c.target);
    EXPECT_EQ(r.status, 404) << c.what << ": " << r.body;
    EXPECT_EQ(codeOf(r), 2002) << c.what;
    // Logins through such a key go nowhere either.
    HttpResult in = client("POST", c.target.substr(0, c.target.size() - std::string("userroles").size()) + "login",
                           R"({"login":"boris@example.com","password":"123123qwe"})");
    EXPECT_EQ(codeOf(in), 2002) << c.what << ": " << in.body;
  }
  // B's token is no token of A's.
  HttpResult r = client("GET", a.base() + "/users/userroles", "", tokenOfB);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(codeOf(r), 3064);
  EXPECT_EQ(parse(client("GET", a.base() + "/users/isvalidusertoken/" + tokenOfB)), json(false));
  // Nor is B's user one of A's.
  EXPECT_EQ(codeOf(client("POST", a.base() + "/users/login", R"({"login":"boris@example.com","password":"123123qwe"})")),
            3003);
}

TEST_F(UsersHttpTest, AUserCannotWriteSystemFieldsOrOthersRecords) {
  TestApp app = createApp("shop");
  std::string boris = registerUser(app, "boris@example.com", "123123qwe");
  std::string anna = registerUser(app, "anna@example.com", "123123qwe");
  std::string token = login(app, "boris@example.com", "123123qwe");
  json before = parse(client("GET", app.base() + "/users/" + boris, "", token));
  ASSERT_TRUE(before.contains("objectId"));

  for (const char* body : {R"({"ownerId":"ANNA"})", R"({"userStatus":"ENABLED"})", R"({"userStatus":"DISABLED"})",
                           R"({"roles":["Admin"]})", R"({"objectId":"X"})", R"({"created":1})", R"({"updated":1})",
                           R"({"name":"sneaky","ownerId":"ANNA"})"}) {
    HttpResult r = client("PUT", app.base() + "/users/" + boris, body, token);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
    EXPECT_EQ(codeOf(r), 100600) << body;
  }
  EXPECT_EQ(parse(client("GET", app.base() + "/users/" + boris, "", token)), before);
  EXPECT_EQ(parse(client("GET", app.base() + "/users/userroles", "", token)), json({"AuthenticatedUser", "RestUser"}));

  // Another user's record: neither written nor seen without rules.
  HttpResult other = client("PUT", app.base() + "/users/" + anna, R"({"name":"x"})", token);
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(codeOf(other), 1012);
  EXPECT_EQ(codeOf(client("GET", app.base() + "/users/" + anna, "", token)), 1000);
  EXPECT_EQ(codeOf(client("PUT", app.base() + "/users/" + anna, R"({"name":"x"})")), 1012);
  // Taking another's email is refused.
  EXPECT_EQ(codeOf(client("PUT", app.base() + "/users/" + boris, R"({"email":"ANNA@example.com"})", token)), 3033);
}

TEST_F(UsersHttpTest, ForgedHeadersNeverYieldServerCodeUser) {
  TestApp app = createApp("shop");
  std::string id = registerUser(app, "boris@example.com", "123123qwe");
  std::string token = login(app, "boris@example.com", "123123qwe");

  const std::vector<Headers> forged = {
      {{"user-token", "ServerCodeUser"}},
      {{"user-token", "servercodeuser"}},
      {{"user-token", "admin"}},
      {{"user-token", token_}},  // the admin token as a user token
      {{"Authorization", "Bearer " + token_}},
      {{"X-Principal", "ServerCodeUser"}},
      {{"X-Principal", "admin"}},
      {{"run-as", "ServerCodeUser"}},
      {{"run-as", "server"}},
      {{"X-Run-As", "ServerCodeUser"}},
      {{"user-roles", "ServerCodeUser"}},
      {{"X-User-Roles", "ServerCodeUser, Customer"}},
      {{"roles", "ServerCodeUser"}},
      {{"X-Roles", "ServerCodeUser"}},
      {{"application-type", "BL"}},
      {{"bl-execution-type", "sync"}},
      {{"X-Backendless-Role", "ServerCodeUser"}},
      {{"secret-key", "ServerCodeUser"}},
      {{"api-key", "BL"}},
      {{"X-CodeRunner", "true"}},
      {{"X-Forwarded-For", "127.0.0.1"}, {"X-Real-IP", "127.0.0.1"}},
      {{"Cookie", "user-token=ServerCodeUser"}},
  };
  auto check = [&](const HttpResult& r, const std::string& what, const json& expected) {
    if (r.status == 200) {
      json roles = parse(r);
      ASSERT_TRUE(roles.is_array()) << what << ": " << r.body;
      for (const json& role : roles) {
        EXPECT_NE(lower(role.get<std::string>()), "servercodeuser") << what;
        EXPECT_NE(lower(role.get<std::string>()), "admin") << what;
      }
      EXPECT_EQ(roles, expected) << what;
    } else {
      // A forged token fails loudly; nothing else may fail.
      EXPECT_EQ(codeOf(r), 3064) << what << ": " << r.body;
    }
  };
  for (const Headers& headers : forged) {
    std::string what;
    for (const auto& [k, v] : headers) what += k + ": " + v + "; ";
    for (const std::string kind : {"REST", "JS", "IOS", "ANDROID"}) {
      const json keyRole = kind == "REST" ? "RestUser" : kind == "JS" ? "JSUser" : kind == "IOS" ? "IOSUser" : "AndroidUser";
      // Alone.
      check(httpCall(server_->port(), "GET", app.base(kind) + "/users/userroles", headers, ""), what + kind,
            json::array({"NotAuthenticatedUser", keyRole}));
      // With a valid token besides (unless the forgery is itself a token).
      Headers withToken = headers;
      if (std::none_of(headers.begin(), headers.end(), [](const auto& h) { return lower(h.first) == "user-token"; })) {
        withToken.emplace_back("user-token", token);
        check(httpCall(server_->port(), "GET", app.base(kind) + "/users/userroles", withToken, ""),
              what + kind + " + token", json::array({"AuthenticatedUser", keyRole}));
      }
    }
    // A forged header gives no access to another's record either.
    HttpResult read = httpCall(server_->port(), "GET", app.base() + "/users/" + id, headers, "");
    EXPECT_NE(read.status, 200) << what;
  }
  // Key-shaped forgeries: ServerCodeUser has no key at all.
  for (const char* key : {"BL", "ServerCodeUser", "CodeRunner", "SERVER", "admin"}) {
    HttpResult r = client("GET", "/" + app.id + "/" + key + "/users/userroles");
    EXPECT_EQ(codeOf(r), 2002) << key;
  }
}

TEST_F(UsersHttpTest, SystemRoleNamesCannotBeAssigned) {
  TestApp app = createApp("shop");
  std::string id = registerUser(app, "boris@example.com", "123123qwe");
  const std::string roles = "/admin/apps/" + app.id + "/users/" + id + "/roles/";
  for (const char* role : {"ServerCodeUser", "servercodeuser", "SERVERCODEUSER", "AuthenticatedUser",
                           "NotAuthenticatedUser", "RestUser", "jsuser", "IOSUser", "AndroidUser"}) {
    HttpResult r = call("PUT", roles + role);
    EXPECT_EQ(r.status, 400) << role << ": " << r.body;
    EXPECT_EQ(codeOf(r), 100600) << role;
    std::string message = parse(r).value("message", "");
    EXPECT_NE(message.find("system role"), std::string::npos) << message;
    EXPECT_EQ(message.find(std::string("\"") + role + "\" \""), std::string::npos) << "quoted twice: " << message;
    EXPECT_EQ(call("DELETE", roles + role).status, 400) << role;
  }
  EXPECT_EQ(call("PUT", roles + "not%20a%20role").status, 400);
  EXPECT_EQ(call("PUT", roles + "Customer", "", /*admin=*/false).status, 401);
  EXPECT_EQ(codeOf(call("PUT", "/admin/apps/" + app.id + "/users/NO-SUCH-USER/roles/Customer")), 1000);
  EXPECT_EQ(codeOf(call("PUT", "/admin/apps/NO-SUCH-APP/users/" + id + "/roles/Customer")), 2002);

  HttpResult assigned = call("PUT", roles + "Customer");
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  EXPECT_EQ(parse(assigned), json({{"userId", id}, {"roles", {"Customer"}}}));
  std::string token = login(app, "boris@example.com", "123123qwe");
  EXPECT_EQ(parse(client("GET", app.base() + "/users/userroles", "", token)),
            json({"AuthenticatedUser", "RestUser", "Customer"}));
  HttpResult removed = call("DELETE", roles + "Customer");
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(parse(removed)["roles"], json::array());
  EXPECT_EQ(parse(client("GET", app.base() + "/users/userroles", "", token)), json({"AuthenticatedUser", "RestUser"}));
}

TEST_F(UsersHttpTest, PasswordsAndTokensAreNeverInClearOnDiskOrInTheLog) {
  TestApp app = createApp("shop");
  const std::string password = "Pa55word-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  std::string id = registerUser(app, "boris@example.com", password);
  std::string token = login(app, "boris@example.com", password);
  ASSERT_EQ(token.size(), 64u);
  // Use the token on every route that takes one, and change the password.
  client("GET", app.base() + "/users/userroles", "", token);
  client("GET", app.base() + "/users/isvalidusertoken/" + token);
  const std::string password2 = password + "-2";
  ASSERT_EQ(client("PUT", app.base() + "/users/" + id, json{{"password", password2}}.dump(), token).status, 200);
  std::string token2 = login(app, "boris@example.com", password2);
  // A failed login with a near miss, which the throttle remembers.
  client("POST", app.base() + "/users/login", json{{"login", "boris@example.com"}, {"password", password}}.dump());

  // Every byte the host wrote: host.db, app.db and their WAL and journals.
  std::string bytes;
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path() + "/data")) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    ++files;
  }
  EXPECT_GE(files, 3u);
  EXPECT_NE(bytes.find("boris@example.com"), std::string::npos) << "the scan reads the app's database";
  std::string log = log_.dump();
  for (const std::string& secret : std::vector<std::string>{password, password2, token, token2}) {
    EXPECT_EQ(bytes.find(secret), std::string::npos) << "on disk: " << secret;
    EXPECT_EQ(log.find(secret), std::string::npos) << "in the log: " << secret;
  }
}

// --- The login throttle, on a clock that only the test moves ---

class UsersHttpThrottleTest : public UsersHttpTest {
 protected:
  // Frozen time: a throttled pair stays throttled however slow the machine.
  bool useFakeClock() const override { return true; }
};

TEST_F(UsersHttpThrottleTest, GuessingFromOneAddressDoesNotLockTheOwnerOutElsewhere) {
  TestApp app = createApp("shop");
  registerUser(app, "boris@example.com", "123123qwe");
  const std::string guesser = "127.0.0.2";
  // The source address really reaches the server as the client's address.
  ASSERT_EQ(client("GET", "/health", "", "", {}, guesser).status, 200) << "cannot bind 127.0.0.2";

  const json wrong{{"login", "boris@example.com"}, {"password", "guess"}};
  HttpResult r;
  int attempts = 0;
  for (; attempts < 10; ++attempts) {
    r = client("POST", app.base() + "/users/login", wrong.dump(), "", {}, guesser);
    if (r.status != 401) break;
    EXPECT_EQ(codeOf(r), 3003);
  }
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(codeOf(r), 100432);
  EXPECT_EQ(attempts, 3) << "the free failures per (identity, address) are the configured 3";
  // Throttled means the password is not even checked: the right one waits too.
  HttpResult right = client("POST", app.base() + "/users/login",
                            json{{"login", "boris@example.com"}, {"password", "123123qwe"}}.dump(), "", {}, guesser);
  EXPECT_EQ(codeOf(right), 100432);

  // The owner, from another address, right away.
  EXPECT_FALSE(login(app, "boris@example.com", "123123qwe", "127.0.0.1").empty());
  // The delay passes with time.
  fakeClock_.advanceMs(31'000);
  EXPECT_FALSE(login(app, "boris@example.com", "123123qwe", guesser).empty());
}

// --- Session expiry, on a clock that only the test moves ---

class UsersHttpExpiryTest : public UsersHttpTest {
 protected:
  void configure(runtime::Config& config) override {
    UsersHttpTest::configure(config);
    config.sessionTimeoutSeconds = 60;
  }
  bool useFakeClock() const override { return true; }
};

TEST_F(UsersHttpExpiryTest, AnExpiredTokenIsRefusedWith3064) {
  TestApp app = createApp("shop");
  std::string id = registerUser(app, "boris@example.com", "123123qwe");
  std::string token = login(app, "boris@example.com", "123123qwe");
  fakeClock_.advanceMs(59'000);
  EXPECT_EQ(client("GET", app.base() + "/users/" + id, "", token).status, 200);
  fakeClock_.advanceMs(1'000);  // the session ends at login + 60 s
  for (const char* route : {"/users/userroles", "/users/logout"}) {
    HttpResult r = client("GET", app.base() + route, "", token);
    EXPECT_EQ(r.status, 401) << route;
    EXPECT_EQ(codeOf(r), 3064) << route;
  }
  EXPECT_EQ(codeOf(client("GET", app.base() + "/users/" + id, "", token)), 3064);
  EXPECT_EQ(parse(client("GET", app.base() + "/users/isvalidusertoken/" + token)), json(false));
  // Use does not extend a session; a new login makes a new one (the stale header is ignored).
  HttpResult in = client("POST", app.base() + "/users/login",
                         R"({"login":"boris@example.com","password":"123123qwe"})", token);
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(client("GET", app.base() + "/users/" + id, "", parse(in)["user-token"]).status, 200);
}

// --- The login lane, with the real argon2id cost ---

class UsersHttpLoginLaneTest : public UsersHttpTest {
 protected:
  // The default password parameters (64 MiB, ops 2) and lanes: 2 login
  // workers, 2 direct workers.
  void configure(runtime::Config&) override {}
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

double msSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Six clients log in back to back for about two seconds, so both login
// workers hash without pause and four more logins always wait in their
// queue, while one client reads a user record on the direct lane.
//
// If logins shared the direct lane, a read would wait behind the queued
// logins: typically one to three hash times. On their own lane, a read only
// competes for CPU: on a 2-core machine the two hashing threads take both
// cores, and the scheduler still runs the short read's threads within a few
// milliseconds. So the bounds are relative to hash times measured in the
// same run (a slow or loaded machine slows both sides alike), with wide
// margins for scheduler noise: every read under half the median login time
// seen by the clients (~3 hash times here), and the 95th percentile under
// one unloaded login.
TEST_F(UsersHttpLoginLaneTest, LoginsNeverDelayOtherRequests) {
  TestApp app = createApp("shop");
  std::string id = registerUser(app, "boris@example.com", "123123qwe");
  const std::string body = json{{"login", "boris@example.com"}, {"password", "123123qwe"}}.dump();
  std::string token = login(app, "boris@example.com", "123123qwe");
  ASSERT_FALSE(token.empty());

  // One login alone: about one hash.
  std::vector<double> alone;
  for (int i = 0; i < 3; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(client("POST", app.base() + "/users/login", body).status, 200);
    alone.push_back(msSince(t0));
  }
  const double aloneMs = percentile(alone, 0.5);

  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::mutex mu;
  std::vector<double> logins;  // GUARDED_BY(mu)
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      while (!stop) {
        auto t0 = std::chrono::steady_clock::now();
        HttpResult r = client("POST", app.base() + "/users/login", body);
        double ms = msSince(t0);
        if (r.status != 200) ++failures;
        std::lock_guard lock(mu);
        logins.push_back(ms);
      }
    });
  }
  // Let the login queue fill before measuring.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::vector<double> reads;
  auto start = std::chrono::steady_clock::now();
  while (msSince(start) < 2000) {
    auto t0 = std::chrono::steady_clock::now();
    HttpResult r = client("GET", app.base() + "/users/" + id, "", token);
    reads.push_back(msSince(t0));
    EXPECT_EQ(r.status, 200) << r.body;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  for (std::thread& t : threads) t.join();

  const double loginMedian = percentile(logins, 0.5);
  const double readMedian = percentile(reads, 0.5);
  const double readP95 = percentile(reads, 0.95);
  const double readMax = percentile(reads, 1.0);
  std::printf(
      "login alone: median %.1f ms; under load: %zu logins, median %.1f ms, max %.1f ms\n"
      "reads meanwhile: %zu, median %.1f ms, p95 %.1f ms, max %.1f ms\n",
      aloneMs, logins.size(), loginMedian, percentile(logins, 1.0), reads.size(), readMedian, readP95, readMax);
  RecordProperty("login_alone_ms", std::to_string(aloneMs));
  RecordProperty("login_median_ms", std::to_string(loginMedian));
  RecordProperty("read_p95_ms", std::to_string(readP95));
  RecordProperty("read_max_ms", std::to_string(readMax));

  EXPECT_EQ(failures.load(), 0);
  ASSERT_GE(logins.size(), 12u) << "the logins did not load the lane";
  ASSERT_GE(reads.size(), 20u);
  // The load is real: logins queued behind each other.
  EXPECT_GT(loginMedian, 1.5 * aloneMs);
  EXPECT_LT(readMax, loginMedian / 2);
  EXPECT_LT(readP95, aloneMs);
}

// --- The login lane's bound ---

class UsersHttpLoginQueueTest : public UsersHttpTest {
 protected:
  // One login thread, at most two logins in the lane, and hashes slow enough
  // (the default argon2id) that eight logins sent together overlap.
  void configure(runtime::Config& config) override {
    config.loginWorkers = 1;
    config.loginQueue = 2;
  }
};

// Logins past the lane's bound are answered 503 at once, not queued; the
// ones inside it are answered normally, and once the lane drains, logins
// are taken again.
TEST_F(UsersHttpLoginQueueTest, LoginsPastTheBoundAreRefusedAtOnce) {
  TestApp app = createApp("shop");
  registerUser(app, "boris@example.com", "123123qwe");
  const std::string body = json{{"login", "boris@example.com"}, {"password", "123123qwe"}}.dump();
  std::vector<HttpResult> results(8);
  std::vector<double> ms(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      auto t0 = std::chrono::steady_clock::now();
      results[i] = client("POST", app.base() + "/users/login", body);
      ms[i] = msSince(t0);
    });
  }
  for (std::thread& t : threads) t.join();
  int ok = 0;
  int refused = 0;
  double slowestRefusal = 0;
  double fastestLogin = 1e9;
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].status == 200) {
      ++ok;
      fastestLogin = std::min(fastestLogin, ms[i]);
    } else {
      EXPECT_EQ(results[i].status, 503) << results[i].body;
      EXPECT_EQ(codeOf(results[i]), 100433) << results[i].body;
      ++refused;
      slowestRefusal = std::max(slowestRefusal, ms[i]);
    }
  }
  EXPECT_GE(ok, 2);
  EXPECT_GE(refused, 1);
  EXPECT_LE(ok + refused, 8);
  // A refusal does not wait for a hash.
  if (refused > 0 && ok > 0) {
    EXPECT_LT(slowestRefusal, fastestLogin) << slowestRefusal << " vs " << fastestLogin;
  }
  // The lane drained: logins are taken again.
  EXPECT_EQ(client("POST", app.base() + "/users/login", body).status, 200);
}

}  // namespace
}  // namespace ck::testing
