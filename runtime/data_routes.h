#pragma once

// The Backendless data API over HTTP (DESIGN.md "The REST surface", "Data
// rules"), as the official JS SDK 8.0.0 and the REST docs send it, plus the
// app-info route the SDK calls on initApp.
//
// Every route resolves its caller first (client_request.h: 2002 for an
// unknown app or key, 3064/3090 for a bad user-token) and runs on the direct
// lane. Each operation goes through services::DataService, so the access
// layer decides every one of them (1011..1015 when denied, owner policy
// narrowing finds and counts in SQL). Answers are JSON; errors are
// {"code", "message"} with the code's HTTP status.

#include <cstddef>

#include "runtime/http/router.h"

namespace ck::services {
class Host;
}

namespace ck::runtime {

// The largest body a data route accepts (413 beyond): a save, a find query or
// a bulk create of at most 100 objects fits easily.
inline constexpr size_t kMaxDataBodyBytes = 1024 * 1024;

// Client routes under /{appId}/{apiKey}/data/:
//   POST   /{T}/find        JSON body: where, pageSize (default 10, 1..100;
//                           over 100: 1025), offset (>= 0), sortBy ("a,b desc"
//                           or ["a", "b desc"]), props, excludeProps (a
//                           comma-separated string or an array), distinct
//                           -> an array of objects
//   GET    /{T}             the same query in the query string: where=,
//                           pageSize=, offset=, sortBy=, props=, property=
//                           (repeatable), excludeProps=, distinct=
//   GET    /{T}/{id}        one object; props=/property=/excludeProps= select
//                           columns -> the object, or 1000. GET /Users/{id} of
//                           the signed-in user's own id is always allowed
//                           (App::getUser; the SDK's getCurrentUser(true))
//   POST   /{T}/count       {"where"} -> a number; GET /{T}/count?where= too
//   PUT    /{T}, POST /{T}  save: the body is the object; with a string
//                           "objectId" it updates that object (1000 when there
//                           is none), without one it creates -> the object
//   DELETE /{T}/{id}        -> {"deletionTime": epoch ms}
//   POST   /bulk/{T}        an array of at most 100 objects -> their objectIds
//   PUT    /bulk/{T}?where= the body is the changes -> how many changed (a number)
//   POST   /bulk/{T}/delete {"where"} -> how many were deleted (a number);
//                           DELETE /bulk/{T}?where= too (the REST docs' form)
//   GET    /{T}/properties  the table's columns (DataService::describe)
// Literal segments win over parameters (router.h), so a table named `bulk`
// cannot be reached through the shapes above that start with /bulk/, and
// `find`, `count` and `properties` are never taken for object ids.
//
// Input rules (each failure a 400 naming the field or parameter):
//   - bodies must be JSON of the documented shape (an object, or an array for
//     bulk create); a field of the wrong JSON type is refused, never coerced;
//     a single-valued query parameter sent twice is refused;
//   - unknown fields and parameters are ignored, as Backendless does;
//   - relations are not supported: loadRelations, relations, relationsDepth
//     and relationsPageSize are refused unless empty (null, "", [], 0);
//     aggregates too: having and groupBy are refused unless empty;
//   - distinct: every row is distinct by its objectId, so `distinct: true` is
//     accepted when the rows returned keep objectId (no props, "*", or props
//     naming objectId, and objectId not excluded) and changes nothing;
//     otherwise it would need SELECT DISTINCT, which the table store does not
//     offer, and it is refused;
//   - bulk update and bulk delete need a non-blank where clause (the SDK never
//     sends an empty one; to touch every row, say so: "objectId IS NOT NULL");
//   - system columns in saved objects (objectId on create, ownerId, created,
//     updated, ___class) are ignored: the host sets them.
void addDataRoutes(http::Router& router, services::Host& host);

// GET /{appId}/{apiKey}/info: what the JS SDK loads on initApp
// (Backendless.appInfoPromise). SDK 8.0.0 reads two things from the answer:
// `loggers`, an array of {name, level} (Logging.loadLoggingLevels, when the
// app uses Backendless.Logging), and `rtURL` (the real-time client, which
// cloudkeep does not offer, so none is given); any other 200 JSON object
// makes initApp succeed. It answers {"appId": "<id>", "loggers": []}. The
// user-token header is resolved like every client route's: a stale token
// answers 3064, upon which the SDK drops it and asks again without one.
void addAppInfoRoute(http::Router& router, services::Host& host);

}  // namespace ck::runtime
