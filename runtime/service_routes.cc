#include "runtime/service_routes.h"

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "base/json_text.h"
#include "runtime/client_request.h"
#include "runtime/http/url.h"
#include "runtime/http/worker_pool.h"
#include "runtime/routes.h"
#include "services/app.h"
#include "services/deployer.h"
#include "services/host.h"
#include "services/invoker.h"
#include "services/policy_eval.h"
#include "services/service_catalog.h"

namespace ck::runtime {
namespace {

using nlohmann::json;

// Arguments are parsed on a direct-lane worker and travel to the JS lane.
constexpr size_t kMaxServiceBodyBytes = 10 * 1024 * 1024;

// A query-string value converted by the @param type.
json fromQuery(const std::string& type, const std::string& text) {
  if (type == "number" || type == "Number" || type == "int" || type == "integer") {
    char* end = nullptr;
    double d = std::strtod(text.c_str(), &end);
    if (end != nullptr && *end == '\0' && !text.empty()) {
      if (d == static_cast<double>(static_cast<int64_t>(d)) && text.find_first_of(".eE") == std::string::npos) {
        return static_cast<int64_t>(d);
      }
      return d;
    }
    return text;
  }
  if (type == "boolean" || type == "Boolean" || type == "bool") {
    if (text == "true") return true;
    if (text == "false") return false;
    return text;
  }
  if (type == "string" || type == "String" || type.empty()) return text;
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? json(text) : parsed;
}

// The positional arguments of one call, by DESIGN.md's rules.
Result<json> argumentsOf(const http::Request& req, const services::ServiceMethod& method) {
  const auto& params = method.params;
  json args = json::array();
  if (req.method == "GET") {
    for (const services::ParamDoc& p : params) {
      auto v = req.queryParam(p.name);
      args.push_back(v ? fromQuery(p.type, std::string(*v)) : json(nullptr));
    }
    return args;
  }
  if (params.empty()) return args;
  if (params.size() == 1) {
    if (req.body.empty()) {
      args.push_back(nullptr);
    } else {
      json v = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
      args.push_back(v.is_discarded() ? json(req.body) : std::move(v));  // raw text: a bare string
    }
    return args;
  }
  json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return Status(ErrorCode::kBadRequest,
                  fmt::format("{} takes {} arguments: the body must be a JSON object keyed by their names",
                              method.name, params.size()));
  }
  for (const services::ParamDoc& p : params) {
    auto it = body.find(p.name);
    args.push_back(it == body.end() ? json(nullptr) : *it);
  }
  return args;
}

// Appends `pairs` as a JSON object of strings; the first of a repeated name
// is kept.
void appendPairsObject(std::string& out, const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::unordered_set<std::string_view> seen;
  out += '{';
  for (const auto& [name, value] : pairs) {
    if (!seen.insert(name).second) continue;
    if (seen.size() > 1) out += ',';
    appendJsonString(out, name);
    out += ':';
    appendJsonString(out, value);
  }
  out += '}';
}

void appendStringOrNull(std::string& out, const std::string* s) {
  if (s == nullptr) {
    out += "null";
  } else {
    appendJsonString(out, *s);
  }
}

// Whether the client asked to be answered before the call runs
// (`bl-execution-type: async` or `async-low-priority`, as the Backendless
// SDK's CustomServices.invoke sends them; `sync` or none: wait for it).
Result<bool> runsAsync(const http::Request& req) {
  std::optional<std::string_view> type = req.header("bl-execution-type");
  if (!type || *type == "sync") return false;
  if (*type == "async" || *type == "async-low-priority") return true;
  return Status(ErrorCode::kBadRequest, "bl-execution-type must be sync, async or async-low-priority");
}

// Refusals of an invocation before it runs.
bool isRefusal(ErrorCode code) {
  return code == ErrorCode::kAppBusy || code == ErrorCode::kAppNotFound || code == ErrorCode::kShuttingDown ||
         code == ErrorCode::kInvalidArgument;
}

// The answer to a settled __dispatch.
http::Response dispatchAnswer(Result<std::string> result, const std::string& requestId) {
  if (!result.ok()) {
    const Status& st = result.status();
    switch (st.code()) {
      case ErrorCode::kScriptError:
      case ErrorCode::kNeverSettles:
      case ErrorCode::kNoSuchFunction:
      case ErrorCode::kBundleError:
      case ErrorCode::kInternal:
        // The details are in the log under the request id.
        return http::Response::error(st.code(), fmt::format("{}, ref {}", errorInfo(st.code()).defaultMessage,
                                                            requestId));
      default:
        return http::Response::error(st);
    }
  }
  // The envelope's members but `value` are small: parse them; the value's
  // text (rows can be large) goes out as the sandbox wrote it, last
  // (InvocationRequest::envelope), so it is never read through.
  json out = json::object();
  std::string_view valueText = "null";
  for (const auto& [key, text] : jsonObjectMembers(*result, "value")) {
    if (key == "value") {
      valueText = text;
    } else {
      out[std::string(key)] = json::parse(text, nullptr, /*allow_exceptions=*/false);
    }
  }
  if (out.is_object() && out.contains("error") && out["error"].is_object()) {
    const json& e = out["error"];
    int status = 400;
    if (e.contains("httpStatus") && e["httpStatus"].is_number_integer()) {
      int s = e["httpStatus"].get<int>();
      if (s >= 400 && s <= 599) status = s;
    }
    json code = e.contains("code") && (e["code"].is_number() || e["code"].is_string()) ? e["code"] : json(0);
    json message = e.contains("message") && e["message"].is_string() ? e["message"] : json("");
    return http::Response::json(status, {{"code", code}, {"message", message}});
  }
  int status = 200;
  if (out.is_object()) {
    if (out.contains("statusCode") && out["statusCode"].is_number_integer()) {
      int s = out["statusCode"].get<int>();
      if (s >= 100 && s <= 599) status = s;
    }
  }
  http::Response response = http::Response::jsonText(status, std::string(valueText));
  if (out.is_object() && out.contains("headers") && out["headers"].is_object()) {
    for (const auto& [name, v] : out["headers"].items()) {
      if (!v.is_string() && !v.is_number()) continue;
      std::string text = v.is_string() ? v.get<std::string>() : v.dump();
      // Nothing that could split the header block or override framing.
      if (name.empty() || name.find_first_of("\r\n:") != std::string::npos || text.find_first_of("\r\n") != std::string::npos) {
        continue;
      }
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "content-length" || lower == "transfer-encoding" || lower == "connection") continue;
      if (lower == "content-type") {
        for (auto& [hn, hv] : response.headers) {
          if (hn == "Content-Type") hv = text;
        }
        continue;
      }
      response.header(name, text);
    }
  }
  return response;
}

