#pragma once

// `cloudkeep invoke Service.method [--as EMAIL] [--args JSON]`: calls a
// deployed service method through a running server's admin API
// (POST /admin/apps/{id}/invoke, runtime/invoke_admin_routes.h) as the
// named user of the app, or as nobody signed in: the invoke permission is
// decided for that caller as for a client's call.

#include <string>

#include <CLI/CLI.hpp>

namespace ck::tools {

struct InvokeOptions {
  std::string target;  // "Service.method"
  std::string as;      // the user's email; empty: NotAuthenticatedUser
  std::string args;    // JSON text, what a client's POST body would carry; empty: none
  std::string key;     // REST, JS, IOS or ANDROID; empty: REST
  std::string appId;   // empty: the appId in <data>/dev.json
};

// Adds the `invoke` subcommand to `app`, its flags filling `options`.
CLI::App* addInvokeCommand(CLI::App& app, InvokeOptions& options);

// Prints the method's value as JSON. A refused or failed invocation prints
// `<code> <message>` to stderr and exits 1; bad usage 2, no server 3.
int runInvoke(const std::string& dataDir, const InvokeOptions& options);

}  // namespace ck::tools
