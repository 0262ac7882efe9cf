#include "runtime/invoke_admin_routes.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "runtime/client_request.h"
#include "runtime/http/worker_pool.h"
#include "runtime/routes.h"
#include "runtime/service_routes.h"
#include "services/app.h"
#include "services/deployer.h"
#include "services/host.h"
#include "services/service_catalog.h"

namespace ck::runtime {
namespace {

using nlohmann::json;

constexpr size_t kMaxInvokeAsBodyBytes = 10 * 1024 * 1024;

// What the admin asks for, checked.
struct InvokeAsRequest {
  std::string service;
  std::string method;
  std::string args;                // the client's POST body: JSON text, or empty for none
  std::optional<std::string> as;   // the user's email
  services::ClientKind key = services::ClientKind::kRest;
};

Result<InvokeAsRequest> parseInvokeAs(const std::string& text) {
  auto invalid = [](const std::string& why) { return Status(ErrorCode::kInvalidArgument, why); };
  json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) return Status(ErrorCode::kBadRequest, "Body must be a JSON object");
  InvokeAsRequest r;
  for (const auto& [name, value] : body.items()) {
    if (name == "args") {
      if (!value.is_null()) r.args = value.dump();
    } else if (name == "service" || name == "method" || name == "as" || name == "key") {
      if (value.is_null() && (name == "as" || name == "key")) continue;
      if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
        return invalid(fmt::format("\"{}\" must be a non-empty string", name));
      }
      const std::string& s = value.get_ref<const std::string&>();
      if (name == "service") r.service = s;
      if (name == "method") r.method = s;
      if (name == "as") r.as = s;
      if (name == "key") {
        std::optional<services::ClientKind> kind = services::parseClientKind(s);
        if (!kind) return invalid("\"key\": \"" + s + "\" is not a key kind (REST, JS, IOS, ANDROID)");
        r.key = *kind;
      }
    } else {
      return invalid(fmt::format("unknown field \"{}\" (service, method, args, as, key)", name));
    }
  }
  if (r.service.empty()) return invalid("\"service\" is required");
  if (r.method.empty()) return invalid("\"method\" is required");
  return r;
}

// The client principal the admin acts for: the named user as if signed in
// with `key`, or nobody signed in.
Result<services::Principal> callerFor(services::App& app, const InvokeAsRequest& r) {
  services::ClientIdentity identity;
  identity.key = r.key;
  if (r.as) {
    services::AppLease lease = app.lease();
    std::optional<std::string> id = lease.users().idByEmail(*r.as);
    if (!id) return Status(ErrorCode::kInvalidArgument, "as: no user \"" + *r.as + "\" in this app");
    Result<json> user = lease.users().findById(*id);
    if (!user.ok()) return user.status();
    if (user->value("userStatus", std::string()) == "DISABLED") {
      return Status(ErrorCode::kUserDisabled, "as: the account of " + *r.as + " is disabled");
    }
    Result<std::vector<std::string>> roles = lease.users().rolesOf(*id);
    if (!roles.ok()) return roles.status();
    identity.authenticated = true;
    identity.user = services::PrincipalUser{*id, *r.as};
    identity.customRoles = std::move(*roles);
  }
  return services::Principal::client(std::move(identity));
}

// On a direct-lane worker: checks the request, audits it, and hands the
// call to the client path.
void startInvokeAs(services::Host& host, services::Invoker& invoker, services::Deployer& deployer,
                   const http::Request& req, std::shared_ptr<http::Responder> responder) {
  services::App* app = host.app(req.pathParam("id"));
  if (app == nullptr) return responder->send(http::Response::error(ErrorCode::kAppNotFound));
  Result<InvokeAsRequest> r = parseInvokeAs(req.body);
  if (!r.ok()) return responder->send(http::Response::error(r.status()));
  std::shared_ptr<const services::ActiveVersion> active = deployer.active(app->id());
  const services::ServiceInfo* service = active ? active->catalog.service(r->service) : nullptr;
  if (service == nullptr) {
    return responder->send(
        http::Response::error(ErrorCode::kServiceNotFound, fmt::format("Service {} not found", r->service)));
  }
  auto method = service->methods.find(r->method);
  if (method == service->methods.end()) {
    return responder->send(http::Response::error(
        ErrorCode::kServiceMethodNotFound, fmt::format("Service {} has no method {}", r->service, r->method)));
  }
  Result<services::Principal> caller = callerFor(*app, *r);
  if (!caller.ok()) return responder->send(http::Response::error(caller.status()));

  app->auditAdmin(adminCall(req), "service.invoke", fmt::format("service:{}.{}", r->service, r->method),
                  fmt::format("as {} ({} key)", r->as ? *r->as : std::string("NotAuthenticatedUser"),
                              services::clientKindName(r->key)));

  // The call as the client route sees it: a POST of the arguments, with no
  // header of the admin's request.
  http::Request call;
  call.method = "POST";
  call.path = fmt::format("/{}/services/{}/{}", app->id(), r->service, r->method);
  call.target = call.path;
  call.pathParams = {{"rest", r->service + "/" + r->method}};
  call.body = std::move(r->args);
  if (!call.body.empty()) call.headers.emplace_back("content-type", "application/json");
  call.requestId = req.requestId;
  call.remoteAddr = req.remoteAddr;
  services::CallInfo info = adminCall(req);
  info.devMode = app->config().devMode;
  ClientRequest client{app, r->key, std::move(caller).value(), std::move(info)};
  services::ServiceTarget target{service, &method->second, {}};
  invokeForClient(invoker, client, call, target, std::move(responder));
}

}  // namespace

void addInvokeAsRoute(http::Router& router, services::Host& host, services::Invoker& invoker,
                      services::Deployer& deployer, http::WorkerPool& pool, Logger& log) {
  router.addAsync("POST", "/admin/apps/{id}/invoke",
                  adminOnlyAsync(host, onDirectLane(pool, log, "admin invoke threw",
                                                    [&host, &invoker, &deployer](
                                                        const http::Request& req,
                                                        std::shared_ptr<http::Responder> responder) {
                                                      startInvokeAs(host, invoker, deployer, req, std::move(responder));
                                                    })),
      {.maxBodyBytes = kMaxInvokeAsBodyBytes});
}

}  // namespace ck::runtime
