// The cloudkeep.json parser and validator. Each part of the file has its own
// function; every fault is a Status whose message starts with the path of
// the offending value ("rules[3].on: ...").
#include "services/policy.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <set>
#include <utility>

namespace ck::services {
namespace {

using Json = nlohmann::ordered_json;

std::string inQuotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

Status fault(const std::string& path, const std::string& message) {
  return Status(ErrorCode::kInvalidArgument, path.empty() ? message : path + ": " + message);
}

std::string indexed(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }
std::string member(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// Every key of `object` must be one of `allowed`.
Status onlyFields(const Json& object, const std::string& path, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return fault(path, "unknown field " + inQuotes(key) + " (fields: " + list + ")");
    }
  }
  return {};
}

Status expectString(const Json& value, const std::string& path, std::string* out) {
  if (!value.is_string()) return fault(path, "expected a string");
  *out = value.get<std::string>();
  return {};
}

// A non-empty array of strings.
Status expectStrings(const Json& value, const std::string& path, std::string_view what,
                     std::vector<std::string>* out) {
  if (!value.is_array() || value.empty()) return fault(path, "expected a non-empty array of " + std::string(what));
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) return fault(indexed(path, i), "expected a string");
    out->push_back(value[i].get<std::string>());
  }
  return {};
}

// Roughly "local@domain": what a user subject or a dev user's email must be.
bool isEmail(std::string_view s) {
  if (s.size() < 3 || s.size() > 254) return false;
  size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == s.size() || s.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  return true;
}

// Operation names against the kind of `on`: the mask, or the fault.
Status resolveOps(const std::vector<std::string>& names, const ResourcePattern& on, const std::string& path,
                  OpMask* out) {
  OpMask applicable = on.applicableOps();
  for (size_t i = 0; i < names.size(); ++i) {
    OpMask named = opsNamed(names[i]);
    if (named == 0) return fault(indexed(path, i), "unknown operation " + inQuotes(names[i]));
    if ((named & applicable) == 0) {
      std::string_view kind = resourceKindName(on.kind());
      return fault(indexed(path, i), inQuotes(names[i]) + " does not apply to " + std::string(kind) + " resources (" +
                                         std::string(kind) + " operations: " + opNamesOfKind(on.kind()) + ")");
    }
    *out |= named & applicable;
  }
  return {};
}

class Parser {
 public:
  explicit Parser(Policy* policy) : policy_(*policy) {}

  Status parse(const Json& root) {
    if (!root.is_object()) return fault("", "cloudkeep.json must hold a JSON object");
    Status s = onlyFields(root, "", {"name", "roles", "rules", "tables", "services", "dev", "tests"});
    // `roles` first: rules, dev users and tests refer to them.
    if (s.ok() && root.contains("name")) s = expectString(root["name"], "name", &policy_.name);
    if (s.ok() && root.contains("roles")) s = parseRoles(root["roles"]);
    if (s.ok() && root.contains("rules")) s = parseRules(root["rules"]);
    if (s.ok() && root.contains("tables")) s = parseTables(root["tables"]);
    if (s.ok() && root.contains("services")) s = parseServices(root["services"]);
    if (s.ok() && root.contains("dev")) s = parseDev(root["dev"]);
    if (s.ok() && root.contains("tests")) s = parseTests(root["tests"]);
    return s;
  }

 private:
  Status parseRoles(const Json& roles) {
    if (!roles.is_array()) return fault("roles", "expected an array of role names");
    std::set<std::string> seen;  // lowercase
    for (size_t i = 0; i < roles.size(); ++i) {
      std::string path = indexed("roles", i), name;
      if (Status s = expectString(roles[i], path, &name); !s.ok()) return s;
      std::string why = checkCustomRoleName(name);
      if (!why.empty()) return fault(path, why);
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (!seen.insert(lower).second) return fault(path, inQuotes(name) + " is declared twice (role names ignore case)");
      policy_.roles.push_back(name);
    }
    return {};
  }

  bool isDeclaredRole(std::string_view name) const {
    return std::find(policy_.roles.begin(), policy_.roles.end(), name) != policy_.roles.end();
  }

  // A role a rule may name: a system role spelled exactly, or a declared one.
  Status checkSubjectRole(const std::string& name, const std::string& path) const {
    if (parseSystemRole(name) || isDeclaredRole(name)) return {};
    if (auto sys = systemRoleIgnoringCase(name)) {
      return fault(path, inQuotes(name) + " is not a role; the system role is spelled " + inQuotes(systemRoleName(*sys)));
    }
    return fault(path, inQuotes(name) + " is not a declared role (declare custom roles in \"roles\")");
  }

