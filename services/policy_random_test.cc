// The evaluator against a deliberately simple reference: a direct, slow
// transcription of DESIGN.md's precedence sentence, written here from the
// generated policy (not from the parsed model or the index), over thousands
// of generated policies and requests.
//
// Reproducible: the base seed is printed and can be set with
// CK_POLICY_SEED; each policy uses seed + its number. A mismatch prints the
// seed, the request and the policy shrunk to the rules that still disagree.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "services/policy_bind.h"
#include "services/policy_eval.h"

namespace ck::services {
namespace {

using nlohmann::ordered_json;

// ---- The generated world -------------------------------------------------

const std::vector<std::string> kTables = {"A", "B", "C"};
const std::vector<std::string> kPaths = {"/", "/a", "/b", "/a/b", "/a/c", "/a/b/c", "/b/a"};
const std::vector<std::string> kServices = {"S", "T", "U"};
const std::vector<std::string> kMethods = {"m", "n"};
const std::vector<std::string> kCustomRoles = {"R0", "R1", "R2"};
// u2 is never a user: its rules stay inert.
const std::map<std::string, std::string> kUsers = {{"u0@x.io", "U0"}, {"u1@x.io", "U1"}};
const std::vector<std::string> kEmails = {"u0@x.io", "u1@x.io", "u2@x.io"};

struct GenRule {
  bool deny = false;
  std::vector<std::string> ops;
  std::vector<std::string> roles;   // or
  std::vector<std::string> emails;
  std::string on;
};

struct GenGrant {
  std::vector<std::string> ops;
  std::string on;
};

struct GenPolicy {
  std::vector<GenRule> rules;
  std::map<std::string, std::vector<std::string>> ownerPolicy;        // table -> ops
  std::map<std::string, std::optional<std::vector<GenGrant>>> services;  // nullopt: no "grants"
};

struct GenAclEntry {
  bool byUser;
  std::string subject;
  bool deny;
  std::string op;
};

struct GenRequest {
  enum Kind { kAnon, kUser, kSignedInNoUser, kService, kAdmin } kind = kAnon;
  ClientKind key = ClientKind::kRest;
  std::string userId;
  std::vector<std::string> roles;  // custom
  std::string service;
  std::string op;        // name
  std::string resource;  // written
  std::optional<std::string> ownerId;
  std::vector<GenAclEntry> acl;
};

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <typename T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }

  std::string pattern() {
    switch (below(12)) {
      case 0: return "*";
      case 1: return pick(std::vector<std::string>{"data:*", "files:*", "service:*", "users:*"});
      case 2: case 3: case 4: return "data:" + pick(kTables);
      case 5: case 6: case 7: return "files:" + pick(kPaths);
      case 8: return "service:" + pick(kServices);
      case 9: case 10: return "service:" + pick(kServices) + "." + pick(kMethods);
      default: return "users";
    }
  }

  static std::string kindOf(const std::string& written) {
    if (written == "*") return "*";
    if (written == "users" || written.rfind("users:", 0) == 0) return "users";
    return written.substr(0, written.find(':'));
  }

  static std::vector<std::string> opsFor(const std::string& kind) {
    if (kind == "data") return {"find", "create", "update", "delete", "describe"};
    if (kind == "files") return {"read", "write", "delete", "list"};
    if (kind == "service") return {"invoke"};
    if (kind == "users") return {"register", "login", "impersonate"};
    return {"find", "create", "update", "delete", "describe", "read", "write", "list", "invoke", "register", "login",
            "impersonate"};
  }

  std::vector<std::string> someOf(const std::vector<std::string>& from, size_t most) {
    std::set<std::string> out;
    size_t n = 1 + below(most);
    for (size_t i = 0; i < n; ++i) out.insert(pick(from));
    return {out.begin(), out.end()};
  }

