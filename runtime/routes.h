#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "base/log.h"
#include "runtime/http/router.h"
#include "services/call_info.h"

namespace ck::services {
class Host;
class Invoker;
}

namespace ck::http {
class WorkerPool;
}

namespace ck::runtime {

// GET /health: a constant answer on the loop lane.
void addHealthRoutes(http::Router& router);

// Wraps an admin handler: answers 401 (100401) unless the request carries
// the admin token (`Authorization: Bearer <token>`; a hash comparison, no I/O).
http::Handler adminOnly(services::Host& host, http::Handler handler);
// The same for an asynchronous route (the check runs on the loop thread).
http::AsyncHandler adminOnlyAsync(services::Host& host, http::AsyncHandler handler);

// An asynchronous route whose work starts on the direct lane (it reads the
// databases, so never on the loop thread) and answers later, e.g. from the
// JS lane: `work` gets a copy of the request and the one-shot responder on
// a worker of `pool`. An exception it throws is logged under `what` and
// answered 500 with the request id. `pool` and `log` outlive the route.
using DirectLaneWork = std::function<void(const http::Request&, std::shared_ptr<http::Responder>)>;
http::AsyncHandler onDirectLane(http::WorkerPool& pool, Logger& log, const char* what, DirectLaneWork work);
// Runs `work` here and now, with onDirectLane's answer to an exception: for
// work that may also start on the calling thread.
void runGuarded(Logger& log, const char* what, const DirectLaneWork& work, const http::Request& req,
                const std::shared_ptr<http::Responder>& answerTo);

// Query parameters of the admin routes. A 400 (kInvalidArgument) naming
// the parameter: `Query parameter "limit": must be ...`.
http::Response badParameter(std::string_view name, std::string_view why);
// Decimal digits only (no sign, no spaces), within int64.
std::optional<int64_t> parseCount(std::string_view text);
// `since` (epoch ms or a date, services::parseAuditTime) into `out` when
// present; the error Response when it does not parse.
std::optional<http::Response> parseSinceParam(const http::Request& req, std::optional<int64_t>* out);

// The admin's CallInfo (channel admin, request id, peer address) for the
// audit log.
services::CallInfo adminCall(const http::Request& req);

// The admin API under /admin/, every route behind the admin token
// (`Authorization: Bearer <token>`):
//   GET  /admin/apps                         list apps (with their API keys)
//   POST /admin/apps            {"name"}     create an app
//   GET  /admin/apps/{id}                    one app
//   GET  /admin/apps/{id}/settings           the app's settings as an object
//   PUT  /admin/apps/{id}/settings/{key}     {"value": "..."}: set one (durable when answered)
void addAdminRoutes(http::Router& router, services::Host& host);

// Admin-only hooks into the JavaScript lane, for tests and tools until
// deploys and the service routes arrive (behind the admin token as above):
//   POST /admin/apps/{id}/code  {"files": {"main.js": "..."}, "entries": ["main.js"],
//                                "limits": {"cpuMs", "wallMs", "heapBytes"} (optional)}
//        installs or replaces the app's code (direct lane)
//   POST /admin/apps/{id}/invoke/{function}[?service=Name]   [args...]  (an empty body: no arguments)
//        runs an export of the code on the JS lane through an asynchronous
//        route; answers {"value": ...}, or {"code", "message"} with the
//        Status's HTTP status. With `service`, the code's data calls run as
//        ServerCodeUser of that service (no caller).
void addAdminCodeRoutes(http::Router& router, services::Host& host, services::Invoker& invoker);

}  // namespace ck::runtime
