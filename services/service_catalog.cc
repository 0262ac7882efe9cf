#include "services/service_catalog.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace ck::services {
namespace {

using nlohmann::json;

bool isIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }
bool isIdentChar(char c) { return isIdentStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// A JSDoc block: its text without the comment markers and leading '*'s.
struct DocBlock {
  std::string text;
  int line = 0;  // where it starts
};

std::string stripDoc(std::string_view body) {
  std::string out;
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(pos, end - pos);
    size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i < line.size() && line[i] == '*') {
      ++i;
      if (i < line.size() && line[i] == ' ') ++i;
    }
    out.append(line.substr(i));
    out.push_back('\n');
    pos = end + 1;
  }
  return out;
}

// "{Type} rest" -> Type and rest (braces may nest: {Object.<string, {a: number}>}).
bool takeType(std::string_view& s, std::string* type) {
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  if (i >= s.size() || s[i] != '{') return false;
  int depth = 0;
  for (size_t j = i; j < s.size(); ++j) {
    if (s[j] == '{') ++depth;
    if (s[j] == '}' && --depth == 0) {
      *type = trim(s.substr(i + 1, j - i - 1));
      s = s.substr(j + 1);
      return true;
    }
  }
  return false;
}

std::string firstWord(std::string_view s) {
  std::string t = trim(s);
  size_t sp = 0;
  while (sp < t.size() && !std::isspace(static_cast<unsigned char>(t[sp]))) ++sp;
  return t.substr(0, sp);
}

std::string unwrapPromise(std::string type) {
  for (std::string_view prefix : {"Promise.<", "Promise<"}) {
    if (type.starts_with(prefix) && type.ends_with(">")) {
      return trim(std::string_view(type).substr(prefix.size(), type.size() - prefix.size() - 1));
    }
  }
  return type;
}

// Fills `method` (or the class's description when `method` is null) from a doc block.
Status readTags(std::string_view file, const DocBlock& doc, MethodDoc* method, std::string* description) {
  // Split into the leading text and tags, each tag running to the next line starting with '@'.
  std::vector<std::pair<std::string, std::pair<std::string, int>>> tags;  // name, (text, line)
  std::string lead;
  int line = doc.line;
  size_t pos = 0;
  const std::string& t = doc.text;
  while (pos < t.size()) {
    size_t end = t.find('\n', pos);
    if (end == std::string::npos) end = t.size();
    std::string l = trim(std::string_view(t).substr(pos, end - pos));
    if (l.starts_with("@")) {
      size_t sp = 1;
      while (sp < l.size() && !std::isspace(static_cast<unsigned char>(l[sp]))) ++sp;
      tags.push_back({l.substr(1, sp - 1), {trim(std::string_view(l).substr(sp)), line}});
    } else if (!tags.empty()) {
      if (!l.empty()) tags.back().second.first += (tags.back().second.first.empty() ? "" : " ") + l;
    } else if (!l.empty()) {
      lead += (lead.empty() ? "" : " ") + l;
    }
    ++line;
    pos = end + 1;
  }
  *description = lead;
  auto bad = [&](int at, const std::string& why) {
    return Status(ErrorCode::kBundleError, fmt::format("{}:{}: {}", file, at, why));
  };
  for (auto& [name, value] : tags) {
    auto& [text, at] = value;
    if (name == "description" || name == "desc") {
      *description = text;
      continue;
    }
    if (method == nullptr) continue;
    if (name == "route") {
      std::string verb = firstWord(text);
      std::string rest = trim(std::string_view(text).substr(text.find(verb) + verb.size()));
      if (verb.starts_with("/")) {
        rest = verb;
        verb = "GET";
      } else {
        std::string upper = verb;
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (upper != "GET" && upper != "POST" && upper != "PUT" && upper != "DELETE") {
          return bad(at, fmt::format("@route: \"{}\" is not GET, POST, PUT or DELETE", verb));
        }
        verb = upper;
        rest = firstWord(rest);
      }
      if (!rest.starts_with("/")) return bad(at, "@route needs a path starting with '/'");
      method->verb = verb;
      method->route = rest;
    } else if (name == "param" || name == "arg" || name == "argument") {
      std::string_view s = text;
      ParamDoc p;
      takeType(s, &p.type);
      std::string n = firstWord(s);
      if (n.starts_with("[")) {
        n = n.substr(1, n.find_first_of("=]") == std::string::npos ? n.size() - 1 : n.find_first_of("=]") - 1);
      }
      if (n.empty() || !isIdentStart(n[0])) return bad(at, "@param needs a name");
      if (n.find('.') != std::string::npos) continue;  // a property of another parameter (@param {T} opts.x)
      p.name = n;
      method->params.push_back(std::move(p));
    } else if (name == "returns" || name == "return") {
      std::string_view s = text;
      std::string type;
      if (takeType(s, &type)) method->returns = unwrapPromise(type);
    } else if (name == "private") {
      method->isPrivate = true;
    } else if (name == "executionTimeoutInSeconds") {
      std::string n = firstWord(text);
      uint64_t v = 0;
      bool ok = !n.empty() && n.size() < 10;
      for (char c : n) {
        if (!std::isdigit(static_cast<unsigned char>(c))) ok = false;
        v = v * 10 + static_cast<uint64_t>(c - '0');
      }
      if (!ok || v == 0) return bad(at, "@executionTimeoutInSeconds needs a positive whole number of seconds");
      method->timeoutSeconds = v;
    }
  }
  if (method != nullptr) method->description = *description;
  return {};
}

