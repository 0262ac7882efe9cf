// The access layer's vocabulary: operation and role tables, names,
// resources and patterns, and principals (including that ServerCodeUser
// cannot be made outside the capability).
#include <gtest/gtest.h>

#include <set>
#include <type_traits>

#include "services/access_principal.h"
#include "services/access_resource.h"
#include "services/access_types.h"

namespace ck::services {
namespace {

// Outside Invoker, nothing can make the capability, so nothing can make a
// ServerCodeUser principal: no default construction, no copies, no
// aggregate initialisation.
static_assert(!std::is_default_constructible_v<ServerCodeCapability>);
static_assert(!std::is_constructible_v<ServerCodeCapability>);
static_assert(!std::is_copy_constructible_v<ServerCodeCapability>);
static_assert(!std::is_move_constructible_v<ServerCodeCapability>);
static_assert(!std::is_aggregate_v<ServerCodeCapability>);
// And the principal has no public constructor at all: only its factories.
static_assert(!std::is_default_constructible_v<Principal>);

TEST(AccessTypesTest, OperationsAreDeclaredOnceWithTheirKind) {
  struct Case {
    ResourceKind kind;
    const char* name;
    std::optional<Op> op;
  } cases[] = {
      {ResourceKind::kData, "find", Op::kDataFind},
      {ResourceKind::kData, "describe", Op::kDataDescribe},
      {ResourceKind::kData, "delete", Op::kDataDelete},
      {ResourceKind::kFiles, "delete", Op::kFilesDelete},
      {ResourceKind::kFiles, "list", Op::kFilesList},
      {ResourceKind::kService, "invoke", Op::kServiceInvoke},
      {ResourceKind::kUsers, "impersonate", Op::kUsersImpersonate},
      {ResourceKind::kData, "read", std::nullopt},
      {ResourceKind::kData, "count", std::nullopt},  // count is find
      {ResourceKind::kUsers, "Login", std::nullopt},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(findOp(c.kind, c.name), c.op) << c.name;
  }
  EXPECT_EQ(opsNamed("delete"), opBit(Op::kDataDelete) | opBit(Op::kFilesDelete));
  EXPECT_EQ(opsNamed("fetch"), 0u);
  EXPECT_EQ(opNamesOfKind(ResourceKind::kData), "find, create, update, delete, describe");
  EXPECT_EQ(opNamesOfKind(ResourceKind::kFiles), "read, write, delete, list");
  std::set<std::pair<ResourceKind, std::string_view>> seen;
  for (Op op : kAllOps) {
    EXPECT_TRUE(seen.insert({opKind(op), opName(op)}).second) << opName(op);
    EXPECT_FALSE(opDoc(op).empty());
  }
}

TEST(AccessTypesTest, SystemRolesAndClientKeys) {
  EXPECT_EQ(kSystemRoleCount, 7u);
  EXPECT_EQ(parseSystemRole("ServerCodeUser"), SystemRole::kServerCodeUser);
  EXPECT_EQ(parseSystemRole("servercodeuser"), std::nullopt);
  EXPECT_EQ(systemRoleIgnoringCase("servercodeuser"), SystemRole::kServerCodeUser);
  EXPECT_EQ(systemRoleIgnoringCase("JSUSER"), SystemRole::kJsUser);
  for (ClientKind kind : kAllClientKinds) {
    EXPECT_EQ(systemRoleName(clientKindSystemRole(kind)), clientKindRole(kind));
  }
}

TEST(AccessTypesTest, Names) {
  struct Case {
    std::string (*check)(std::string_view);
    std::string name;
    std::string error;  // empty: valid
  } cases[] = {
      {checkCustomRoleName, "Customer", ""},
      {checkCustomRoleName, "a_1", ""},
      {checkCustomRoleName, std::string(64, 'r'), ""},
      {checkCustomRoleName, std::string(65, 'r'), "not a role name"},
      {checkCustomRoleName, "1x", "not a role name"},
      {checkCustomRoleName, "_x", "not a role name"},
      {checkCustomRoleName, "Cust omer", "not a role name"},
      {checkCustomRoleName, "", "not a role name"},
      {checkCustomRoleName, "servercodeuser", "is the system role ServerCodeUser"},
      {checkCustomRoleName, "AUTHENTICATEDUSER", "is the system role AuthenticatedUser"},
      {checkCustomRoleName, "RestUser", "is the system role RestUser"},
      {checkTableName, "Restaurant", ""},
      {checkTableName, "order_items2", ""},
      {checkTableName, "_hidden", "not a table name"},
      {checkTableName, "SQLITE_master", "reserved"},
      {checkTableName, "Rest$", "not a table name"},
      {checkServiceName, "CustomerService", ""},
      {checkServiceName, "$svc_1", ""},
      {checkServiceName, "9svc", "not a service or method name"},
      {checkServiceName, "a-b", "not a service or method name"},
      {checkFilePath, "/", ""},
      {checkFilePath, "/menus/today.txt", ""},
      {checkFilePath, "/a b/c", ""},
      {checkFilePath, "menus", "must start with \"/\""},
      {checkFilePath, "/menus/", "no trailing \"/\""},
      {checkFilePath, "/a//b", "no empty segments"},
      {checkFilePath, "/a/./b", "no \".\" or \"..\" segments"},
      {checkFilePath, "/a/..", "no \".\" or \"..\" segments"},
      {checkFilePath, "/a\\b", "no backslashes"},
      {checkFilePath, std::string("/a\0b", 4), "no control characters"},
      {checkFilePath, "/" + std::string(1024, 'x'), "longer than 1024 bytes"},
  };
  for (const Case& c : cases) {
    std::string got = c.check(c.name);
    if (c.error.empty()) {
      EXPECT_EQ(got, "") << c.name;
    } else {
      EXPECT_NE(got.find(c.error), std::string::npos) << c.name << " -> " << got;
    }
  }
}

TEST(AccessResourceTest, ParsesConcreteResources) {
  struct Case {
    const char* text;
    ResourceKind kind;
    const char* name;
  } cases[] = {
      {"data:Restaurant", ResourceKind::kData, "Restaurant"},
      {"files:/", ResourceKind::kFiles, "/"},
      {"files:/menus/today.txt", ResourceKind::kFiles, "/menus/today.txt"},
      {"service:CustomerService", ResourceKind::kService, "CustomerService"},
      {"service:CustomerService.getRestaurants", ResourceKind::kService, "CustomerService.getRestaurants"},
      {"users", ResourceKind::kUsers, ""},
  };
  for (const Case& c : cases) {
    Result<ResourceRef> r = ResourceRef::parse(c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.status().message();
    EXPECT_EQ(r->kind(), c.kind);
    EXPECT_EQ(r->name(), c.name);
    EXPECT_EQ(r->text(), c.text);
  }
  Result<ResourceRef> m = ResourceRef::parse("service:CustomerService.getRestaurants");
  EXPECT_EQ(m->serviceName(), "CustomerService");
  EXPECT_EQ(m->method(), "getRestaurants");
  EXPECT_EQ(ResourceRef::data("Menu")->text(), "data:Menu");
  EXPECT_EQ(ResourceRef::file("/a/b")->text(), "files:/a/b");
  EXPECT_EQ(ResourceRef::service("S", "m")->text(), "service:S.m");
  EXPECT_FALSE(ResourceRef::data("sqlite_x").ok());
  EXPECT_FALSE(ResourceRef::file("/a/../b").ok());
}

TEST(AccessResourceTest, RefusesBadResourcesWithTheReason) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"", "resource is empty"},
      {"*", "\"*\" is a pattern; a request names one resource"},
      {"data:*", "\"data:*\" is a pattern; a request names one resource"},
      {"date:Restaurant", "unknown resource kind \"date:\""},
      {"Restaurant", "\"Restaurant\" is not a resource (\"<kind>:<name>\" or \"users\")"},
      {"data:1Table", "\"1Table\" is not a table name (a letter, then up to 63 letters, digits or '_')"},
      {"files:menus", "\"menus\" is not a file path: it must start with \"/\""},
      {"files:/menus/", "\"/menus/\" is not a file path: no trailing \"/\""},
      {"service:A.b.c", "\"b.c\" is not a service or method name"},
      {"users:alice", "the users resource has no name; write \"users\""},
  };
  for (const Case& c : cases) {
    Result<ResourceRef> r = ResourceRef::parse(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.status().message().substr(0, std::string_view(c.error).size()), c.error) << r.status().message();
  }
}