// The path segments after /{appId}/{apiKey}/services/, split before they are
// percent-decoded, so that an encoded '/' (%2F) stays inside its segment
// ("/dishes/a%2Fb" is the parameter "a/b"). Falls back to splitting the
// router's decoded path when the raw target does not line up with it.
std::vector<std::string> restSegments(const http::Request& req) {
  std::string_view raw = req.target;
  raw = raw.substr(0, raw.find_first_of("?#"));
  if (!raw.starts_with('/')) return services::splitPath(req.pathParam("rest"));  // absolute-form
  std::vector<std::string> out;
  for (const std::string& seg : services::splitPath(raw)) {
    std::string decoded;
    if (!http::percentDecode(seg, /*plusIsSpace=*/false, &decoded)) return services::splitPath(req.pathParam("rest"));
    out.push_back(std::move(decoded));
  }
  if (out.size() < 3 || out[0] != req.pathParam("appId") || out[1] != req.pathParam("apiKey") || out[2] != "services") {
    return services::splitPath(req.pathParam("rest"));
  }
  out.erase(out.begin(), out.begin() + 3);
  return out;
}

// Bodies up to this size are parsed on the loop thread (a few microseconds).
constexpr size_t kMaxLoopBodyBytes = 16 * 1024;

// Whether starting `req` reads no file and parses little, so the loop thread
// may do it: no user-token (resolving one reads the sessions), the key and
// its app already in memory, a small body.
bool startsInMemory(services::Host& host, const http::Request& req) {
  if (req.body.size() > kMaxLoopBodyBytes) return false;
  Result<std::optional<std::string>> token = userTokenHeader(req);
  if (!token.ok() || token->has_value()) return false;
  return host.knownOpen(req.pathParam("appId"), req.pathParam("apiKey"));
}

