#include "tools/new_command.h"

#include <cstdio>
#include <filesystem>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "services/host.h"
#include "tools/commands.h"
#include "tools/files.h"

namespace ck::tools {

// sdk-js/index.d.ts, embedded by tools/CMakeLists.txt.
extern const std::string_view kSdkTypings;

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPolicy = R"({
  "name": "@NAME@",
  "roles": ["Member"],
  "rules": [
    { "grant": ["invoke"], "roles": ["Member"], "on": "service:HelloService",
      "comment": "Members reach greetings through HelloService; no rule opens data:Greeting to any client" }
  ],
  "tables": {
    "Greeting": { "columns": { "text": "string" } }
  },
  "services": {
    "HelloService": { "grants": [ { "ops": ["find"], "on": "data:Greeting" } ] }
  },
  "dev": {
    "users": [ { "email": "dev@example.com", "password": "change-me-123", "roles": ["Member"] } ]
  },
  "tests": [
    { "as": { "user": "dev@example.com", "key": "JS" }, "op": "invoke", "on": "service:HelloService.hello", "expect": "grant" },
    { "as": { "role": "NotAuthenticatedUser", "key": "JS" }, "op": "invoke", "on": "service:HelloService.hello", "expect": "deny" },
    { "as": { "user": "dev@example.com", "key": "JS" }, "op": "find", "on": "data:Greeting", "expect": "deny" },
    { "as": { "service": "HelloService", "user": "dev@example.com" }, "op": "find", "on": "data:Greeting", "expect": "grant" },
    { "as": { "service": "HelloService", "user": "dev@example.com" }, "op": "delete", "on": "data:Greeting", "expect": "deny" }
  ]
}
)";

constexpr std::string_view kHelloService = R"(// A service in the Backendless CodeRunner format. Clients call it with
//   POST /<appId>/<apiKey>/services/HelloService/hello   body: "Ana"
// (Backendless.CustomServices.invoke('HelloService', 'hello', 'Ana') in the SDK),
// or from this folder: cloudkeep invoke HelloService.hello --as dev@example.com --args '"Ana"'
// Its Data calls run as ServerCodeUser, limited to the grants of
// services.HelloService in cloudkeep.json; the caller is in this.request.context.

class HelloService {
  /**
   * Greets the caller, with the greetings stored in the Greeting table.
   * @param {string} name
   * @returns {Promise.<object>}
   */
  async hello(name) {
    const { userId, userRoles } = this.request.context
    const query = Backendless.DataQueryBuilder.create().setSortBy('text').setPageSize(10)
    const greetings = await Backendless.Data.of('Greeting').find(query)
    return {
      message: `Hello, ${name || 'world'}!`,
      greetings: greetings.map((g) => g.text),
      userId,
      userRoles,
    }
  }
}

Backendless.ServerCode.addService(HelloService)
)";

constexpr std::string_view kSeed = R"([
  { "text": "Hola" },
  { "text": "Hello" }
]
)";

constexpr std::string_view kJsConfig = R"({
  "compilerOptions": {
    "target": "ES2020",
    "module": "commonjs",
    "lib": ["ES2020"],
    "types": [],
    "checkJs": false
  },
  "include": ["services/**/*.js", "lib/**/*.js", "models/**/*.js", "types/backendless.d.ts"]
}
)";

constexpr std::string_view kGitignore = ".cloudkeep/\n";

// The folder's name when it is a valid app name, else "app".
std::string appNameOf(const std::string& appDir) {
  std::string name = fs::absolute(appDir).lexically_normal().filename().string();
  if (name.empty()) name = fs::absolute(appDir).lexically_normal().parent_path().filename().string();
  return services::isValidAppName(name) ? name : "app";
}

}  // namespace

int runNew(const std::string& appDir) {
  std::error_code ec;
  if (fs::exists(appDir, ec)) {
    if (!fs::is_directory(appDir, ec)) {
      std::fprintf(stderr, "cloudkeep: %s exists and is not a folder\n", appDir.c_str());
      return kExitUsage;
    }
    if (!fs::is_empty(appDir, ec)) {
      std::fprintf(stderr, "cloudkeep: %s is not empty; give a new or empty folder\n", appDir.c_str());
      return kExitUsage;
    }
  }
  std::string policy(kPolicy);
  std::string name = appNameOf(appDir);
  policy.replace(policy.find("@NAME@"), 6, name);
  const std::vector<std::pair<std::string, std::string_view>> files = {
      {"cloudkeep.json", policy},
      {"services/HelloService.js", kHelloService},
      {"seed/Greeting.json", kSeed},
      {"types/backendless.d.ts", kSdkTypings},
      {"jsconfig.json", kJsConfig},
      {".gitignore", kGitignore},
  };
  for (const auto& [path, text] : files) {
    fs::path target = fs::path(appDir) / path;
    fs::create_directories(target.parent_path());
    writeFileAtomically(target.string(), text);
  }
  std::printf("created app folder %s (app \"%s\"):\n", appDir.c_str(), name.c_str());
  for (const auto& [path, text] : files) std::printf("  %s\n", path.c_str());
  std::printf("next:\n  cloudkeep policy test %s --offline\n  cloudkeep dev %s\n", appDir.c_str(), appDir.c_str());
  return kExitOk;
}

}  // namespace ck::tools