// The scanner: walks the source once, skipping strings and comments,
// tracking braces and parentheses, and records classes and their methods.
class Scanner {
 public:
  Scanner(std::string_view file, std::string_view src) : file_(file), src_(src) {}

  Result<std::vector<ClassDoc>> run() {
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (c == '/' && peek(1) == '*') {
        if (Status s = blockComment(); !s.ok()) return s;
      } else if (c == '/' && peek(1) == '/') {
        while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
      } else if (c == '"' || c == '\'' || c == '`') {
        skipString(c);
      } else if (isIdentStart(c)) {
        if (Status s = identifier(); !s.ok()) return s;
      } else {
        punct(c);
        ++pos_;
      }
    }
    return std::move(classes_);
  }

 private:
  struct Frame {
    int classIndex = -1;  // classes_[i] when this brace opens a class body
    int parenDepth = 0;
  };

  char peek(size_t ahead) const { return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0'; }

  Status blockComment() {
    size_t end = src_.find("*/", pos_ + 2);
    if (end == std::string_view::npos) end = src_.size();
    bool isDoc = peek(2) == '*' && pos_ + 3 <= end && !(pos_ + 3 < src_.size() && src_[pos_ + 3] == '/');
    int startLine = line_;
    std::string_view body = src_.substr(pos_ + (isDoc ? 3 : 2), end - pos_ - (isDoc ? 3 : 2));
    line_ += static_cast<int>(std::count(body.begin(), body.end(), '\n'));
    pos_ = std::min(src_.size(), end + 2);
    if (isDoc) lastDoc_ = DocBlock{stripDoc(body), startLine};
    return {};
  }

  void skipString(char quote) {
    ++pos_;
    while (pos_ < src_.size() && src_[pos_] != quote) {
      if (src_[pos_] == '\\') ++pos_;
      else if (src_[pos_] == '\n') {
        ++line_;
        if (quote != '`') break;  // an unterminated string ends with its line
      }
      ++pos_;
    }
    ++pos_;
  }

  void skipSpace() {
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (c == '/' && peek(1) == '*') {
        size_t end = src_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) end = src_.size();
        line_ += static_cast<int>(std::count(src_.begin() + static_cast<std::ptrdiff_t>(pos_),
                                             src_.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
        pos_ = std::min(src_.size(), end + 2);
      } else if (c == '/' && peek(1) == '/') {
        while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
      } else {
        return;
      }
    }
  }

  std::string_view readIdent() {
    size_t start = pos_;
    while (pos_ < src_.size() && isIdentChar(src_[pos_])) ++pos_;
    return src_.substr(start, pos_ - start);
  }

  bool inClassBody() const {
    return !frames_.empty() && frames_.back().classIndex >= 0 && frames_.back().parenDepth == parenDepth_;
  }

  Status identifier() {
    int identLine = line_;
    std::string_view word = readIdent();
    // A property access (`x.class`) is no keyword.
    bool afterDot = lastPunct_ == '.';
    lastPunct_ = 0;
    if (word == "class" && !afterDot) {
      size_t save = pos_;
      int saveLine = line_;
      skipSpace();
      if (pos_ < src_.size() && isIdentStart(src_[pos_])) {
        std::string_view name = readIdent();
        if (name != "extends") {
          ClassDoc cls;
          cls.name = std::string(name);
          cls.file = std::string(file_);
          cls.line = identLine;
          if (lastDoc_) {
            if (Status s = readTags(file_, *lastDoc_, nullptr, &cls.description); !s.ok()) return s;
          }
          pendingClass_ = std::move(cls);
          lastDoc_.reset();
          return {};
        }
      }
      pos_ = save;
      line_ = saveLine;
      pendingClass_ = ClassDoc{};  // an anonymous class: a body to skip, nothing to record
      pendingClass_->line = -1;
      return {};
    }
    if (!inClassBody()) return {};
    if (word == "static" || word == "async" || word == "get" || word == "set") {
      size_t save = pos_;
      int saveLine = line_;
      skipSpace();
      bool modifier = pos_ < src_.size() && (isIdentStart(src_[pos_]) || src_[pos_] == '*' || src_[pos_] == '[');
      pos_ = save;
      line_ = saveLine;
      if (modifier) {
        if (word == "static") memberStatic_ = true;
        if (word == "get" || word == "set") memberAccessor_ = true;
        return {};
      }
    }
    size_t save = pos_;
    int saveLine = line_;
    skipSpace();
    bool isMethod = pos_ < src_.size() && src_[pos_] == '(';
    pos_ = save;
    line_ = saveLine;
    if (isMethod && !memberStatic_ && !memberAccessor_ && word != "constructor") {
      MethodDoc m;
      m.name = std::string(word);
      m.line = identLine;
      if (lastDoc_) {
        std::string description;
        if (Status s = readTags(file_, *lastDoc_, &m, &description); !s.ok()) return s;
      }
      ClassDoc& cls = classes_[static_cast<size_t>(frames_.back().classIndex)];
      cls.methods.push_back(std::move(m));
    }
    if (isMethod) {
      memberStatic_ = false;
      memberAccessor_ = false;
      lastDoc_.reset();
    }
    return {};
  }

  void punct(char c) {
    lastPunct_ = c;
    if (c == '(') {
      ++parenDepth_;
    } else if (c == ')') {
      --parenDepth_;
    } else if (c == '{') {
      Frame f;
      f.parenDepth = parenDepth_;
      if (pendingClass_) {
        if (pendingClass_->line >= 0) {
          classes_.push_back(std::move(*pendingClass_));
          f.classIndex = static_cast<int>(classes_.size() - 1);
        } else {
          f.classIndex = kAnonymous;
        }
        pendingClass_.reset();
      }
      if (f.classIndex == kAnonymous) f.classIndex = -1;
      frames_.push_back(f);
      lastDoc_.reset();
    } else if (c == '}') {
      if (!frames_.empty()) frames_.pop_back();
      lastDoc_.reset();
      memberStatic_ = false;
      memberAccessor_ = false;
    } else if (c == ';' || c == '=') {
      if (inClassBody()) {
        memberStatic_ = false;
        memberAccessor_ = false;
      }
    }
  }

  static constexpr int kAnonymous = -2;

  std::string_view file_;
  std::string_view src_;
  size_t pos_ = 0;
  int line_ = 1;
  int parenDepth_ = 0;
  char lastPunct_ = 0;
  bool memberStatic_ = false;
  bool memberAccessor_ = false;
  std::vector<Frame> frames_;
  std::optional<DocBlock> lastDoc_;
  std::optional<ClassDoc> pendingClass_;
  std::vector<ClassDoc> classes_;
};