// Resolves, checks, and queues the invocation (on the loop thread when
// startsInMemory(), else on a direct-lane worker).
// Answers through `responder` now (refused) or from the JS lane.
void startInvocation(services::Host& host, services::Invoker& invoker, services::Deployer& deployer,
                     const http::Request& req, std::shared_ptr<http::Responder> responder) {
  Result<ClientRequest> client = resolveClient(host, req);
  if (!client.ok()) return responder->send(http::Response::error(client.status()));
  std::vector<std::string> rest = restSegments(req);
  if (rest.empty()) return responder->send(http::Response::error(ErrorCode::kServiceNotFound));
  const std::string serviceName = rest.front();
  rest.erase(rest.begin());
  std::shared_ptr<const services::ActiveVersion> active = deployer.active(client->app->id());
  if (!active || active->catalog.service(serviceName) == nullptr) {
    return responder->send(http::Response::error(ErrorCode::kServiceNotFound,
                                                 fmt::format("Service {} not found", serviceName)));
  }
  std::optional<services::ServiceTarget> target = active->catalog.match(serviceName, req.method, rest);
  if (!target) {
    return responder->send(http::Response::error(
        ErrorCode::kServiceMethodNotFound, fmt::format("No method of {} answers {} /{}", serviceName, req.method,
                                                       fmt::join(rest, "/"))));
  }
  invokeForClient(invoker, *client, req, *target, std::move(responder));
}

}  // namespace

