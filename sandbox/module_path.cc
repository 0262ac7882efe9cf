#include "sandbox/module_path.h"

#include <vector>

namespace ck::sandbox {

namespace {

bool isRelative(std::string_view s) {
  return s == "." || s == ".." || s.starts_with("./") || s.starts_with("../");
}

// Joins `dir` and the relative `spec` and folds "." and ".." segments.
// False when the path climbs above the bundle root.
bool normalise(std::string_view dir, std::string_view spec, std::string* out) {
  std::vector<std::string_view> parts;
  auto push = [&parts](std::string_view path) {
    size_t start = 0;
    while (start <= path.size()) {
      size_t end = path.find('/', start);
      if (end == std::string_view::npos) end = path.size();
      std::string_view seg = path.substr(start, end - start);
      if (seg == "..") {
        if (parts.empty()) return false;
        parts.pop_back();
      } else if (!seg.empty() && seg != ".") {
        parts.push_back(seg);
      }
      start = end + 1;
    }
    return true;
  };
  if (!push(dir) || !push(spec)) return false;
  out->clear();
  for (std::string_view p : parts) {
    if (!out->empty()) out->push_back('/');
    out->append(p);
  }
  return true;
}

std::string quoted(std::string_view s) {
  constexpr size_t kMax = 200;  // a hostile specifier must not make a huge message
  std::string q = "'";
  q.append(s.substr(0, kMax));
  if (s.size() > kMax) q.append("...");
  q.push_back('\'');
  return q;
}

}  // namespace

std::string_view moduleDir(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

Result<std::string> resolveModule(const Bundle& bundle, std::string_view fromDir, std::string_view specifier) {
  if (specifier.empty() || specifier.find('\0') != std::string_view::npos) {
    return Status(ErrorCode::kBundleError, "Cannot find module " + quoted(specifier));
  }
  if (!isRelative(specifier)) {
    return Status(ErrorCode::kBundleError,
                  "Cannot require " + quoted(specifier) +
                      ": only relative paths to the bundle's own files ('./x', '../lib/y') can be required");
  }
  std::string base;
  if (!normalise(fromDir, specifier, &base)) {
    return Status(ErrorCode::kBundleError, "Cannot require " + quoted(specifier) + ": the path leaves the bundle");
  }
  bool dirOnly = specifier.ends_with('/') || specifier == "." || specifier == "..";
  std::vector<std::string> candidates;
  if (!dirOnly && !base.empty()) {
    candidates = {base, base + ".js", base + ".json"};
  }
  std::string prefix = base.empty() ? "" : base + "/";
  candidates.push_back(prefix + "index.js");
  candidates.push_back(prefix + "index.json");
  for (const std::string& c : candidates) {
    if (bundle.files.count(c) != 0) return c;
  }
  return Status(ErrorCode::kBundleError, "Cannot find module " + quoted(specifier) + " in the bundle");
}

}  // namespace ck::sandbox