bool isParamSegment(const std::string& s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }

// Matches route segments against a path; -1 when not matching, else the count of literal segments.
int matchRoute(const std::vector<std::string>& route, const std::vector<std::string>& path,
               std::vector<std::pair<std::string, std::string>>* params) {
  if (route.size() != path.size()) return -1;
  int literals = 0;
  std::vector<std::pair<std::string, std::string>> found;
  for (size_t i = 0; i < route.size(); ++i) {
    if (isParamSegment(route[i])) {
      found.emplace_back(route[i].substr(1, route[i].size() - 2), path[i]);
    } else if (route[i] == path[i]) {
      ++literals;
    } else {
      return -1;
    }
  }
  *params = std::move(found);
  return literals;
}

json paramsJson(const std::vector<ParamDoc>& params) {
  json out = json::array();
  for (const ParamDoc& p : params) out.push_back({{"name", p.name}, {"type", p.type}});
  return out;
}

}  // namespace

std::vector<std::string> splitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    if (end > pos) out.emplace_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

Result<std::vector<ClassDoc>> parseServiceDocs(std::string_view file, std::string_view source) {
  return Scanner(file, source).run();
}

std::string methodVerb(std::string_view name) {
  auto prefixed = [&](std::string_view prefix) {
    if (!name.starts_with(prefix)) return false;
    if (name.size() == prefix.size()) return true;
    char next = name[prefix.size()];
    return std::isupper(static_cast<unsigned char>(next)) || std::isdigit(static_cast<unsigned char>(next)) ||
           next == '_';
  };
  if (prefixed("get")) return "GET";
  if (prefixed("add")) return "POST";
  if (prefixed("set")) return "PUT";
  if (prefixed("delete")) return "DELETE";
  return "POST";
}

