#pragma once

#include <map>
#include <string>
#include <vector>

namespace ck::sandbox {

// An app's code as a set of files in memory, addressed by normalised relative
// paths ("services/orders.js", "lib/util.js"). Immutable once built; shared
// between workers (std::shared_ptr<const Bundle>).
struct Bundle {
  std::string version;                       // identifies this bundle (for caches and logs)
  std::map<std::string, std::string> files;  // path -> source (UTF-8)
  std::vector<std::string> entries;          // modules run at load, in order; their exports are invocable
};

}  // namespace ck::sandbox
