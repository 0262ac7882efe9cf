#pragma once

// The admin API's view of an app's audit log (services/audit.h).

#include <functional>
#include <string_view>

#include "runtime/http/router.h"

namespace ck::services {
class AuditLog;
class Host;
}  // namespace ck::services

namespace ck::runtime {

// The audit log of the app `appId`, or nullptr when there is no such app.
// Called on a direct-lane worker thread, once per request; the log must
// stay alive while the router is in use.
using AuditLogFor = std::function<services::AuditLog*(std::string_view appId)>;

// Behind the admin token (runtime/routes.h adminOnly), on the direct lane:
//   GET /admin/apps/{id}/audit?since=&user=&userId=&after=&limit=
//     since   entries at or after: epoch ms or a date (services::parseAuditTime)
//     user    the caller's email, ASCII case ignored
//     userId  the caller's user id
//     after   paging: entries with a larger id (the previous answer's "next")
//     limit   1 or more; default 1000, larger than 10,000 is taken as 10,000
//   -> {"entries": [AuditEntry::toJson(), ... oldest first], "next": <the last
//       entry's id, or null when there is none>}
//   Errors: 401 without the token, 404 (2002) for an unknown app, 400
//   (100600) for a parameter that does not parse, naming it.
// Reading the log is not itself audited: a reader paging to the end would
// otherwise always find one more entry, its own.
void addAuditRoutes(http::Router& router, services::Host& host, AuditLogFor auditLogFor);

}  // namespace ck::runtime
