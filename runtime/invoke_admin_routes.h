#pragma once

// The admin invoking a service method for a user of the app (DESIGN.md
// "Commands": `cloudkeep invoke Service.method --as EMAIL`), behind the
// admin token:
//   POST /admin/apps/{id}/invoke  {"service": "S", "method": "m",
//                                  "args": <what a client's POST body carries> (optional),
//                                  "as": "email" (optional), "key": "REST" (optional)}
// The admin acts *for* a client and never as ServerCodeUser: `as` names a
// user of the app, who becomes the caller (AuthenticatedUser, the key's
// role and the user's custom roles, as when that user signs in; a disabled
// user is refused with 3090); without `as` the caller is nobody signed in
// (NotAuthenticatedUser). From there the call is a client's
// (runtime/service_routes.h invokeForClient): `invoke` on
// service:<S>.<m> decided for that caller (14008), the arguments by the
// method's @param rules for a POST body, the code running as the service
// for that caller. The code's context has the user's id and roles but no
// user token (none is made), and no request header (the admin's
// Authorization never reaches code). Each call is written to the app's
// audit log (op service.invoke, the user acted for) before it runs.
// Answers as the client route does: the method's value, or {"code", "message"}.
// An unknown user: 400 (100600) naming it; 14001 / 14002 for an unknown
// service or method of the active version.

#include "base/log.h"
#include "runtime/http/router.h"

namespace ck::services {
class Host;
class Invoker;
class Deployer;
}  // namespace ck::services

namespace ck::http {
class WorkerPool;
}

namespace ck::runtime {

// `pool` (the direct lane, where users are looked up), `invoker`,
// `deployer` and `log` must outlive the router's use.
void addInvokeAsRoute(http::Router& router, services::Host& host, services::Invoker& invoker,
                      services::Deployer& deployer, http::WorkerPool& pool, Logger& log);

}  // namespace ck::runtime