  GenRule rule() {
    GenRule r;
    r.deny = chance(0.45);
    r.on = pattern();
    r.ops = someOf(opsFor(kindOf(r.on)), 3);
    if (chance(0.65)) {
      std::vector<std::string> roles = kCustomRoles;
      for (SystemRole s : kAllSystemRoles) roles.emplace_back(systemRoleName(s));
      r.roles = someOf(roles, 2);
    } else {
      r.emails = someOf(kEmails, 2);
    }
    // "impersonate" may be granted to ServerCodeUser only.
    bool onlyServerCode = r.emails.empty() && r.roles == std::vector<std::string>{"ServerCodeUser"};
    if (!r.deny && !onlyServerCode) {
      r.ops.erase(std::remove(r.ops.begin(), r.ops.end(), "impersonate"), r.ops.end());
      if (r.ops.empty()) r.deny = true, r.ops = {"impersonate"};
    }
    return r;
  }

  GenPolicy policy() {
    GenPolicy p;
    size_t n = below(14);
    for (size_t i = 0; i < n; ++i) p.rules.push_back(rule());
    for (const std::string& t : kTables) {
      if (chance(0.4)) p.ownerPolicy[t] = someOf({"find", "create", "update", "delete"}, 3);
    }
    for (const std::string& s : kServices) {
      size_t shape = below(4);
      if (shape == 0) continue;  // not declared
      if (shape == 1) {
        p.services[s] = std::nullopt;
        continue;
      }
      std::vector<GenGrant> grants;
      size_t g = shape == 2 ? 0 : 1 + below(3);
      for (size_t i = 0; i < g; ++i) {
        GenGrant grant;
        grant.on = pattern();
        grant.ops = someOf(opsFor(kindOf(grant.on)), 2);
        grants.push_back(grant);
      }
      p.services[s] = grants;
    }
    return p;
  }

  std::string resourceOf(const std::string& kind) {
    if (kind == "data") return "data:" + pick(kTables);
    if (kind == "files") return "files:" + pick(kPaths);
    if (kind == "service") return "service:" + pick(kServices) + (chance(0.75) ? "." + pick(kMethods) : "");
    return "users";
  }

  // Half the requests aim at one of the policy's rules (its pattern, an op
  // it lists, a principal it names), so that rules decide often.
  GenRequest request(const GenPolicy& policy) {
    GenRequest q = request();
    if (policy.rules.empty() || chance(0.5)) return q;
    const GenRule& r = pick(policy.rules);
    std::string kind = kindOf(r.on);
    if (kind == "*") kind = pick(std::vector<std::string>{"data", "files", "service", "users"});
    if (r.on == "*" || r.on.find(":*") != std::string::npos) {
      q.resource = resourceOf(kind);
    } else if (kind == "files" && chance(0.5)) {
      q.resource = r.on + (r.on == "files:/" ? "" : "/") + pick(std::vector<std::string>{"x", "b", "c/d"});
    } else if (kind == "service" && r.on.find('.') == std::string::npos && chance(0.6)) {
      q.resource = r.on + "." + pick(kMethods);
    } else {
      q.resource = r.on;
    }
    std::vector<std::string> ops;
    for (const std::string& op : r.ops) {
      if (has(opsFor(kind), op)) ops.push_back(op);
    }
    if (!ops.empty()) q.op = pick(ops);
    if (kind != "data") {
      q.ownerId.reset();
      q.acl.clear();
    }
    if (!r.emails.empty()) {
      q.kind = GenRequest::kUser;
      auto u = kUsers.find(pick(r.emails));
      q.userId = u == kUsers.end() ? "U9" : u->second;
      return q;
    }
    const std::string& role = pick(r.roles);
    std::optional<SystemRole> sys = parseSystemRole(role);
    if (sys == SystemRole::kServerCodeUser) {
      q.kind = GenRequest::kService;
      q.service = pick(kServices);
    } else if (sys == SystemRole::kNotAuthenticatedUser) {
      q.kind = GenRequest::kAnon;
      q.roles.clear();
    } else if (q.kind == GenRequest::kAdmin || q.kind == GenRequest::kService ||
               (q.kind == GenRequest::kAnon && sys != std::nullopt && sys != SystemRole::kAuthenticatedUser)) {
      q.kind = GenRequest::kUser;
      q.userId = pick(std::vector<std::string>{"U0", "U1"});
    } else if (q.kind == GenRequest::kAnon) {
      q.kind = GenRequest::kUser;
      q.userId = "U0";
    }
    if (sys) {
      for (ClientKind k : kAllClientKinds) {
        if (clientKindRole(k) == role) q.key = k;
      }
    } else if (!has(q.roles, role)) {
      q.roles.push_back(role);
    }
    return q;
  }