  Status parseRules(const Json& rules) {
    if (!rules.is_array()) return fault("rules", "expected an array of rules");
    for (size_t i = 0; i < rules.size(); ++i) {
      if (Status s = parseRule(rules[i], indexed("rules", i)); !s.ok()) return s;
    }
    return {};
  }

  Status parseRule(const Json& rule, const std::string& path) {
    if (!rule.is_object()) return fault(path, "expected an object");
    if (Status s = onlyFields(rule, path, {"grant", "deny", "roles", "users", "on", "comment"}); !s.ok()) return s;
    bool grant = rule.contains("grant"), deny = rule.contains("deny");
    if (grant && deny) return fault(path, "has both \"grant\" and \"deny\"; write two rules");
    if (!grant && !deny) return fault(path, "needs \"grant\" or \"deny\"");
    bool roles = rule.contains("roles"), users = rule.contains("users");
    if (roles && users) return fault(path, "has both \"roles\" and \"users\"; write one rule for each");
    if (!roles && !users) return fault(path, "needs \"roles\" or \"users\"");
    if (!rule.contains("on")) return fault(member(path, "on"), "required");

    PolicyRule out;
    std::string onText;
    if (Status s = expectString(rule["on"], member(path, "on"), &onText); !s.ok()) return s;
    Result<ResourcePattern> on = ResourcePattern::parse(onText);
    if (!on.ok()) return fault(member(path, "on"), on.status().message());
    out.on = std::move(on).value();

    out.effect = grant ? Effect::kGrant : Effect::kDeny;
    std::string opsPath = member(path, grant ? "grant" : "deny");
    std::vector<std::string> opNames;
    if (Status s = expectStrings(rule[grant ? "grant" : "deny"], opsPath, "operation names", &opNames); !s.ok()) {
      return s;
    }
    if (Status s = resolveOps(opNames, out.on, opsPath, &out.ops); !s.ok()) return s;

    if (roles) {
      std::string rolesPath = member(path, "roles");
      if (Status s = expectStrings(rule["roles"], rolesPath, "role names", &out.roles); !s.ok()) return s;
      for (size_t i = 0; i < out.roles.size(); ++i) {
        if (Status s = checkSubjectRole(out.roles[i], indexed(rolesPath, i)); !s.ok()) return s;
      }
    } else {
      std::string usersPath = member(path, "users");
      if (Status s = expectStrings(rule["users"], usersPath, "emails", &out.users); !s.ok()) return s;
      for (size_t i = 0; i < out.users.size(); ++i) {
        if (!isEmail(out.users[i])) return fault(indexed(usersPath, i), inQuotes(out.users[i]) + " is not an email address");
      }
    }
    // Impersonation is for service code only: no client subject may get it.
    bool onlyServerCode = out.users.empty() && std::all_of(out.roles.begin(), out.roles.end(), [](const std::string& r) {
                            return r == systemRoleName(SystemRole::kServerCodeUser);
                          });
    if (grant && (out.ops & opBit(Op::kUsersImpersonate)) && !onlyServerCode) {
      return fault(opsPath, "\"impersonate\" can be granted only to ServerCodeUser");
    }
    if (rule.contains("comment")) {
      if (Status s = expectString(rule["comment"], member(path, "comment"), &out.comment); !s.ok()) return s;
    }
    out.text = rule.dump();
    policy_.rules.push_back(std::move(out));
    return {};
  }

  Status parseTables(const Json& tables) {
    if (!tables.is_object()) return fault("tables", "expected an object of tables");
    for (const auto& [name, table] : tables.items()) {
      std::string path = member("tables", name);
      std::string why = checkTableName(name);
      if (!why.empty()) return fault(path, why);
      if (!table.is_object()) return fault(path, "expected an object");
      if (Status s = onlyFields(table, path, {"ownerPolicy", "columns", "indexes"}); !s.ok()) return s;
      TableSettings out;
      if (table.contains("ownerPolicy")) {
        std::string opPath = member(path, "ownerPolicy");
        const Json& ops = table["ownerPolicy"];
        if (!ops.is_array()) return fault(opPath, "expected an array of operation names");
        for (size_t i = 0; i < ops.size(); ++i) {
          std::string name2;
          if (Status s = expectString(ops[i], indexed(opPath, i), &name2); !s.ok()) return s;
          std::optional<Op> op = findOp(ResourceKind::kData, name2);
          if (!op) {
            return fault(indexed(opPath, i), opsNamed(name2) ? inQuotes(name2) + " is not a data operation"
                                                             : "unknown operation " + inQuotes(name2));
          }
          if ((opBit(*op) & kOwnerPolicyOps) == 0) {
            return fault(indexed(opPath, i), inQuotes(name2) +
                                                 " is not an owner policy operation (" + opMaskNames(kOwnerPolicyOps) +
                                                 ")");
          }
          out.ownerPolicy |= opBit(*op);
        }
      }
      if (table.contains("columns")) {
        if (!table["columns"].is_object()) return fault(member(path, "columns"), "expected an object of column types");
        out.columns = nlohmann::json::parse(table["columns"].dump());
      }
      if (table.contains("indexes")) {
        if (!table["indexes"].is_array()) return fault(member(path, "indexes"), "expected an array of indexes");
        out.indexes = nlohmann::json::parse(table["indexes"].dump());
      }
      policy_.tables.emplace(name, std::move(out));
    }
    return {};
  }

