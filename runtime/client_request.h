#pragma once

// The caller of a client route (`/{appId}/{apiKey}/...`, DESIGN.md "The REST
// surface"), resolved once per request: the app, the kind of the API key, the
// effective principal and the CallInfo the services audit with. Every client
// route (users now; data, files and services later) starts here, so the
// principal model is applied in one place:
//   - an unknown app, or a key that is not one of *that* app's keys
//     (keys are bound to their app): kAppNotFound (2002), one answer for
//     both, so a key cannot be tried against other apps;
//   - the `user-token` header (names are case-insensitive): absent, the
//     principal is the key's role and NotAuthenticatedUser; present, it must
//     resolve to a session (AuthenticatedUser, the user's custom roles) or
//     the request fails with kInvalidUserToken (3064) / kUserDisabled (3090),
//     never a silent downgrade to anonymous. Sent twice: kBadRequest;
//   - nothing else in the request (no header, key or token) takes part, so
//     only client principals come out: never the admin and never
//     ServerCodeUser (that one needs services::ServerCodeCapability).

#include <functional>
#include <optional>
#include <string>

#include "base/status.h"
#include "runtime/http/router.h"
#include "services/access_principal.h"
#include "services/call_info.h"
#include "services/client_kind.h"

namespace ck::services {
class App;
class Host;
}  // namespace ck::services

namespace ck::runtime {

// What a route does with the `user-token` header.
enum class TokenUse {
  kResolve,  // a token sent must resolve (3064 / 3090 otherwise)
  kIgnore,   // the route never looks at it (login, isvalidusertoken): a stale one does no harm
};

// The resolved caller of one client request. Lives as long as the request's
// handler; `app` is owned by the Host, which outlives every request.
struct ClientRequest {
  services::App* app;
  services::ClientKind key;
  services::Principal principal;  // a client principal
  services::CallInfo call;        // channel rest, request id, peer address, the app's devMode
};

// Resolves the request's {appId} and {apiKey} path parameters and, per
// `tokens`, its user-token header. Reads the host and app databases: call it
// on a worker thread, never on the loop thread.
// REQUIRES: the route's pattern declares {appId} and {apiKey}.
Result<ClientRequest> resolveClient(services::Host& host, const http::Request& req,
                                    TokenUse tokens = TokenUse::kResolve);

// The user-token header's value (an empty one counts as sent), nullopt when
// absent; kBadRequest when the header is sent more than once.
Result<std::optional<std::string>> userTokenHeader(const http::Request& req);

// The request's CallInfo on `channel` (request id, peer address).
services::CallInfo callInfoOf(const http::Request& req, services::Channel channel);

// A client route's handler, given the resolved caller.
using ClientHandler = std::function<http::Response(http::Request&, ClientRequest&)>;

// Wraps `handler`: resolves the caller first (resolveClient) and answers its
// error instead of calling the handler when that fails.
http::Handler clientRoute(services::Host& host, ClientHandler handler, TokenUse tokens = TokenUse::kResolve);

}  // namespace ck::runtime
