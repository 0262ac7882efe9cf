#include "runtime/policy_routes.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/routes.h"
#include "services/host.h"
#include "services/policy.h"
#include "services/policy_bind.h"
#include "services/policy_eval.h"
#include "services/policy_tests.h"

namespace ck::runtime {
namespace {

using nlohmann::json;

Status invalid(std::string message) { return Status(ErrorCode::kInvalidArgument, std::move(message)); }

// A policy test's view of the app's users: id and custom roles by email.
services::PolicyTestUserLookup appUserLookup(services::AppLease& lease) {
  return [&lease](std::string_view email) -> std::optional<services::PolicyTestUser> {
    std::optional<std::string> id = lease.users().idByEmail(email);
    if (!id) return std::nullopt;
    Result<std::vector<std::string>> roles = lease.users().rolesOf(*id);
    return services::PolicyTestUser{*id, roles.ok() ? *roles : std::vector<std::string>{}};
  };
}

// The string member `name` of `object`: nullopt when absent; an error when
// present but not a non-empty string.
Result<std::optional<std::string>> optionalString(const json& object, const char* name, const std::string& where) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return invalid(where + name + ": must be a non-empty string");
  }
  return std::optional<std::string>(it->get<std::string>());
}

// What an explain request asks about.
struct ExplainRequest {
  services::Op op = services::Op::kDataFind;
  std::optional<services::ResourceRef> resource;
  services::ClientKind key = services::ClientKind::kRest;
  std::optional<std::string> user;     // as.user
  std::optional<std::string> role;     // as.role
  std::optional<std::string> service;  // as.service
};

Result<ExplainRequest> parseExplainRequest(const json& body) {
  ExplainRequest r;
  for (const auto& [name, value] : body.items()) {
    if (name != "op" && name != "resource" && name != "as" && name != "key") {
      return invalid(name + ": unknown field (op, resource, as, key)");
    }
  }
  Result<std::optional<std::string>> resource = optionalString(body, "resource", "");
  if (!resource.ok()) return resource.status();
  if (!*resource) return invalid("resource: required, e.g. \"data:Restaurant\"");
  Result<services::ResourceRef> ref = services::ResourceRef::parse(**resource);
  if (!ref.ok()) return invalid("resource: " + ref.status().message());
  r.resource = std::move(*ref);

  Result<std::optional<std::string>> op = optionalString(body, "op", "");
  if (!op.ok()) return op.status();
  if (!*op) return invalid("op: required, e.g. \"find\"");
  std::optional<services::Op> found = services::findOp(r.resource->kind(), **op);
  if (!found) {
    return invalid("op: \"" + **op + "\" is not an operation on " +
                   std::string(services::resourceKindName(r.resource->kind())) + " resources (" +
                   services::opNamesOfKind(r.resource->kind()) + ")");
  }
  r.op = *found;

  std::optional<std::string> key;
  json as = json::object();
  if (auto it = body.find("as"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return invalid("as: must be an object: {\"user\"}, {\"role\"} or {\"service\", \"user\"?}");
    as = *it;
    for (const auto& [name, value] : as.items()) {
      if (name != "user" && name != "role" && name != "service" && name != "key") {
        return invalid("as." + name + ": unknown field (user, role, service, key)");
      }
    }
    Result<std::optional<std::string>> user = optionalString(as, "user", "as.");
    Result<std::optional<std::string>> role = optionalString(as, "role", "as.");
    Result<std::optional<std::string>> service = optionalString(as, "service", "as.");
    Result<std::optional<std::string>> asKey = optionalString(as, "key", "as.");
    for (const auto* s : {&user, &role, &service, &asKey}) {
      if (!s->ok()) return s->status();
    }
    r.user = *user;
    r.role = *role;
    r.service = *service;
    key = *asKey;
    if (r.role && (r.user || r.service)) return invalid("as: \"role\" goes alone (not with \"user\" or \"service\")");
    if (r.service) {
      if (std::string why = services::checkServiceName(*r.service); !why.empty()) {
        return invalid("as.service: \"" + *r.service + "\" " + why);
      }
    }
  }
  Result<std::optional<std::string>> topKey = optionalString(body, "key", "");
  if (!topKey.ok()) return topKey.status();
  if (*topKey) {
    if (key && *key != **topKey) return invalid("key: differs from as.key");
    key = *topKey;
  }
  if (key) {
    std::optional<services::ClientKind> kind = services::parseClientKind(*key);
    if (!kind) return invalid("key: \"" + *key + "\" is not a key kind (REST, JS, IOS, ANDROID)");
    r.key = *kind;
  }
  return r;
}

// The client principal the request describes (a user of the app, a role,
// or nobody signed in), as policy tests build it.
Result<services::Principal> clientPrincipal(const ExplainRequest& r, services::AppLease& lease) {
  services::ClientIdentity identity;
  identity.key = r.key;
  if (r.user) {
    std::optional<services::PolicyTestUser> user = appUserLookup(lease)(*r.user);
    if (!user) return invalid("as.user: no user \"" + *r.user + "\" in this app");
    identity.authenticated = true;
    identity.user = services::PrincipalUser{user->id, *r.user};
    identity.customRoles = user->roles;
  } else if (r.role) {
    using services::SystemRole;
    std::optional<SystemRole> system = services::parseSystemRole(*r.role);
    if (system == SystemRole::kServerCodeUser) {
      return invalid("as.role: ServerCodeUser is not a role a client can take; use {\"service\": Name}");
    }
    if (system && system != SystemRole::kNotAuthenticatedUser && system != SystemRole::kAuthenticatedUser) {
      return invalid("as.role: \"" + *r.role + "\" comes with an API key; use \"key\" instead");
    }
    if (system != SystemRole::kNotAuthenticatedUser) {
      identity.authenticated = true;
      if (!system) identity.customRoles.push_back(*r.role);
    }
  }
  Result<services::Principal> principal = services::Principal::client(std::move(identity));
  if (!principal.ok()) return invalid("as: " + principal.status().message());
  return principal;
}

Result<services::Explanation> explainRequest(const ExplainRequest& r, services::AppLease& lease) {
  const services::BoundPolicy& policy = lease.policy();
  if (r.service) {
    const auto& services = policy.policy().services;
    auto it = services.find(*r.service);
    bool asCaller = it != services.end() && it->second.runAs == services::RunAs::kCaller;
    if (!asCaller) {
      services::Explanation e = services::explainAsService(policy, *r.service, r.op, *r.resource);
      if (r.user) e.principal += " (called by " + *r.user + ")";
      return e;
    }
    Result<services::Principal> caller = clientPrincipal(r, lease);
    if (!caller.ok()) return caller.status();
    services::Explanation e = services::explain(policy, *caller, r.op, *r.resource);
    e.principal = "caller of " + *r.service + " (runAs: caller): " + e.principal;
    return e;
  }
  Result<services::Principal> principal = clientPrincipal(r, lease);
  if (!principal.ok()) return principal.status();
  return services::explain(policy, *principal, r.op, *r.resource);
}

json testResultsJson(const std::vector<services::PolicyTestResult>& results) {
  size_t passed = 0;
  json list = json::array();
  for (const services::PolicyTestResult& r : results) {
    passed += r.passed ? 1 : 0;
    json entry = {{"index", r.index}, {"passed", r.passed}, {"summary", r.summary}};
    if (r.explanation) entry["explain"] = services::explainJson(*r.explanation);
    list.push_back(std::move(entry));
  }
  return {{"passed", passed},
          {"failed", results.size() - passed},
          {"results", std::move(list)},
          {"report", services::policyTestReport(results)}};
}

}  // namespace