  Status parseServices(const Json& services) {
    if (!services.is_object()) return fault("services", "expected an object of services");
    for (const auto& [name, service] : services.items()) {
      std::string path = member("services", name);
      std::string why = checkServiceName(name);
      if (!why.empty() || name.find('.') != std::string::npos) return fault(path, why.empty() ? "bad name" : why);
      if (!service.is_object()) return fault(path, "expected an object");
      if (Status s = onlyFields(service, path, {"grants", "runAs", "executionTimeoutInSeconds", "config"}); !s.ok()) {
        return s;
      }
      ServiceSettings out;
      if (service.contains("grants")) {
        if (Status s = parseGrants(service["grants"], member(path, "grants"), &out); !s.ok()) return s;
      }
      if (service.contains("runAs")) {
        std::string runAs;
        std::string runAsPath = member(path, "runAs");
        if (Status s = expectString(service["runAs"], runAsPath, &runAs); !s.ok()) return s;
        if (runAs == "server") {
          out.runAs = RunAs::kServer;
        } else if (runAs == "caller") {
          out.runAs = RunAs::kCaller;
        } else {
          return fault(runAsPath, "expected \"server\" or \"caller\"");
        }
      }
      if (service.contains("executionTimeoutInSeconds")) {
        const Json& t = service["executionTimeoutInSeconds"];
        if (!t.is_number_integer() || t.get<int64_t>() < 1 || t.get<int64_t>() > 60) {
          return fault(member(path, "executionTimeoutInSeconds"), "expected a whole number of seconds from 1 to 60");
        }
        out.executionTimeoutInSeconds = t.get<int>();
      }
      if (service.contains("config")) {
        if (Status s = parseConfig(service["config"], member(path, "config"), &out); !s.ok()) return s;
      }
      policy_.services.emplace(name, std::move(out));
    }
    return {};
  }

  Status parseGrants(const Json& grants, const std::string& path, ServiceSettings* out) {
    if (!grants.is_array()) return fault(path, "expected an array of grants");
    out->grants.emplace();
    for (size_t i = 0; i < grants.size(); ++i) {
      std::string gpath = indexed(path, i);
      const Json& g = grants[i];
      if (!g.is_object()) return fault(gpath, "expected an object");
      if (Status s = onlyFields(g, gpath, {"ops", "on"}); !s.ok()) return s;
      if (!g.contains("ops")) return fault(member(gpath, "ops"), "required");
      if (!g.contains("on")) return fault(member(gpath, "on"), "required");
      ServiceGrant grant;
      std::string onText;
      if (Status s = expectString(g["on"], member(gpath, "on"), &onText); !s.ok()) return s;
      Result<ResourcePattern> on = ResourcePattern::parse(onText);
      if (!on.ok()) return fault(member(gpath, "on"), on.status().message());
      grant.on = std::move(on).value();
      std::vector<std::string> names;
      if (Status s = expectStrings(g["ops"], member(gpath, "ops"), "operation names", &names); !s.ok()) return s;
      if (Status s = resolveOps(names, grant.on, member(gpath, "ops"), &grant.ops); !s.ok()) return s;
      grant.text = g.dump();
      out->grants->push_back(std::move(grant));
    }
    return {};
  }