  GenRequest request() {
    GenRequest q;
    size_t who = below(20);
    q.kind = who < 4 ? GenRequest::kAnon
             : who < 11 ? GenRequest::kUser
             : who < 13 ? GenRequest::kSignedInNoUser
             : who < 19 ? GenRequest::kService
                        : GenRequest::kAdmin;
    q.key = kAllClientKinds[below(std::size(kAllClientKinds))];
    if (q.kind == GenRequest::kUser) q.userId = pick(std::vector<std::string>{"U0", "U1", "U9"});
    if (q.kind == GenRequest::kUser || q.kind == GenRequest::kSignedInNoUser) {
      std::vector<std::string> roles = kCustomRoles;
      roles.push_back("Undeclared");
      if (chance(0.7)) q.roles = someOf(roles, 2);
    }
    if (q.kind == GenRequest::kService) q.service = pick(kServices);
    std::string kind = pick(std::vector<std::string>{"data", "data", "files", "service", "users"});
    q.resource = resourceOf(kind);
    q.op = chance(0.02) ? pick(opsFor("*")) : pick(opsFor(kind));  // now and then an op of another kind
    if (kind == "data" && chance(0.5)) {
      q.ownerId = pick(std::vector<std::string>{"U0", "U1", ""});
      if (chance(0.3)) {
        size_t n = 1 + below(3);
        for (size_t i = 0; i < n; ++i) {
          bool byUser = chance(0.5);
          std::vector<std::string> roles = kCustomRoles;
          roles.push_back("AuthenticatedUser");
          roles.push_back("ServerCodeUser");
          q.acl.push_back({byUser, byUser ? pick(std::vector<std::string>{"U0", "U1"}) : pick(roles), chance(0.5),
                           pick(opsFor("data"))});
        }
      }
    }
    return q;
  }

 private:
  std::mt19937_64 rng_;
};

std::string toJson(const GenPolicy& p) {
  ordered_json j;
  j["roles"] = kCustomRoles;
  j["rules"] = ordered_json::array();
  for (const GenRule& r : p.rules) {
    ordered_json rule;
    rule[r.deny ? "deny" : "grant"] = r.ops;
    if (r.emails.empty()) {
      rule["roles"] = r.roles;
    } else {
      rule["users"] = r.emails;
    }
    rule["on"] = r.on;
    j["rules"].push_back(rule);
  }
  j["tables"] = ordered_json::object();
  for (const auto& [t, ops] : p.ownerPolicy) j["tables"][t] = {{"ownerPolicy", ops}};
  j["services"] = ordered_json::object();
  for (const auto& [s, grants] : p.services) {
    ordered_json entry = ordered_json::object();
    if (grants) {
      entry["grants"] = ordered_json::array();
      for (const GenGrant& g : *grants) entry["grants"].push_back({{"ops", g.ops}, {"on", g.on}});
    }
    j["services"][s] = entry;
  }
  return j.dump();
}

std::string describe(const GenRequest& q) {
  std::string who;
  switch (q.kind) {
    case GenRequest::kAnon: who = "anonymous"; break;
    case GenRequest::kUser: who = "user " + q.userId; break;
    case GenRequest::kSignedInNoUser: who = "signed-in, no user"; break;
    case GenRequest::kService: who = "ServerCodeUser of " + q.service; break;
    case GenRequest::kAdmin: who = "admin"; break;
  }
  if (q.kind != GenRequest::kService && q.kind != GenRequest::kAdmin) who += " key " + std::string(clientKindName(q.key));
  for (const std::string& r : q.roles) who += " +" + r;
  std::string out = who + ": " + q.op + " " + q.resource;
  if (q.ownerId) out += " (object owned by \"" + *q.ownerId + "\")";
  for (const GenAclEntry& e : q.acl) {
    out += " [acl " + std::string(e.deny ? "deny " : "grant ") + e.op + " " + (e.byUser ? "user " : "role ") + e.subject + "]";
  }
  return out;
}

// ---- The reference ----------------------------------------------------------