TEST(AccessResourceTest, PatternsMatchMostSpecificFirst) {
  struct Case {
    const char* pattern;
    const char* resource;
    PatternMatch match;
  } cases[] = {
      {"*", "data:A", PatternMatch::kGlobal},
      {"*", "users", PatternMatch::kGlobal},
      {"data:*", "data:A", PatternMatch::kKindWildcard},
      {"data:*", "files:/A", PatternMatch::kNone},
      {"data:A", "data:A", PatternMatch::kExact},
      {"data:A", "data:AB", PatternMatch::kNone},
      {"data:A", "data:a", PatternMatch::kNone},
      {"files:*", "files:/", PatternMatch::kKindWildcard},
      {"files:/", "files:/", PatternMatch::kExact},
      {"files:/", "files:/a/b", PatternMatch::kCovering},
      {"files:/a", "files:/a", PatternMatch::kExact},
      {"files:/a", "files:/a/b", PatternMatch::kCovering},
      {"files:/a", "files:/ab", PatternMatch::kNone},
      {"files:/a/b", "files:/a", PatternMatch::kNone},
      {"service:S", "service:S", PatternMatch::kExact},
      {"service:S", "service:S.m", PatternMatch::kCovering},
      {"service:S", "service:ST.m", PatternMatch::kNone},
      {"service:S.m", "service:S.m", PatternMatch::kExact},
      {"service:S.m", "service:S", PatternMatch::kNone},
      {"service:S.m", "service:S.n", PatternMatch::kNone},
      {"service:*", "service:S.m", PatternMatch::kKindWildcard},
      {"users", "users", PatternMatch::kExact},
      {"users:*", "users", PatternMatch::kKindWildcard},
  };
  for (const Case& c : cases) {
    Result<ResourcePattern> p = ResourcePattern::parse(c.pattern);
    Result<ResourceRef> r = ResourceRef::parse(c.resource);
    ASSERT_TRUE(p.ok()) << c.pattern << ": " << p.status().message();
    ASSERT_TRUE(r.ok()) << c.resource;
    EXPECT_EQ(p->match(*r), c.match) << c.pattern << " vs " << c.resource;
  }
  EXPECT_EQ(ResourcePattern::parse("date:*").status().message(), "unknown resource kind \"date:\"");
  EXPECT_EQ(ResourcePattern::parse("data:Re*").status().message(),
            "\"Re*\" is not a table name (a letter, then up to 63 letters, digits or '_')");
}