  // A service's config item values: names as config items are named,
  // values a string (at most 16 KiB), a number or a boolean.
  Status parseConfig(const Json& config, const std::string& path, ServiceSettings* out) {
    constexpr size_t kMaxItems = 100;
    constexpr size_t kMaxValueBytes = 16 * 1024;
    if (!config.is_object()) return fault(path, "expected an object of config item values");
    if (config.size() > kMaxItems) return fault(path, "at most 100 config items");
    for (const auto& [name, value] : config.items()) {
      std::string vpath = member(path, name);
      if (name.empty() || name.size() > 64) return fault(vpath, "config item names are 1-64 characters");
      if (!value.is_string() && !value.is_number() && !value.is_boolean()) {
        return fault(vpath, "expected a string, a number or a boolean");
      }
      if (value.is_string() && value.get_ref<const std::string&>().size() > kMaxValueBytes) {
        return fault(vpath, "longer than 16 KiB");
      }
    }
    out->config = config.dump(-1, ' ', false, Json::error_handler_t::replace);
    return {};
  }

  Status parseDev(const Json& dev) {
    if (!dev.is_object()) return fault("dev", "expected an object");
    if (Status s = onlyFields(dev, "dev", {"users"}); !s.ok()) return s;
    if (!dev.contains("users")) return {};
    const Json& users = dev["users"];
    if (!users.is_array()) return fault("dev.users", "expected an array of users");
    for (size_t i = 0; i < users.size(); ++i) {
      std::string path = indexed("dev.users", i);
      const Json& u = users[i];
      if (!u.is_object()) return fault(path, "expected an object");
      if (Status s = onlyFields(u, path, {"email", "password", "roles"}); !s.ok()) return s;
      DevUser out;
      if (!u.contains("email")) return fault(member(path, "email"), "required");
      if (Status s = expectString(u["email"], member(path, "email"), &out.email); !s.ok()) return s;
      if (!isEmail(out.email)) return fault(member(path, "email"), inQuotes(out.email) + " is not an email address");
      if (!u.contains("password")) return fault(member(path, "password"), "required");
      if (Status s = expectString(u["password"], member(path, "password"), &out.password); !s.ok()) return s;
      if (out.password.empty()) return fault(member(path, "password"), "must not be empty");
      if (u.contains("roles")) {
        const Json& roles = u["roles"];
        std::string rpath = member(path, "roles");
        if (!roles.is_array()) return fault(rpath, "expected an array of role names");
        for (size_t j = 0; j < roles.size(); ++j) {
          std::string role;
          if (Status s = expectString(roles[j], indexed(rpath, j), &role); !s.ok()) return s;
          if (auto sys = systemRoleIgnoringCase(role)) {
            return fault(indexed(rpath, j), inQuotes(role) + " is the system role " + std::string(systemRoleName(*sys)) +
                                                "; users cannot be given system roles");
          }
          if (!isDeclaredRole(role)) {
            return fault(indexed(rpath, j), inQuotes(role) + " is not a declared role (declare custom roles in \"roles\")");
          }
          out.roles.push_back(role);
        }
      }
      policy_.devUsers.push_back(std::move(out));
    }
    return {};
  }

  Status parseTests(const Json& tests) {
    if (!tests.is_array()) return fault("tests", "expected an array of tests");
    for (size_t i = 0; i < tests.size(); ++i) {
      if (Status s = parseTest(tests[i], indexed("tests", i)); !s.ok()) return s;
    }
    return {};
  }

  Status parseTestAs(const Json& as, const std::string& path, PolicyTestCase* out) {
    if (!as.is_object()) return fault(path, "expected an object");
    if (Status s = onlyFields(as, path, {"user", "role", "service", "key"}); !s.ok()) return s;
    bool user = as.contains("user"), role = as.contains("role"), service = as.contains("service");
    if (user && role) return fault(path, "has both \"user\" and \"role\"");
    if (service && role) return fault(path, "has both \"service\" and \"role\"; service code has no roles but ServerCodeUser");
    if (!user && !role && !service) return fault(path, "needs \"user\", \"role\" or \"service\"");
    if (!service && !as.contains("key")) return fault(member(path, "key"), "required (\"REST\", \"JS\", \"IOS\" or \"ANDROID\")");
    if (as.contains("key")) {
      std::string key;
      if (Status s = expectString(as["key"], member(path, "key"), &key); !s.ok()) return s;
      std::optional<ClientKind> kind = parseClientKind(key);
      if (!kind) return fault(member(path, "key"), "expected \"REST\", \"JS\", \"IOS\" or \"ANDROID\"");
      out->key = *kind;
    }
    if (user) {
      if (Status s = expectString(as["user"], member(path, "user"), &out->user); !s.ok()) return s;
      if (!isEmail(out->user)) return fault(member(path, "user"), inQuotes(out->user) + " is not an email address");
    }
    if (service) {
      if (Status s = expectString(as["service"], member(path, "service"), &out->service); !s.ok()) return s;
      std::string why = checkServiceName(out->service);
      if (!why.empty()) return fault(member(path, "service"), why);
    }
    if (role) {
      std::string rpath = member(path, "role");
      if (Status s = expectString(as["role"], rpath, &out->role); !s.ok()) return s;
      std::optional<SystemRole> sys = systemRoleIgnoringCase(out->role);
      if (sys == SystemRole::kServerCodeUser) {
        return fault(rpath, inQuotes(out->role) +
                                " cannot be taken by a test; write {\"service\": \"<Name>\"} to test a service's code");
      }
      if (sys == SystemRole::kNotAuthenticatedUser || sys == SystemRole::kAuthenticatedUser) {
        if (out->role != systemRoleName(*sys)) {
          return fault(rpath, inQuotes(out->role) + " is not a role; the system role is spelled " +
                                  inQuotes(systemRoleName(*sys)));
        }
      } else if (sys) {
        return fault(rpath, inQuotes(out->role) + " comes with an API key; write \"key\" instead");
      } else if (!isDeclaredRole(out->role)) {
        return fault(rpath, inQuotes(out->role) + " is not a declared role (declare custom roles in \"roles\")");
      }
    }
    return {};
  }

