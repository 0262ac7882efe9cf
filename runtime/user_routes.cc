#include "runtime/user_routes.h"

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "runtime/client_request.h"
#include "runtime/http/worker_pool.h"
#include "runtime/routes.h"
#include "services/app.h"
#include "services/host.h"

namespace ck::runtime {
namespace {

using nlohmann::json;

// A user object or a login is small; the bodies are parsed on a worker.
constexpr size_t kMaxUserBodyBytes = 64 * 1024;

constexpr const char* kUsers = "/{appId}/{apiKey}/users";

std::string usersRoute(std::string_view rest) { return std::string(kUsers) + std::string(rest); }

// Parses a JSON object body; nullopt when it is not one.
std::optional<json> objectBody(const http::Request& req) {
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) return std::nullopt;
  return body;
}

http::Response badBody() { return http::Response::error(ErrorCode::kBadRequest, "Body must be a JSON object"); }

template <typename T>
http::Response answer(Result<T> result) {
  if (!result.ok()) return http::Response::error(result.status());
  return http::Response::json(200, std::move(result).value());
}

// How many requests are waiting for or running on the login lane, shared by
// its routes; a request past the bound is answered at once.
struct LaneLoad {
  std::atomic<size_t> inFlight{0};
  const size_t bound;
  explicit LaneLoad(size_t b) : bound(b) {}
};

// Runs `handler` on `pool` (a lane of its own) as onDirectLane does, unless
// `load` is at its bound: then the loop thread answers kLoginLaneFull at
// once. A request leaves the count before its answer is sent, so a client
// that waits for its answer always finds its place free again.
using LaneHandler = std::function<http::Response(const http::Request&)>;
http::AsyncHandler onPool(http::WorkerPool& pool, std::shared_ptr<LaneLoad> load, Logger& log, const char* what,
                          LaneHandler handler) {
  http::AsyncHandler queue = onDirectLane(
      pool, log, what,
      [load, handler = std::move(handler)](const http::Request& req, std::shared_ptr<http::Responder> answerTo) {
        struct Leave {
          LaneLoad& load;
          ~Leave() { load.inFlight.fetch_sub(1); }
        };
        http::Response response;
        {
          Leave leave{*load};  // also when the handler throws
          response = handler(req);
        }
        answerTo->send(std::move(response));
      });
  return [load, queue = std::move(queue)](http::Request& req, http::Responder responder) {
    if (load->inFlight.fetch_add(1) >= load->bound) {
      load->inFlight.fetch_sub(1);
      responder.send(http::Response::error(ErrorCode::kLoginLaneFull));
      return;
    }
    queue(req, std::move(responder));
  };
}

// --- Client routes ---

http::Response registerUser(services::Host& host, const http::Request& req) {
  Result<ClientRequest> client = resolveClient(host, req);
  if (!client.ok()) return http::Response::error(client.status());
  std::optional<json> user = objectBody(req);
  if (!user) return badBody();
  return answer(client->app->registerUser(client->principal, client->call, *user));
}

http::Response login(services::Host& host, const http::Request& req) {
  // The caller's token plays no part in a login (DESIGN.md "Permissions").
  Result<ClientRequest> client = resolveClient(host, req, TokenUse::kIgnore);
  if (!client.ok()) return http::Response::error(client.status());
  std::optional<json> body = objectBody(req);
  if (!body) return badBody();
  auto field = [&](const char* name) -> const std::string* {
    auto it = body->find(name);
    return it != body->end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  };
  const std::string* loginName = field("login");
  const std::string* password = field("password");
  // A login without a password (Backendless's passwordless login by
  // objectId) is refused to every client.
  if (loginName == nullptr || password == nullptr) {
    return http::Response::error(ErrorCode::kInvalidArgument, "\"login\" and \"password\" are required strings");
  }
  Result<services::Session> session = client->app->login(client->key, client->call, *loginName, *password);
  if (!session.ok()) return http::Response::error(session.status());
  json out = std::move(session->user);
  out["user-token"] = std::move(session->token);
  return http::Response::json(200, out);
}

http::Response logout(http::Request& req, ClientRequest& client) {
  Result<std::optional<std::string>> token = userTokenHeader(req);  // resolved already: valid
  if (!client.principal.signedIn() || !token.ok() || !*token) {
    return http::Response::error(ErrorCode::kInvalidUserToken, "Logout needs the session's user-token header");
  }
  if (Status st = client.app->logout(**token); !st.ok()) return http::Response::error(st);
  http::Response r;  // Backendless answers an empty body
  return r;
}

}  // namespace

