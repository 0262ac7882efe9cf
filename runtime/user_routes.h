#pragma once

// The Backendless users API over HTTP (DESIGN.md "The REST surface"), as the
// official JS SDK sends it, and the admin routes that manage users' roles and
// accounts.

#include "base/log.h"
#include "runtime/http/router.h"

namespace ck::services {
class Host;
}

namespace ck::http {
class WorkerPool;
}

namespace ck::runtime {

// Client routes under /{appId}/{apiKey}/users/ (caller resolved by
// client_request.h; errors are {"code", "message"} with the code's HTTP status):
//   POST /register              the user object -> the user (never `password`)
//   POST /login                 {"login", "password"} -> the user plus "user-token";
//                               a user-token header is ignored (a stale one is harmless)
//   GET|POST /logout            ends the session of the user-token header (3064 without one)
//   GET  /isvalidusertoken/{t}  true or false
//   GET  /userroles             the caller's role names, system roles first
//   GET  /{id}                  a user's record (their own; others' as data:Users rules grant find)
//   PUT  /{id}                  changes to it (their own; others' as rules grant update);
//                               objectId, ownerId, created, updated, userStatus, roles: 400
// register and login hash passwords (argon2id, slow by design): they run on
// `loginPool`, a lane of their own, so they never hold a direct-lane worker;
// everything else runs on the direct lane. `loginPool` and `log` must outlive
// the router's use (the server core owns all three).
// At most `loginQueue` logins and registrations wait for or run on
// `loginPool` at once; more are answered kLoginLaneFull.
void addUserRoutes(http::Router& router, services::Host& host, http::WorkerPool& loginPool, size_t loginQueue,
                   Logger& log);

// Admin routes (behind the admin token, runtime/routes.h adminOnly; every
// change is audited in the app's log):
//   PUT    /admin/apps/{id}/users/{userId}/roles/{role}   assign a custom role
//   DELETE /admin/apps/{id}/users/{userId}/roles/{role}   unassign it
//          -> {"userId", "roles": [the user's custom roles]}; a system role's
//          name (any case) or a malformed one: 400 (100600)
//   PUT    /admin/apps/{id}/users/{userId}/enabled  {"enabled": bool} -> {"userId", "enabled"};
//          disabling ends the user's sessions
// Unknown app: 2002; unknown user: 1000.
void addAdminUserRoutes(http::Router& router, services::Host& host);

}  // namespace ck::runtime