struct RefDecision {
  bool allow = false;
  int level = 7;
  std::string by;     // "rule", "builtin", "owner", "acl", "default", "grants", "admin"
  int index = -1;
  bool narrow = false;
};

// How specifically `pattern` covers `resource`: {level, -length}, lower is
// more specific; nullopt when it does not cover it.
std::optional<std::pair<int, int>> specificity(const std::string& pattern, const std::string& resource) {
  std::string kind = Gen::kindOf(resource);
  if (pattern == "*") return std::pair{6, 0};
  if (pattern == kind + ":*") return std::pair{5, 0};
  if (pattern == resource) return std::pair{2, 0};
  if (kind == "files" && pattern.rfind("files:", 0) == 0) {
    std::string p = pattern.substr(6), r = resource.substr(6);
    if (p == "/") return std::pair{3, -1};
    if (r.size() > p.size() && r.compare(0, p.size(), p) == 0 && r[p.size()] == '/') {
      return std::pair{3, -static_cast<int>(p.size())};
    }
  }
  if (kind == "service" && resource.rfind(pattern + ".", 0) == 0 && pattern.find('.') == std::string::npos) {
    return std::pair{3, -static_cast<int>(pattern.size())};
  }
  return std::nullopt;
}

RefDecision reference(const GenPolicy& policy, const GenRequest& q) {
  RefDecision d;
  if (q.kind == GenRequest::kAdmin) return {true, 0, "admin", -1, false};
  std::string kind = Gen::kindOf(q.resource);
  if (!has(Gen::opsFor(kind), q.op)) return {false, 7, "default", -1, false};
  bool serverCode = q.kind == GenRequest::kService;
  bool signedIn = q.kind == GenRequest::kUser || q.kind == GenRequest::kSignedInNoUser;
  // The principal's roles, by name.
  std::vector<std::string> roles;
  if (serverCode) {
    roles = {"ServerCodeUser"};
  } else {
    roles = {signedIn ? "AuthenticatedUser" : "NotAuthenticatedUser", std::string(clientKindRole(q.key))};
    roles.insert(roles.end(), q.roles.begin(), q.roles.end());
  }
  std::string userId = q.kind == GenRequest::kUser ? q.userId : "";

  // Every matching entry: its specificity, whether a user's, its effect.
  struct Candidate {
    std::pair<int, int> spec;
    bool byUser;
    bool deny;
    std::string by;
    int index;
    bool narrow;
  };
  std::vector<Candidate> candidates;
  for (size_t i = 0; i < q.acl.size(); ++i) {
    const GenAclEntry& e = q.acl[i];
    bool subject = e.byUser ? (!userId.empty() && e.subject == userId) : has(roles, e.subject);
    if (e.op == q.op && subject) candidates.push_back({{1, 0}, e.byUser, e.deny, "acl", static_cast<int>(i), false});
  }
  for (size_t i = 0; i < policy.rules.size(); ++i) {
    const GenRule& r = policy.rules[i];
    std::optional<std::pair<int, int>> spec = specificity(r.on, q.resource);
    if (!spec || !has(r.ops, q.op)) continue;
    bool subject = false;
    if (r.emails.empty()) {
      for (const std::string& role : r.roles) subject = subject || has(roles, role);
    } else {
      for (const std::string& email : r.emails) {
        auto u = kUsers.find(email);
        subject = subject || (u != kUsers.end() && !userId.empty() && u->second == userId);
      }
    }
    if (subject) candidates.push_back({*spec, !r.emails.empty(), r.deny, "rule", static_cast<int>(i), false});
  }
  if (kind == "data" && signedIn) {
    auto owner = policy.ownerPolicy.find(q.resource.substr(5));
    if (owner != policy.ownerPolicy.end() && has(owner->second, q.op)) {
      bool deny = q.ownerId && (userId.empty() || *q.ownerId != userId);
      bool narrow = !q.ownerId && q.op != "create";
      candidates.push_back({{4, 0}, false, deny, "owner", -1, narrow});
    }
  }
  // Built-ins at level 7.
  if (kind == "users") {
    if ((q.op == "register" || q.op == "login") && !serverCode) candidates.push_back({{7, 0}, false, false, "builtin", 0, false});
    if (q.op == "impersonate" && serverCode) candidates.push_back({{7, 0}, false, true, "builtin", 1, false});
  }

  // The most specific pattern with a match decides; a user's entries over
  // role entries; DENY over GRANT; the first in order names the decider.
  if (candidates.empty()) {
    d = {serverCode, 7, "default", -1, false};
  } else {
    std::pair<int, int> best = candidates[0].spec;
    for (const Candidate& c : candidates) best = std::min(best, c.spec);
    bool anyUser = false;
    for (const Candidate& c : candidates) anyUser = anyUser || (c.spec == best && c.byUser);
    bool anyDeny = false;
    for (const Candidate& c : candidates) anyDeny = anyDeny || (c.spec == best && c.byUser == anyUser && c.deny);
    for (const Candidate& c : candidates) {
      if (c.spec == best && c.byUser == anyUser && c.deny == anyDeny) {
        d = {!anyDeny, best.first, c.by, c.index, c.narrow};
        break;
      }
    }
  }
  // ServerCodeUser of a service with grants: both must allow.
  if (serverCode && d.allow) {
    auto s = policy.services.find(q.service);
    if (s != policy.services.end() && s->second) {
      bool covered = false;
      for (const GenGrant& grant : *s->second) covered = covered || (has(grant.ops, q.op) && specificity(grant.on, q.resource));
      if (!covered) d = {false, 8, "grants", -1, false};
    }
  }
  return d;
}