void addUserRoutes(http::Router& router, services::Host& host, http::WorkerPool& loginPool, size_t loginQueue,
                   Logger& log) {
  const http::RouteOptions small{.maxBodyBytes = kMaxUserBodyBytes};
  auto load = std::make_shared<LaneLoad>(loginQueue);

  router.addAsync("POST", usersRoute("/register"),
                  onPool(loginPool, load, log, "users/register",
                         [&host](const http::Request& req) { return registerUser(host, req); }),
                  small);
  router.addAsync("POST", usersRoute("/login"),
                  onPool(loginPool, load, log, "users/login",
                         [&host](const http::Request& req) { return login(host, req); }),
                  small);

  // The SDK logs out with GET; POST is accepted too.
  for (const char* method : {"GET", "POST"}) {
    router.add(method, usersRoute("/logout"), clientRoute(host, logout), small);
  }

  // The token asked about is in the path; the header's (maybe stale) is not.
  router.add("GET", usersRoute("/isvalidusertoken/{token}"),
             clientRoute(
                 host,
                 [](http::Request& req, ClientRequest& client) {
                   return http::Response::json(200, client.app->isValidToken(req.pathParam("token")));
                 },
                 TokenUse::kIgnore));

  router.add("GET", usersRoute("/userroles"), clientRoute(host, [](http::Request&, ClientRequest& client) {
               return http::Response::json(200, client.app->rolesOf(client.principal));
             }));

  router.add("GET", usersRoute("/{id}"), clientRoute(host, [](http::Request& req, ClientRequest& client) {
               return answer(client.app->getUser(client.principal, client.call, req.pathParam("id")));
             }));

  router.add(
      "PUT", usersRoute("/{id}"),
      clientRoute(host,
                  [](http::Request& req, ClientRequest& client) {
                    std::optional<json> changes = objectBody(req);
                    if (!changes) return badBody();
                    return answer(
                        client.app->updateUser(client.principal, client.call, req.pathParam("id"), *changes));
                  }),
      small);
}

// --- Admin routes ---

namespace {

// The user's custom roles after a change, as the role routes answer.
http::Response rolesAnswer(services::App& app, const std::string& userId) {
  Result<std::vector<std::string>> roles = app.lease().users().rolesOf(userId);
  if (!roles.ok()) return http::Response::error(roles.status());
  return http::Response::json(200, {{"userId", userId}, {"roles", *roles}});
}

// An admin role route: `change` assigns or unassigns.
template <typename Change>
http::Handler roleRoute(services::Host& host, Change change) {
  return adminOnly(host, [&host, change](http::Request& req) {
    services::App* app = host.app(req.pathParam("id"));
    if (app == nullptr) return http::Response::error(ErrorCode::kAppNotFound);
    const std::string& userId = req.pathParam("userId");
    Status st = change(*app, callInfoOf(req, services::Channel::kAdmin), userId, req.pathParam("role"));
    if (!st.ok()) return http::Response::error(st);
    return rolesAnswer(*app, userId);
  });
}

}  // namespace

void addAdminUserRoutes(http::Router& router, services::Host& host) {
  const std::string route = "/admin/apps/{id}/users/{userId}";
  router.add("PUT", route + "/roles/{role}",
             roleRoute(host, [](services::App& app, const services::CallInfo& call, const std::string& userId,
                                const std::string& role) { return app.assignRole(call, userId, role); }));
  router.add("DELETE", route + "/roles/{role}",
             roleRoute(host, [](services::App& app, const services::CallInfo& call, const std::string& userId,
                                const std::string& role) { return app.unassignRole(call, userId, role); }));

  router.add("PUT", route + "/enabled", adminOnly(host, [&host](http::Request& req) {
               services::App* app = host.app(req.pathParam("id"));
               if (app == nullptr) return http::Response::error(ErrorCode::kAppNotFound);
               std::optional<json> body = objectBody(req);
               if (!body) return badBody();
               auto enabled = body->find("enabled");
               if (enabled == body->end() || !enabled->is_boolean()) {
                 return http::Response::error(ErrorCode::kInvalidArgument, "\"enabled\" must be true or false");
               }
               const std::string& userId = req.pathParam("userId");
               Status st = app->setUserEnabled(callInfoOf(req, services::Channel::kAdmin), userId,
                                               enabled->get<bool>());
               if (!st.ok()) return http::Response::error(st);
               return http::Response::json(200, {{"userId", userId}, {"enabled", enabled->get<bool>()}});
             }),
             {.maxBodyBytes = kMaxUserBodyBytes});
}

}  // namespace ck::runtime
