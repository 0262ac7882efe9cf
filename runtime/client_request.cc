#include "runtime/client_request.h"

#include <utility>

#include "services/app.h"
#include "services/host.h"

namespace ck::runtime {

namespace {

constexpr std::string_view kUserTokenHeader = "user-token";  // lower case, as the parser stores names

}  // namespace

Result<std::optional<std::string>> userTokenHeader(const http::Request& req) {
  std::optional<std::string> token;
  for (const auto& [name, value] : req.headers) {
    if (name != kUserTokenHeader) continue;
    // Two tokens: whichever one a proxy in front of us looked at, we might
    // take the other. Refuse rather than pick.
    if (token) return Status(ErrorCode::kBadRequest, "The user-token header is sent more than once");
    token = value;
  }
  return token;
}

services::CallInfo callInfoOf(const http::Request& req, services::Channel channel) {
  services::CallInfo call;
  call.channel = channel;
  call.requestId = req.requestId;
  call.clientAddress = req.remoteAddr;
  return call;
}

Result<ClientRequest> resolveClient(services::Host& host, const http::Request& req, TokenUse tokens) {
  const std::string& appId = req.pathParam("appId");
  // The key first: only a key of this very app opens the app.
  std::optional<services::ClientKind> key = host.resolveKey(appId, req.pathParam("apiKey"));
  services::App* app = key ? host.app(appId) : nullptr;
  if (app == nullptr) {
    return Status(ErrorCode::kAppNotFound, "Unable to find application (unknown application id or API key)");
  }

  std::optional<std::string> token;
  if (tokens == TokenUse::kResolve) {
    Result<std::optional<std::string>> header = userTokenHeader(req);
    if (!header.ok()) return header.status();
    token = std::move(*header);
  }
  Result<services::Principal> principal = app->principalFor(*key, token);
  if (!principal.ok()) return principal.status();

  services::CallInfo call = callInfoOf(req, services::Channel::kRest);
  call.devMode = app->config().devMode;
  return ClientRequest{app, *key, std::move(principal).value(), std::move(call)};
}

http::Handler clientRoute(services::Host& host, ClientHandler handler, TokenUse tokens) {
  return [&host, handler = std::move(handler), tokens](http::Request& req) -> http::Response {
    Result<ClientRequest> client = resolveClient(host, req, tokens);
    if (!client.ok()) return http::Response::error(client.status());
    return handler(req, *client);
  };
}

}  // namespace ck::runtime
