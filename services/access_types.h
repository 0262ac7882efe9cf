#pragma once

// The vocabulary of the access layer, declared once: resource kinds,
// operations and system roles. The policy parser, the evaluator, `explain`
// and the docs all read these tables; nothing else spells an operation or a
// system role.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

#include "services/client_kind.h"

namespace ck::services {

// X(enum, name as written before ':' in a resource, what it is)
#define CK_RESOURCE_KINDS(X)                                              \
  X(kData, "data", "a table of the app's database: data:<Table>")          \
  X(kFiles, "files", "a file or folder of file storage: files:<path>")     \
  X(kService, "service", "a service or one method: service:<Name>[.<m>]")  \
  X(kUsers, "users", "the app's user directory (one resource): users")

enum class ResourceKind : uint8_t {
#define CK_RESOURCE_KIND_ENUM(e, name, doc) e,
  CK_RESOURCE_KINDS(CK_RESOURCE_KIND_ENUM)
#undef CK_RESOURCE_KIND_ENUM
};

inline constexpr ResourceKind kAllResourceKinds[] = {
#define CK_RESOURCE_KIND_LIST(e, name, doc) ResourceKind::e,
    CK_RESOURCE_KINDS(CK_RESOURCE_KIND_LIST)
#undef CK_RESOURCE_KIND_LIST
};
inline constexpr size_t kResourceKindCount = std::size(kAllResourceKinds);

std::string_view resourceKindName(ResourceKind kind);
std::string_view resourceKindDoc(ResourceKind kind);
std::optional<ResourceKind> parseResourceKind(std::string_view name);

// Every operation the access layer decides, with the kind of resource it
// applies to. One name may exist in two kinds (`delete` of data and of
// files); a rule's resource says which one it means, and a rule on `*`
// means all operations of that name.
//
// X(enum, resource kind, name as written in cloudkeep.json, what it allows)
#define CK_ACCESS_OPS(X)                                                                        \
  X(kDataFind, kData, "find", "read rows: find, findById, count")                               \
  X(kDataCreate, kData, "create", "insert rows")                                                \
  X(kDataUpdate, kData, "update", "change rows")                                                \
  X(kDataDelete, kData, "delete", "remove rows")                                                \
  X(kDataDescribe, kData, "describe", "read the table's schema")                                \
  X(kFilesRead, kFiles, "read", "download a file")                                              \
  X(kFilesWrite, kFiles, "write", "upload a file, or copy, move or rename one to a path")       \
  X(kFilesDelete, kFiles, "delete", "remove a file or folder")                                  \
  X(kFilesList, kFiles, "list", "list a folder, test whether a path exists")                    \
  X(kServiceInvoke, kService, "invoke", "call a service method")                                \
  X(kUsersRegister, kUsers, "register", "create a user account (granted to clients by default)") \
  X(kUsersLogin, kUsers, "login", "log in with a password (granted to clients by default)")     \
  X(kUsersImpersonate, kUsers, "impersonate",                                                   \
    "log in as a user by objectId without a password; service code only, denied unless granted")

enum class Op : uint8_t {
#define CK_ACCESS_OP_ENUM(e, kind, name, doc) e,
  CK_ACCESS_OPS(CK_ACCESS_OP_ENUM)
#undef CK_ACCESS_OP_ENUM
};

inline constexpr Op kAllOps[] = {
#define CK_ACCESS_OP_LIST(e, kind, name, doc) Op::e,
    CK_ACCESS_OPS(CK_ACCESS_OP_LIST)
#undef CK_ACCESS_OP_LIST
};
inline constexpr size_t kOpCount = std::size(kAllOps);

// A set of operations, one bit per Op.
using OpMask = uint32_t;
static_assert(kOpCount <= 32, "OpMask has one bit per operation");
constexpr OpMask opBit(Op op) { return OpMask{1} << static_cast<unsigned>(op); }

std::string_view opName(Op op);
std::string_view opDoc(Op op);
ResourceKind opKind(Op op);
// The operation `name` of `kind`, if there is one.
std::optional<Op> findOp(ResourceKind kind, std::string_view name);
// Every operation called `name`, of any kind (0 when none is).
OpMask opsNamed(std::string_view name);
// The operations of `kind`.
OpMask opsOfKind(ResourceKind kind);
// "find, create, update, delete, describe": the names of `kind`'s operations.
std::string opNamesOfKind(ResourceKind kind);

// The system roles. They are a type: a user never acquires one by name, a
// custom role can never be named like one (in any letter case), and
// ServerCodeUser is held only by the principal that the sandbox bindings
// make (see access_principal.h).
//
// X(enum, name, when a principal has it)
#define CK_SYSTEM_ROLES(X)                                                           \
  X(kNotAuthenticatedUser, "NotAuthenticatedUser", "a client request with no user")  \
  X(kAuthenticatedUser, "AuthenticatedUser", "a client request with a signed-in user") \
  X(kServerCodeUser, "ServerCodeUser", "service code's SDK calls (never a client)")  \
  X(kRestUser, "RestUser", "a client request with the REST key")                     \
  X(kJsUser, "JSUser", "a client request with the JS key")                           \
  X(kIosUser, "IOSUser", "a client request with the IOS key")                        \
  X(kAndroidUser, "AndroidUser", "a client request with the ANDROID key")

enum class SystemRole : uint8_t {
#define CK_SYSTEM_ROLE_ENUM(e, name, doc) e,
  CK_SYSTEM_ROLES(CK_SYSTEM_ROLE_ENUM)
#undef CK_SYSTEM_ROLE_ENUM
};

inline constexpr SystemRole kAllSystemRoles[] = {
#define CK_SYSTEM_ROLE_LIST(e, name, doc) SystemRole::e,
    CK_SYSTEM_ROLES(CK_SYSTEM_ROLE_LIST)
#undef CK_SYSTEM_ROLE_LIST
};
inline constexpr size_t kSystemRoleCount = std::size(kAllSystemRoles);

// A set of system roles, one bit per SystemRole.
using SystemRoleMask = uint32_t;
constexpr SystemRoleMask roleBit(SystemRole role) {
  return SystemRoleMask{1} << static_cast<unsigned>(role);
}

std::string_view systemRoleName(SystemRole role);
std::string_view systemRoleDoc(SystemRole role);
// The system role spelled exactly `name`.
std::optional<SystemRole> parseSystemRole(std::string_view name);
// The system role whose name equals `name` ignoring ASCII case.
std::optional<SystemRole> systemRoleIgnoringCase(std::string_view name);
// The role an API key of `kind` gives (RestUser for REST, ...).
SystemRole clientKindSystemRole(ClientKind kind);

// Names. Each returns an empty string when `name` is valid and otherwise
// the reason, phrased to follow the quoted name ("\"1x\" is not ...").
//
// Custom roles: [A-Za-z][A-Za-z0-9_]{0,63}, not a system role's name in any
// letter case.
std::string checkCustomRoleName(std::string_view name);
// Tables: [A-Za-z][A-Za-z0-9_]{0,63}, not starting with "sqlite_" in any
// letter case (DESIGN.md "Data rules").
std::string checkTableName(std::string_view name);
// Services and methods: [A-Za-z_$][A-Za-z0-9_$]{0,63} (JavaScript names).
std::string checkServiceName(std::string_view name);
// File paths: "/" or "/" followed by segments joined by "/", none empty,
// "." or "..", without backslashes or control characters (NUL included),
// no trailing "/", at most 1024 bytes. Paths are never normalised: a path
// that is not already in this form is refused.
std::string checkFilePath(std::string_view path);

inline constexpr size_t kMaxFilePathBytes = 1024;

// Ops and roles as lists of names, for messages ("find, create").
std::string opMaskNames(OpMask ops);

}  // namespace ck::services