// ---- The evaluator, as the test drives it -------------------------------------------

std::string deciderTag(Decider by) {
  switch (by) {
    case Decider::kAdmin: return "admin";
    case Decider::kObjectAcl: return "acl";
    case Decider::kRule: return "rule";
    case Decider::kOwnerPolicy: return "owner";
    case Decider::kBuiltinRule: return "builtin";
    case Decider::kDefault: return "default";
    case Decider::kServiceGrant: return "grants";
  }
  return "?";
}

Decision evaluateRequest(const BoundPolicy& policy, const GenRequest& q, bool withTrace) {
  ResourceRef resource = ResourceRef::parse(q.resource).value();
  std::optional<Op> op = findOp(resource.kind(), q.op);
  if (!op) op = findOp(ResourceKind::kData, q.op);
  if (!op) op = findOp(ResourceKind::kFiles, q.op);
  if (!op) op = findOp(ResourceKind::kService, q.op);
  if (!op) op = findOp(ResourceKind::kUsers, q.op);
  ObjectFacts object;
  if (q.ownerId) object.ownerId = *q.ownerId;
  for (const GenAclEntry& e : q.acl) {
    object.acl.push_back({e.byUser, e.subject, e.deny ? Effect::kDeny : Effect::kGrant, opBit(*findOp(ResourceKind::kData, e.op))});
  }
  const ObjectFacts* obj = q.ownerId ? &object : nullptr;
  if (q.kind == GenRequest::kService) {
    return withTrace ? explainAsService(policy, q.service, *op, resource, obj).decision
                     : evaluateAsService(policy, q.service, *op, resource, obj);
  }
  std::optional<Principal> principal;
  if (q.kind == GenRequest::kAdmin) {
    principal = Principal::admin();
  } else {
    ClientIdentity identity{.key = q.key};
    identity.authenticated = q.kind != GenRequest::kAnon;
    if (q.kind == GenRequest::kUser) identity.user = PrincipalUser{q.userId, ""};
    identity.customRoles = q.roles;
    principal = Principal::client(identity).value();
  }
  return withTrace ? explain(policy, *principal, *op, resource, obj).decision
                   : evaluate(policy, *principal, *op, resource, obj);
}

BoundPolicy bindGenerated(const GenPolicy& p) {
  Result<Policy> parsed = parsePolicy(toJson(p));
  EXPECT_TRUE(parsed.ok()) << parsed.status().message() << "\n" << toJson(p);
  return bindPolicy(parsed.ok() ? std::move(parsed).value() : Policy{}, [](std::string_view email) -> std::optional<std::string> {
    auto u = kUsers.find(std::string(email));
    if (u == kUsers.end()) return std::nullopt;
    return u->second;
  });
}

