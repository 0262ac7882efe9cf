#pragma once

// `cloudkeep new APP_DIR`: a working app folder to start from (DESIGN.md
// "What a user writes: the app folder"): cloudkeep.json with a role, a
// rule, one service with its grants, a table, a dev user and policy tests;
// services/HelloService.js in the CodeRunner format; seed/Greeting.json;
// types/backendless.d.ts (the SDK's typings, sdk-js/index.d.ts, shipped in
// the binary) with a jsconfig.json that points editors at it, so they
// complete `Backendless.*`; a .gitignore keeping .cloudkeep/ out.
// `cloudkeep policy test APP_DIR --offline` passes on it and
// `cloudkeep dev APP_DIR` serves HelloService.hello to the dev user.

#include <string>

namespace ck::tools {

// Creates APP_DIR (and its parents) when missing. A folder that exists and
// is not empty is refused (exit 2) and left as it was.
int runNew(const std::string& appDir);

}  // namespace ck::tools