Result<ServiceCatalog> ServiceCatalog::build(const json& described, const std::vector<ClassDoc>& docs,
                                             const json& policyServices) {
  auto bad = [](const std::string& why) {
    return Status(ErrorCode::kBundleError, "Backendless.ServerCode.__describe(): " + why);
  };
  if (!described.is_object() || !described.contains("services") || !described["services"].is_array()) {
    return bad("expected {services: [...]}");
  }
  ServiceCatalog catalog;
  for (const json& s : described["services"]) {
    if (!s.is_object() || !s.contains("name") || !s["name"].is_string()) return bad("a service without a name");
    ServiceInfo info;
    info.name = s["name"].get<std::string>();
    if (catalog.services_.count(info.name) != 0) {
      return Status(ErrorCode::kBundleError, fmt::format("Two services are named {}", info.name));
    }
    info.version = s.contains("version") && s["version"].is_string() ? s["version"].get<std::string>() : "1.0.0";
    if (info.version.empty()) info.version = "1.0.0";
    if (s.contains("description") && s["description"].is_string()) info.description = s["description"].get<std::string>();
    if (s.contains("configItems") && s["configItems"].is_array()) info.configItems = s["configItems"];
    if (policyServices.is_object() && policyServices.contains(info.name)) {
      const json& ps = policyServices[info.name];
      if (ps.is_object() && ps.contains("executionTimeoutInSeconds") &&
          ps["executionTimeoutInSeconds"].is_number_integer() && ps["executionTimeoutInSeconds"].get<int64_t>() > 0) {
        info.timeoutSeconds = ps["executionTimeoutInSeconds"].get<uint64_t>();
      }
      // Values for items the service does not declare would be lost: a typo
      // in cloudkeep.json is refused, not ignored.
      if (ps.is_object() && ps.contains("config") && ps["config"].is_object()) {
        for (const auto& [name, value] : ps["config"].items()) {
          bool declared = false;
          for (const json& item : info.configItems) {
            if (item.is_object() && item.contains("name") && item["name"] == name) declared = true;
          }
          if (!declared) {
            return Status(ErrorCode::kBundleError,
                          fmt::format("cloudkeep.json services.{}.config.{}: {} has no config item named \"{}\"",
                                      info.name, name, info.name, name));
          }
        }
      }
    }
    const ClassDoc* cls = nullptr;
    for (const ClassDoc& d : docs) {
      if (d.name == info.name) cls = &d;
    }
    if (cls != nullptr && info.description.empty()) info.description = cls->description;
    if (!s.contains("methods") || !s["methods"].is_array()) return bad(info.name + " has no methods list");
    for (const json& mj : s["methods"]) {
      if (!mj.is_string()) return bad(info.name + ": method names must be strings");
      std::string name = mj.get<std::string>();
      if (name == "constructor" || name.empty()) continue;
      const MethodDoc* doc = nullptr;
      if (cls != nullptr) {
        for (const MethodDoc& m : cls->methods) {
          if (m.name == name) doc = &m;
        }
      }
      if (doc != nullptr && doc->isPrivate) continue;
      ServiceMethod m;
      m.name = name;
      if (doc != nullptr && !doc->route.empty()) {
        m.verb = doc->verb;
        m.route = doc->route;
      } else {
        m.verb = methodVerb(name);
        m.route = "/" + name;
      }
      if (doc != nullptr) {
        m.params = doc->params;
        m.returns = doc->returns;
        m.description = doc->description;
        m.timeoutSeconds = doc->timeoutSeconds;
      }
      info.methods.emplace(name, std::move(m));
    }
    catalog.services_.emplace(info.name, std::move(info));
  }
  return catalog;
}

