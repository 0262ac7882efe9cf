#pragma once

// A deployable bundle (DESIGN.md "What a user writes: the app folder",
// "Operations"): the app folder's services/*.js plus every .js or .json file
// they require by relative path, keyed by their paths in the folder, and the
// entry module the host generates to load them and reach the SDK.
//
// Pure functions over an injected file reader; no V8 and no disk of their own.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace ck::services {

// The generated entry module's bundle path (a name no app file may take).
inline constexpr std::string_view kEntryModule = "__cloudkeep_entry.js";

// A file of the app folder by its folder-relative path ("lib/util.js"), or
// nullopt when there is none.
using BundleReader = std::function<std::optional<std::string>(const std::string& path)>;

// Collects `serviceFiles` ("services/a.js") and, transitively, what they
// require: `require('<string literal>')` calls outside comments and strings.
// Resolution is the sandbox's (sandbox/module_path.h): the path, then
// + ".js", + ".json", + "/index.js", + "/index.json". kBundleError naming
// "file:line" for a bare name ('fs'), a path that leaves the folder, one
// into a folder deploys skip (.cloudkeep, seed, files, dot-folders), or
// one that names no file.
Result<std::map<std::string, std::string>> collectBundle(const std::vector<std::string>& serviceFiles,
                                                         const BundleReader& read);

// Why `path` cannot be a bundle file, or "" when it can: a normalised
// relative path ("a/b.js": no "", "." or ".." segments, no leading '/', no
// '\\' or NUL) ending in .js or .json, outside the skipped folders, not the
// entry module.
std::string checkBundlePath(std::string_view path);

// The service files of a bundle: its "services/<name>.js" (top level of the
// folder), in path order.
std::vector<std::string> serviceFilesOf(const std::map<std::string, std::string>& files);

// The entry module: requires every service file in order, and exports
// `__describe()` and `__dispatch(request)` forwarding to
// `Backendless.ServerCode` (sdk-js/README.md), looked up at call time.
std::string entryModuleSource(const std::vector<std::string>& serviceFiles);

}  // namespace ck::services
