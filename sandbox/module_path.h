#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "sandbox/bundle.h"

namespace ck::sandbox {

// Where require(specifier) leads inside a bundle. Pure path arithmetic over
// Bundle::files; no V8.
//
// Only relative specifiers are accepted: "./x", "../lib/y", "." and "..".
// They resolve against `fromDir` (the directory of the requiring file, "" for
// the bundle root) and must stay inside the bundle. The first of these that
// names a bundle file wins: the path itself, path + ".js", path + ".json",
// path + "/index.js", path + "/index.json" (Node's order).
//
// Fails with kBundleError and a message for the script author: bare names
// ("fs", "lodash", "node:fs"), absolute paths, paths that climb out of the
// bundle, and paths that name no file.
Result<std::string> resolveModule(const Bundle& bundle, std::string_view fromDir, std::string_view specifier);

// The directory part of a bundle path: "services/a.js" -> "services", "a.js" -> "".
std::string_view moduleDir(std::string_view path);

}  // namespace ck::sandbox
