#pragma once

// The host operations of service code (sdk-js/README.md): what
// `Host.call(op, args)` in an app's JS reaches, answered for one running
// invocation. The invocation's principals come from C++ (HostCallContext),
// never from `args`: nothing a script passes can name another app, another
// invocation or a principal; unknown fields (`appId`, `principal`, ...) are
// ignored.
//
// The effective principal of a call (DESIGN.md "The principal model"):
//   args.as absent    the service's default: ServerCodeUser of the service
//                     (limited by its grants), or the caller when the
//                     service has "runAs": "caller" and was called by one
//   args.as "caller"  the caller's own principal (Backendless.asCaller());
//                     kInvalidArgument when the invocation has no caller
//   args.as "server"  ServerCodeUser of the service (Backendless.asServer()),
//                     also under "runAs": "caller"
// data, files and users operations need an invocation that runs as a
// service (kInvalidArgument otherwise); cache and log operations only need
// the app.
//
// Operations and their arguments (all objects; results as JSON):
//   data.find       {table, where?, sortBy?, pageSize?, offset?, props?} -> [row]
//   data.findById   {table, objectId, props?} -> row
//   data.count      {table, where?} -> n
//   data.save       {table, object} -> row (update when object.objectId is set)
//   data.remove     {table, objectId} -> {deletionTime}
//   data.bulkCreate {table, objects: [object]} -> [objectId]
//   data.bulkUpdate {table, where, changes} -> n
//   data.bulkDelete {table, where} -> n
//   files.save      {path, content, encoding: "utf8"|"base64", overwrite?} -> path
//   files.read      {path, encoding: "utf8"|"base64"} -> content (at most kMaxReadFileBytes)
//   files.list      {path, pattern?, recursive?, pageSize?, offset?} -> [{name, url, size, createdOn, directory}]
//   files.exists    {path} -> bool
//   files.remove    {path} -> entries removed
//   users.findById  {userId} -> user (App::getUser: find on data:Users)
//   users.assignRole / users.unassignRole {user: objectId or email, role} -> null
//                   ServerCodeUser only (a client principal, e.g. under
//                   asCaller(), gets kNoPermissionUpdate, as over REST);
//                   decided as `update` on `data:Users` (so a service's
//                   grants must list it), audited with both principals in
//                   the change's transaction, denials too.
//   cache.put       {key, value, ttlMs?}; cache.get {key} -> value or null;
//   cache.contains  {key} -> bool; cache.remove {key} -> bool;
//   cache.expireIn  {key, ttlMs} -> bool; cache.expireAt {key, atMs} -> bool
//   log.write       {level: debug|info|warn|error, logger, message} -> null
//                   into the app log, with the invocation id, the caller's
//                   token redacted.
// Anything else is kNotImplemented.
//
// Threads: called on a JS worker thread, synchronously; each call takes its
// own connection lease. Failures: expected outcomes are Status values (the
// codes of data.h, files.h, users.h); I/O failures throw.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "sandbox/host_interface.h"
#include "services/access_principal.h"

namespace ck::services {

class App;
class AppCache;
class AppLog;

// A file read into a JS string is bounded: larger files are refused.
inline constexpr uint64_t kMaxReadFileBytes = 16u << 20;

// What one invocation knows about itself; every pointer is borrowed for
// the call.
struct HostCallContext {
  std::string_view requestId;
  std::string_view service;     // empty: the invocation runs no service
  std::string_view method;
  bool devMode = false;
  const Principal* caller = nullptr;      // a client principal, or null (admin, timers)
  const Principal* serverCode = nullptr;  // ServerCodeUser of `service`; null without a service
  std::string_view callerToken;           // the caller's user-token, redacted from the log
};

// Answers one host operation of the invocation `ctx` of `app`. `log` may be
// null (no log: log.write does nothing).
// data.find answers JSON text (sandbox::HostValue::jsonText); the others a value.
Result<sandbox::HostValue> hostCall(App& app, AppCache& cache, AppLog* log, const HostCallContext& ctx,
                                    std::string_view op, const nlohmann::json& args);

}  // namespace ck::services