  Status parseTest(const Json& test, const std::string& path) {
    if (!test.is_object()) return fault(path, "expected an object");
    if (Status s = onlyFields(test, path, {"as", "op", "on", "expect"}); !s.ok()) return s;
    for (std::string_view field : {"as", "op", "on", "expect"}) {
      if (!test.contains(field)) return fault(member(path, field), "required");
    }
    PolicyTestCase out;
    if (Status s = parseTestAs(test["as"], member(path, "as"), &out); !s.ok()) return s;
    std::string onText, opText, expect;
    if (Status s = expectString(test["on"], member(path, "on"), &onText); !s.ok()) return s;
    Result<ResourceRef> on = ResourceRef::parse(onText);
    if (!on.ok()) return fault(member(path, "on"), on.status().message());
    out.on = std::move(on).value();
    if (Status s = expectString(test["op"], member(path, "op"), &opText); !s.ok()) return s;
    std::optional<Op> op = findOp(out.on.kind(), opText);
    if (!op) {
      std::string_view kind = resourceKindName(out.on.kind());
      return fault(member(path, "op"), opsNamed(opText) == 0
                                           ? "unknown operation " + inQuotes(opText)
                                           : inQuotes(opText) + " does not apply to " + std::string(kind) +
                                                 " resources (" + std::string(kind) +
                                                 " operations: " + opNamesOfKind(out.on.kind()) + ")");
    }
    out.op = *op;
    if (Status s = expectString(test["expect"], member(path, "expect"), &expect); !s.ok()) return s;
    if (expect == "grant") {
      out.expect = Effect::kGrant;
    } else if (expect == "deny") {
      out.expect = Effect::kDeny;
    } else {
      return fault(member(path, "expect"), "expected \"grant\" or \"deny\"");
    }
    out.text = test.dump();
    policy_.tests.push_back(std::move(out));
    return {};
  }

  Policy& policy_;
};

}  // namespace

std::string_view effectName(Effect effect) { return effect == Effect::kGrant ? "grant" : "deny"; }

Result<Policy> parsePolicyJson(const nlohmann::ordered_json& json) {
  Policy policy;
  Parser parser(&policy);
  if (Status s = parser.parse(json); !s.ok()) return s;
  return policy;
}

Result<Policy> parsePolicy(std::string_view jsonText) {
  // nlohmann keeps one of two equal keys silently; a policy must not.
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  auto callback = [&](int /*depth*/, nlohmann::ordered_json::parse_event_t event, nlohmann::ordered_json& parsed) {
    using E = nlohmann::ordered_json::parse_event_t;
    if (event == E::object_start) keys.emplace_back();
    if (event == E::object_end && !keys.empty()) keys.pop_back();
    if (event == E::key && !keys.empty() && !keys.back().insert(parsed.get<std::string>()).second &&
        duplicate.empty()) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  nlohmann::ordered_json json;
  try {
    json = nlohmann::ordered_json::parse(jsonText.begin(), jsonText.end(), callback);
  } catch (const nlohmann::ordered_json::parse_error& e) {
    return Status(ErrorCode::kInvalidArgument, "cloudkeep.json is not valid JSON (at byte " + std::to_string(e.byte) + ")");
  }
  if (!duplicate.empty()) {
    return Status(ErrorCode::kInvalidArgument, "cloudkeep.json has the key " + inQuotes(duplicate) + " twice in one object");
  }
  return parsePolicyJson(json);
}

}  // namespace ck::services
