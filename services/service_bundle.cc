#include "services/service_bundle.h"

#include <cctype>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ck::services {
namespace {

struct RequireCall {
  std::string spec;
  int line = 0;
};

bool identChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

// The string-literal require() calls of a source, outside comments and strings.
std::vector<RequireCall> requiresOf(std::string_view src) {
  std::vector<RequireCall> out;
  size_t i = 0;
  int line = 1;
  auto skipString = [&](char q) {
    ++i;
    while (i < src.size() && src[i] != q) {
      if (src[i] == '\\') ++i;
      else if (src[i] == '\n') {
        ++line;
        if (q != '`') break;
      }
      ++i;
    }
    ++i;
  };
  while (i < src.size()) {
    char c = src[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (c == '/' && i + 1 < src.size() && src[i + 1] == '/') {
      while (i < src.size() && src[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < src.size() && src[i + 1] == '*') {
      size_t end = src.find("*/", i + 2);
      if (end == std::string_view::npos) end = src.size();
      for (size_t k = i; k < end; ++k) line += src[k] == '\n';
      i = end + 2;
    } else if (c == '"' || c == '\'' || c == '`') {
      skipString(c);
    } else if (src.compare(i, 7, "require") == 0 && (i == 0 || (!identChar(src[i - 1]) && src[i - 1] != '.')) &&
               (i + 7 >= src.size() || !identChar(src[i + 7]))) {
      size_t k = i + 7;
      while (k < src.size() && (src[k] == ' ' || src[k] == '\t')) ++k;
      if (k < src.size() && src[k] == '(') {
        ++k;
        while (k < src.size() && (src[k] == ' ' || src[k] == '\t')) ++k;
        if (k < src.size() && (src[k] == '\'' || src[k] == '"')) {
          char q = src[k];
          size_t end = src.find(q, k + 1);
          size_t nl = src.find('\n', k + 1);
          if (end != std::string_view::npos && (nl == std::string_view::npos || end < nl)) {
            out.push_back({std::string(src.substr(k + 1, end - k - 1)), line});
            i = end + 1;
            continue;
          }
        }
      }
      i += 7;
    } else {
      ++i;
    }
  }
  return out;
}

std::string_view dirOf(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

// Folds `dir` + `spec`; false when it climbs out of the folder.
bool join(std::string_view dir, std::string_view spec, std::string* out) {
  std::vector<std::string> parts;
  auto push = [&parts](std::string_view p) {
    size_t pos = 0;
    while (pos <= p.size()) {
      size_t end = p.find('/', pos);
      if (end == std::string_view::npos) end = p.size();
      std::string_view seg = p.substr(pos, end - pos);
      if (seg == "..") {
        if (parts.empty()) return false;
        parts.pop_back();
      } else if (!seg.empty() && seg != ".") {
        parts.emplace_back(seg);
      }
      pos = end + 1;
    }
    return true;
  };
  if (!push(dir) || !push(spec)) return false;
  out->clear();
  for (const std::string& p : parts) {
    if (!out->empty()) out->push_back('/');
    out->append(p);
  }
  return true;
}

bool skippedFolder(std::string_view first) {
  return first == "seed" || first == "files" || (!first.empty() && first[0] == '.');
}

}  // namespace

std::string checkBundlePath(std::string_view path) {
  if (path.empty()) return "is empty";
  if (path.size() > 1024) return "is too long";
  if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos) {
    return "holds a character paths may not hold";
  }
  if (path.front() == '/') return "must be relative to the app folder";
  size_t pos = 0;
  bool first = true;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(pos, end - pos);
    if (seg.empty() || seg == "." || seg == "..") return "must be a normalised path (no empty, '.' or '..' parts)";
    if (first && end != path.size() && skippedFolder(seg)) return "is in a folder deploys skip";
    first = false;
    pos = end + 1;
  }
  if (!path.ends_with(".js") && !path.ends_with(".json")) return "is not a .js or .json file";
  if (path == kEntryModule) return "is the host's own entry module's name";
  return "";
}

std::vector<std::string> serviceFilesOf(const std::map<std::string, std::string>& files) {
  std::vector<std::string> out;
  for (const auto& [path, source] : files) {
    if (path.starts_with("services/") && path.ends_with(".js") && path.find('/', 9) == std::string::npos) {
      out.push_back(path);
    }
  }
  return out;
}

Result<std::map<std::string, std::string>> collectBundle(const std::vector<std::string>& serviceFiles,
                                                         const BundleReader& read) {
  std::map<std::string, std::string> files;
  std::vector<std::string> todo;
  for (const std::string& f : serviceFiles) {
    if (std::string why = checkBundlePath(f); !why.empty()) {
      return Status(ErrorCode::kBundleError, fmt::format("{}: {}", f, why));
    }
    std::optional<std::string> text = read(f);
    if (!text) return Status(ErrorCode::kBundleError, fmt::format("{}: cannot read", f));
    if (files.emplace(f, std::move(*text)).second) todo.push_back(f);
  }
  while (!todo.empty()) {
    std::string from = std::move(todo.back());
    todo.pop_back();
    if (!from.ends_with(".js")) continue;
    for (const RequireCall& r : requiresOf(files[from])) {
      auto bad = [&](const std::string& why) {
        return Status(ErrorCode::kBundleError, fmt::format("{}:{}: require('{}'): {}", from, r.line, r.spec, why));
      };
      bool relative = r.spec == "." || r.spec == ".." || r.spec.starts_with("./") || r.spec.starts_with("../");
      if (!relative) return bad("only relative paths to the app's own files ('./x', '../lib/y') can be required");
      std::string base;
      if (!join(dirOf(from), r.spec, &base)) return bad("the path leaves the app folder");
      std::vector<std::string> candidates;
      bool dirOnly = r.spec.ends_with('/') || r.spec == "." || r.spec == "..";
      if (!dirOnly && !base.empty()) candidates = {base, base + ".js", base + ".json"};
      std::string prefix = base.empty() ? "" : base + "/";
      candidates.push_back(prefix + "index.js");
      candidates.push_back(prefix + "index.json");
      bool found = false;
      for (const std::string& c : candidates) {
        if (files.count(c) != 0) {
          found = true;
          break;
        }
        if (!c.ends_with(".js") && !c.ends_with(".json")) continue;
        std::optional<std::string> text = read(c);
        if (!text) continue;
        if (std::string why = checkBundlePath(c); !why.empty()) return bad(c + " " + why);
        files.emplace(c, std::move(*text));
        todo.push_back(c);
        found = true;
        break;
      }
      if (!found) return bad("no such file in the app folder");
    }
  }
  return files;
}

std::string entryModuleSource(const std::vector<std::string>& serviceFiles) {
  std::string out =
      "// Generated by cloudkeep at deploy: loads the service files, then forwards\n"
      "// to the SDK's registry (sdk-js/README.md).\n'use strict';\n";
  for (const std::string& f : serviceFiles) out += "require(" + nlohmann::json("./" + f).dump() + ");\n";
  out +=
      "function serverCode() {\n"
      "  const B = globalThis.Backendless;\n"
      "  const sc = B && B.ServerCode;\n"
      "  if (!sc || typeof sc.__describe !== 'function' || typeof sc.__dispatch !== 'function') {\n"
      "    throw new Error('Backendless.ServerCode is not available in this sandbox');\n"
      "  }\n"
      "  return sc;\n"
      "}\n"
      "exports.__describe = () => serverCode().__describe();\n"
      "exports.__dispatch = (request, context) => serverCode().__dispatch(request, context);\n";
  return out;
}

}  // namespace ck::services