void addPolicyRoutes(http::Router& router, services::Host& host) {
  router.add("PUT", "/admin/apps/{id}/policy", adminOnly(host, [&host](http::Request& req) {
               services::App* app = host.app(req.pathParam("id"));
               if (!app) return http::Response::error(ErrorCode::kAppNotFound);
               Result<services::PolicyApplied> applied = app->applyPolicy(req.body, adminCall(req));
               if (!applied.ok()) return http::Response::error(applied.status());
               return http::Response::json(200, {{"applied", applied->appliedMs}, {"warnings", applied->warnings}});
             }));

  router.add("GET", "/admin/apps/{id}/policy", adminOnly(host, [&host](http::Request& req) {
               services::App* app = host.app(req.pathParam("id"));
               if (!app) return http::Response::error(ErrorCode::kAppNotFound);
               http::Response r;
               r.body = app->policyText().value_or("{}");
               r.header("Content-Type", "application/json");
               return r;
             }));

  router.add("POST", "/admin/apps/{id}/explain", adminOnly(host, [&host](http::Request& req) {
               services::App* app = host.app(req.pathParam("id"));
               if (!app) return http::Response::error(ErrorCode::kAppNotFound);
               json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
               if (body.is_discarded() || !body.is_object()) {
                 return http::Response::error(ErrorCode::kBadRequest, "Body must be a JSON object");
               }
               Result<ExplainRequest> request = parseExplainRequest(body);
               if (!request.ok()) return http::Response::error(request.status());
               // One lease: one policy and one connection for the lookup and the decision
               // (the Explanation's views into the policy live as long as the lease).
               services::AppLease lease = app->lease();
               Result<services::Explanation> e = explainRequest(*request, lease);
               if (!e.ok()) return http::Response::error(e.status());
               json out = services::explainJson(*e);
               out["text"] = services::explainText(*e);
               return http::Response::json(200, out);
             }));

  router.add("POST", "/admin/apps/{id}/policy/test", adminOnly(host, [&host](http::Request& req) {
               services::App* app = host.app(req.pathParam("id"));
               if (!app) return http::Response::error(ErrorCode::kAppNotFound);
               services::AppLease lease = app->lease();
               services::PolicyTestUserLookup users = appUserLookup(lease);
               if (req.body.empty()) {
                 return http::Response::json(200, testResultsJson(runPolicyTests(lease.policy(), users)));
               }
               Result<services::Policy> parsed = services::parsePolicy(req.body);
               if (!parsed.ok()) return http::Response::error(parsed.status());
               // Bound to the app's users as applyPolicy would bind it, without applying it.
               services::BoundPolicy bound =
                   services::bindPolicy(std::move(*parsed), [&](std::string_view email) -> std::optional<std::string> {
                     return lease.users().idByEmail(email);
                   });
               return http::Response::json(200, testResultsJson(runPolicyTests(bound, users)));
             }));
}

}  // namespace ck::runtime