TEST(AccessPrincipalTest, ClientPrincipalsCarryTheirRoles) {
  Result<Principal> anon = Principal::client({.key = ClientKind::kJs});
  ASSERT_TRUE(anon.ok());
  EXPECT_TRUE(anon->has(SystemRole::kNotAuthenticatedUser));
  EXPECT_TRUE(anon->has(SystemRole::kJsUser));
  EXPECT_FALSE(anon->has(SystemRole::kAuthenticatedUser));
  EXPECT_FALSE(anon->has(SystemRole::kServerCodeUser));
  EXPECT_FALSE(anon->signedIn());

  Result<Principal> boris = Principal::client({.key = ClientKind::kRest,
                                               .authenticated = true,
                                               .user = PrincipalUser{"U1", "boris@example.com"},
                                               .customRoles = {"Customer", "Admin2", "Customer"}});
  ASSERT_TRUE(boris.ok());
  EXPECT_TRUE(boris->has(SystemRole::kAuthenticatedUser));
  EXPECT_FALSE(boris->has(SystemRole::kNotAuthenticatedUser));
  EXPECT_EQ(boris->customRoles(), (std::vector<std::string>{"Admin2", "Customer"}));
  EXPECT_EQ(boris->roleNames(), (std::vector<std::string>{"AuthenticatedUser", "RestUser", "Admin2", "Customer"}));
  EXPECT_EQ(boris->describe(), "boris@example.com (AuthenticatedUser, RestUser, Admin2, Customer)");
  EXPECT_EQ(Principal::admin().describe(), "admin");
  EXPECT_EQ(Principal::admin().systemRoles(), 0u);
}

TEST(AccessPrincipalTest, NoCustomRoleNameYieldsASystemRole) {
  for (const char* role : {"ServerCodeUser", "servercodeuser", "SERVERCODEUSER", "AuthenticatedUser", "RestUser",
                           "not a role"}) {
    Result<Principal> p = Principal::client(
        {.key = ClientKind::kRest, .authenticated = true, .user = PrincipalUser{"U1", "a@b.c"}, .customRoles = {role}});
    ASSERT_FALSE(p.ok()) << role;
    EXPECT_EQ(p.status().code(), ErrorCode::kInvalidArgument);
  }
  // Inconsistent identities are refused too.
  EXPECT_FALSE(Principal::client({.key = ClientKind::kRest, .user = PrincipalUser{"U1", "a@b.c"}}).ok());
  EXPECT_FALSE(Principal::client({.key = ClientKind::kRest, .customRoles = {"Customer"}}).ok());
  EXPECT_FALSE(Principal::client({.key = ClientKind::kRest, .authenticated = true, .user = PrincipalUser{"", "a@b.c"}}).ok());
}

}  // namespace
}  // namespace ck::services
