#pragma once

// The admin API's view of an app's service-code log (services/app_log.h).

#include "runtime/http/router.h"

namespace ck::services {
class Host;
}  // namespace ck::services

namespace ck::runtime {

// Behind the admin token (runtime/routes.h adminOnly), on the direct lane:
//   GET /admin/apps/{id}/logs?since=&after=&limit=&follow=
//     since   lines at or after: epoch ms or a date (services::parseAuditTime)
//     after   lines with a larger sequence number (the previous answer's "next")
//     limit   1 or more; default 1000, larger than 10,000 is taken as 10,000
//     follow  accepted for the CLI's `-f`: the answer never waits; a
//             follower asks again with after=<next>
//   -> {"lines": [AppLogLine::toJson(), ... oldest first], "next": <the last
//       line's seq, or the `after` given when there is none>}
//   Errors: 401 without the token, 404 (2002) for an unknown app, 400
//   (100600) for a parameter that does not parse, naming it.
void addLogRoutes(http::Router& router, services::Host& host);

}  // namespace ck::runtime