const ServiceInfo* ServiceCatalog::service(std::string_view name) const {
  auto it = services_.find(name);
  return it == services_.end() ? nullptr : &it->second;
}

std::optional<ServiceTarget> ServiceCatalog::match(std::string_view serviceName, std::string_view verb,
                                                   const std::vector<std::string>& rest) const {
  const ServiceInfo* info = service(serviceName);
  if (info == nullptr) return std::nullopt;
  auto tryMatch = [&](const std::vector<std::string>& path) -> std::optional<ServiceTarget> {
    std::optional<ServiceTarget> best;
    int bestLiterals = -1;
    for (const auto& [name, method] : info->methods) {
      if (method.verb != verb) continue;
      std::vector<std::pair<std::string, std::string>> params;
      int literals = matchRoute(splitPath(method.route), path, &params);
      if (literals > bestLiterals) {
        bestLiterals = literals;
        best = ServiceTarget{info, &method, std::move(params)};
      }
    }
    return best;
  };
  if (!rest.empty() && rest[0] == info->version) {
    std::vector<std::string> tail(rest.begin() + 1, rest.end());
    if (auto t = tryMatch(tail)) return t;
  }
  if (auto t = tryMatch(rest)) return t;
  if (verb == "POST" && rest.size() == 1) {
    auto it = info->methods.find(rest[0]);
    if (it != info->methods.end()) return ServiceTarget{info, &it->second, {}};
  }
  return std::nullopt;
}

json ServiceCatalog::toJson() const {
  json services = json::array();
  for (const auto& [name, info] : services_) {
    json methods = json::array();
    for (const auto& [mname, m] : info.methods) {
      json mj = {{"name", m.name}, {"verb", m.verb}, {"route", m.route}, {"params", paramsJson(m.params)},
                 {"returns", m.returns}, {"description", m.description}};
      if (m.timeoutSeconds) mj["executionTimeoutInSeconds"] = *m.timeoutSeconds;
      methods.push_back(std::move(mj));
    }
    json sj = {{"name", info.name}, {"version", info.version}, {"description", info.description},
               {"configItems", info.configItems}, {"methods", std::move(methods)}};
    if (info.timeoutSeconds) sj["executionTimeoutInSeconds"] = *info.timeoutSeconds;
    services.push_back(std::move(sj));
  }
  return {{"services", std::move(services)}};
}

Result<ServiceCatalog> ServiceCatalog::fromJson(const json& j) {
  ServiceCatalog catalog;
  try {
    for (const json& sj : j.at("services")) {
      ServiceInfo info;
      info.name = sj.at("name").get<std::string>();
      info.version = sj.at("version").get<std::string>();
      info.description = sj.value("description", std::string());
      info.configItems = sj.value("configItems", json::array());
      if (sj.contains("executionTimeoutInSeconds")) info.timeoutSeconds = sj["executionTimeoutInSeconds"].get<uint64_t>();
      for (const json& mj : sj.at("methods")) {
        ServiceMethod m;
        m.name = mj.at("name").get<std::string>();
        m.verb = mj.at("verb").get<std::string>();
        m.route = mj.at("route").get<std::string>();
        m.returns = mj.value("returns", std::string());
        m.description = mj.value("description", std::string());
        for (const json& p : mj.at("params")) {
          m.params.push_back({p.at("type").get<std::string>(), p.at("name").get<std::string>()});
        }
        if (mj.contains("executionTimeoutInSeconds")) m.timeoutSeconds = mj["executionTimeoutInSeconds"].get<uint64_t>();
        info.methods.emplace(m.name, std::move(m));
      }
      catalog.services_.emplace(info.name, std::move(info));
    }
  } catch (const json::exception& e) {
    return Status(ErrorCode::kInternal, std::string("stored service catalog unreadable: ") + e.what());
  }
  return catalog;
}

}  // namespace ck::services
