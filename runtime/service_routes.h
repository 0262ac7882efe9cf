#pragma once

// Service invocation over HTTP (DESIGN.md "Service invocation rules"), as the
// official JS SDK and plain HTTP clients call it:
//   POST /{appId}/{apiKey}/services/{Service}/{method}          (CustomServices.invoke)
//   ANY  /{appId}/{apiKey}/services/{Service}[/{version}]/{route...}  (@route and generated routes)
// One catch-all route; the path is matched against the catalog of the app's
// active version (services::Deployer::active), so routes change with deploys.
//
// Per request, on the direct lane (resolving the caller reads the
// databases): the caller (client_request.h), the target (14001 unknown
// service, 14002 unknown method or route), `invoke` on
// service:<Service>.<method> for the caller (14008 when denied), the
// arguments (0 params: body ignored; 1: the whole body, raw text when it is
// not JSON; 2+: a JSON object keyed by the @param names; GET: the query
// string by @param name, converted by the declared type). Then the
// invocation is queued on the JS lane as `__dispatch(request)` of the
// bundle's entry module (sdk-js/README.md), running as the service for the
// caller, with the method's (or service's) executionTimeoutInSeconds as its
// CPU limit; the direct-lane worker is free again at once.
//
// Answers: the method's value as JSON with `this.response`'s status code
// and headers; a thrown Backendless.ServerCode.Error as {"code", "message"}
// with its httpStatus (400 when it names none); CPU or wall time exceeded
// 15000 (504); heap exhausted 100710; any other throw 500 with a safe
// message and the request id (the stack goes to the log).

#include <memory>

#include "base/log.h"
#include "runtime/client_request.h"
#include "runtime/http/router.h"

namespace ck::services {
class Host;
class Invoker;
class Deployer;
struct ServiceTarget;
}  // namespace ck::services

namespace ck::http {
class WorkerPool;
}

namespace ck::runtime {

// `pool` (the direct lane), `invoker`, `deployer` and `log` must outlive the router's use.
void addServiceRoutes(http::Router& router, services::Host& host, services::Invoker& invoker,
                      services::Deployer& deployer, http::WorkerPool& pool, Logger& log);

// The invocation once the caller is resolved and the target matched, as
// above from the `invoke` check on: `client` is the caller (a client
// principal only; the admin's invoke-as builds one for the user it names),
// `req` gives the arguments (its method and body or query string), the
// headers, query and {rest} path parameter the code's context shows.
// Runs on a direct-lane worker; answers through `responder`.
void invokeForClient(services::Invoker& invoker, const ClientRequest& client, const http::Request& req,
                     const services::ServiceTarget& target, std::shared_ptr<http::Responder> responder);

}  // namespace ck::runtime