// Empty when the evaluator agrees with the reference; else what differs.
std::string disagreement(const GenPolicy& p, const BoundPolicy& bound, const GenRequest& q) {
  RefDecision want = reference(p, q);
  std::string out;
  for (bool withTrace : {false, true}) {
    Decision got = evaluateRequest(bound, q, withTrace);
    std::string mode = withTrace ? " (explain)" : "";
    auto differ = [&](const std::string& what, const auto& a, const auto& b) {
      if (a != b) out += what + mode + ": evaluator " + testing::PrintToString(a) + ", reference " + testing::PrintToString(b) + "\n";
    };
    differ("allow", got.allow, want.allow);
    differ("level", static_cast<int>(got.level), want.level);
    differ("decided by", deciderTag(got.by), want.by);
    differ("index", got.index, want.by == "rule" || want.by == "builtin" || want.by == "acl" ? want.index : -1);
    differ("narrowToOwner", got.narrowToOwner, want.narrow);
    if (withTrace) {
      bool named = std::any_of(got.trace.begin(), got.trace.end(), [](const TraceStep& s) {
        return s.verdict == TraceVerdict::kDecides || s.verdict == TraceVerdict::kRefuses;
      });
      if (!named) out += "the trace names no deciding step\n";
    }
  }
  return out;
}

// Drops rules, owner policies and services, one at a time, while the
// disagreement stays.
GenPolicy shrink(GenPolicy p, const GenRequest& q) {
  auto keepIfStillDisagrees = [&](GenPolicy smaller) {
    if (!disagreement(smaller, bindGenerated(smaller), q).empty()) p = std::move(smaller);
  };
  for (size_t i = p.rules.size(); i-- > 0;) {
    GenPolicy smaller = p;
    smaller.rules.erase(smaller.rules.begin() + static_cast<long>(i));
    keepIfStillDisagrees(std::move(smaller));
  }
  for (const std::string& table : kTables) {
    GenPolicy smaller = p;
    if (smaller.ownerPolicy.erase(table) != 0) keepIfStillDisagrees(std::move(smaller));
  }
  for (const std::string& service : kServices) {
    GenPolicy smaller = p;
    if (smaller.services.erase(service) != 0) keepIfStillDisagrees(std::move(smaller));
  }
  return p;
}

TEST(PolicyRandomTest, EvaluatorAgreesWithTheReference) {
  uint64_t seed = 20240601;
  if (const char* env = std::getenv("CK_POLICY_SEED")) seed = std::strtoull(env, nullptr, 10);
#ifdef NDEBUG
  constexpr int kPolicies = 5000;
#else
  constexpr int kPolicies = 1200;  // Debug with sanitizers is ~40x slower
#endif
  constexpr int kRequests = 40;
  std::printf("policy_random_test: seed %llu (set CK_POLICY_SEED to repeat), %d policies x %d requests\n",
              static_cast<unsigned long long>(seed), kPolicies, kRequests);
  int failures = 0;
  std::map<int, int> levels;  // coverage: how often each level decided
  for (int i = 0; i < kPolicies && failures < 3; ++i) {
    Gen gen(seed + static_cast<uint64_t>(i));
    GenPolicy p = gen.policy();
    BoundPolicy bound = bindGenerated(p);
    for (int r = 0; r < kRequests; ++r) {
      GenRequest q = gen.request(p);
      levels[reference(p, q).level]++;
      std::string diff = disagreement(p, bound, q);
      if (diff.empty()) continue;
      GenPolicy minimal = shrink(p, q);
      ADD_FAILURE() << "seed " << seed + static_cast<uint64_t>(i) << " (base " << seed << ", policy " << i
                    << ", request " << r << ")\n  request: " << describe(q) << "\n  minimal policy: " << toJson(minimal)
                    << "\n"
                    << disagreement(minimal, bindGenerated(minimal), q);
      if (++failures >= 3) break;
    }
  }
  // The generator must exercise every level, or the comparison proves little.
  std::printf("decisions by level:");
  for (const auto& [level, n] : levels) std::printf(" %d:%d", level, n);
  std::printf("\n");
  for (int level = 0; level <= 8; ++level) EXPECT_GT(levels[level], 50) << "level " << level << " rarely decided";
}

}  // namespace
}  // namespace ck::services