void invokeForClient(services::Invoker& invoker, const ClientRequest& client, const http::Request& req,
                     const services::ServiceTarget& target, std::shared_ptr<http::Responder> responder) {
  const std::string& serviceName = target.service->name;
  const services::ServiceMethod& method = *target.method;
  Result<services::ResourceRef> resource = services::ResourceRef::service(serviceName, method.name);
  if (!resource.ok()) return responder->send(http::Response::error(resource.status()));
  std::shared_ptr<const services::BoundPolicy> policy = client.app->policy();
  services::Decision decision =
      services::evaluate(*policy, client.principal, services::Op::kServiceInvoke, *resource);
  if (!decision.allow) {
    std::string message = fmt::format("Access denied: no permission to invoke {}.{}", serviceName, method.name);
    if (client.call.devMode) message += fmt::format(" (decided by {})", decision.text);
    return responder->send(http::Response::error(ErrorCode::kNoPermissionInvoke, message));
  }
  Result<json> args = argumentsOf(req, method);
  if (!args.ok()) return responder->send(http::Response::error(args.status()));
  Result<bool> async = runsAsync(req);
  if (!async.ok()) return responder->send(http::Response::error(async.status()));

  // The arguments of __dispatch (sdk-js/README.md), written as text: the
  // host builds them for every call, so no DOM is made and dumped. The
  // caller context goes as a string of its JSON, which the SDK parses only
  // when the method reads `this.request.context`.
  const services::Principal& caller = client.principal;
  Result<std::optional<std::string>> token = userTokenHeader(req);
  const bool passToken = token.ok() && *token && caller.signedIn();
  std::string pathParams;
  appendPairsObject(pathParams, target.pathParams);
  std::string queryParams;
  appendPairsObject(queryParams, req.query);
  std::string text = "[{\"service\":";
  appendJsonString(text, serviceName);
  text += ",\"method\":";
  appendJsonString(text, method.name);
  text += ",\"args\":";
  text += args->dump(-1, ' ', false, json::error_handler_t::replace);
  text += ",\"paramTypes\":[";
  for (size_t i = 0; i < method.params.size(); ++i) {
    if (i > 0) text += ',';
    appendStringOrNull(text, method.params[i].type.empty() ? nullptr : &method.params[i].type);
  }
  text += ']';
  // Empty members are left out (the SDK takes them as {}): they were a third
  // of what JSON.parse made of a usual request.
  const auto& settings = policy->policy().services;
  auto configured = settings.find(serviceName);
  if (configured != settings.end() && configured->second.config != "{}") {
    text += ",\"config\":" + configured->second.config;
  }
  if (pathParams != "{}") text += ",\"pathParams\":" + pathParams;
  if (queryParams != "{}") text += ",\"queryParams\":" + queryParams;
  text += "}]";
  std::string context = "{\"appId\":";
  appendJsonString(context, client.app->id());
  context += ",\"userId\":";
  appendStringOrNull(context, caller.user() ? &caller.user()->id : nullptr);
  context += ",\"userToken\":";
  appendStringOrNull(context, passToken ? &**token : nullptr);
  context += ",\"userRoles\":[";
  std::vector<std::string> roles = caller.roleNames();
  for (size_t i = 0; i < roles.size(); ++i) {
    if (i > 0) context += ',';
    appendJsonString(context, roles[i]);
  }
  context += "],\"deviceType\":";
  appendJsonString(context, services::clientKindName(client.key));
  context += ",\"httpPath\":";
  appendJsonString(context, "/services/" + req.pathParam("rest"));
  context += ",\"httpHeaders\":";
  appendPairsObject(context, req.headers);
  context += ",\"httpQueryParams\":" + queryParams + ",\"httpPathParams\":" + pathParams + "}";
  services::InvokeAs as;
  as.service = serviceName;
  as.method = method.name;
  as.caller = caller;
  as.devMode = client.call.devMode;
  if (passToken) as.callerToken = **token;  // redacted from the app log
  std::optional<uint64_t> seconds = method.timeoutSeconds ? method.timeoutSeconds : target.service->timeoutSeconds;
  if (seconds) as.cpuMs = *seconds * 1000;
  std::string requestId = req.requestId;
  // Asynchronous: 202 once the call is queued, unless it is refused first
  // (busy app, shutdown). Whichever comes first answers, exactly once; the
  // outcome of the run itself goes to the app log like any other.
  std::shared_ptr<std::atomic<bool>> answered;
  services::Invoker::TextCallback done = [responder, requestId](Result<std::string> result) {
    responder->send(dispatchAnswer(std::move(result), requestId));
  };
  if (*async) {
    answered = std::make_shared<std::atomic<bool>>(false);
    done = [responder, requestId, answered](Result<std::string> result) {
      if (result.ok() || !isRefusal(result.status().code()) || answered->exchange(true)) return;
      responder->send(dispatchAnswer(std::move(result), requestId));
    };
  }
  invoker.invokeJson(client.app->id(), "__dispatch", std::move(text), std::move(done), requestId, std::move(as),
                     {std::move(context)});
  if (*async && !answered->exchange(true)) responder->send(http::Response::json(202, {{"invocationId", requestId}}));
}

void addServiceRoutes(http::Router& router, services::Host& host, services::Invoker& invoker,
                      services::Deployer& deployer, http::WorkerPool& pool, Logger& log) {
  constexpr const char* kWhat = "service route threw";
  DirectLaneWork start = [&host, &invoker, &deployer](const http::Request& req,
                                                      std::shared_ptr<http::Responder> answerTo) {
    startInvocation(host, invoker, deployer, req, std::move(answerTo));
  };
  http::AsyncHandler onPool = onDirectLane(pool, log, kWhat, start);
  router.addAsync(
      "*", "/{appId}/{apiKey}/services/{rest*}",
      [&host, &log, start, onPool = std::move(onPool)](http::Request& req, http::Responder responder) {
        if (!startsInMemory(host, req)) return onPool(req, std::move(responder));
        // Everything it reads is in memory and the body is small: start the
        // invocation here and spare a thread hand-off (the JS lane is the
        // only other thread the call then visits).
        runGuarded(log, kWhat, start, req, std::make_shared<http::Responder>(std::move(responder)));
      },
      {.maxBodyBytes = kMaxServiceBodyBytes});
}

}  // namespace ck::runtime
