// The evaluator: walks the patterns that cover the resource, most specific
// first, and lets the first one with a matching rule decide. Without a
// trace it stops there; with one it walks on and records every rule
// considered ("not reached" below the deciding level).
#include "services/policy_eval.h"

#include <algorithm>
#include <span>

#include "base/errors.h"
#include "services/policy_index.h"

namespace ck::services {
namespace {

struct LevelInfo {
  std::string_view name;
  std::string_view doc;
};
constexpr LevelInfo kLevels[] = {
#define CK_DECISION_LEVEL_ENTRY(e, n, name, doc) {name, doc},
    CK_DECISION_LEVELS(CK_DECISION_LEVEL_ENTRY)
#undef CK_DECISION_LEVEL_ENTRY
};
constexpr std::string_view kDeciders[] = {
#define CK_DECIDER_ENTRY(e, name) name,
    CK_DECIDERS(CK_DECIDER_ENTRY)
#undef CK_DECIDER_ENTRY
};
constexpr std::string_view kVerdicts[] = {
#define CK_TRACE_VERDICT_ENTRY(e, name) name,
    CK_TRACE_VERDICTS(CK_TRACE_VERDICT_ENTRY)
#undef CK_TRACE_VERDICT_ENTRY
};

constexpr std::string_view kDefaultClient = "default: DENY for client principals";
constexpr std::string_view kDefaultServerCode = "default: GRANT for ServerCodeUser";

std::string inQuotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

// The principal as a decision sees it.
class Subject {
 public:
  bool serverCode = false;
  bool signedIn = false;            // owner policy applies (client, signed in)
  SystemRoleMask roles = 0;
  std::string_view userId;          // empty: no user
  int64_t userIdx = -1;             // in PolicyIndex::userIds; -1 when not a bound user
  const std::vector<std::string>* customRoleNames = nullptr;
  std::string_view serviceName;
  const ServiceEntry* service = nullptr;

  // Adds a custom role's id, keeping the ids sorted.
  void addRoleId(uint32_t id) {
    if (count_ < kInline) {
      size_t i = count_++;
      while (i > 0 && inline_[i - 1] > id) {
        inline_[i] = inline_[i - 1];
        --i;
      }
      inline_[i] = id;
      return;
    }
    if (more_.empty()) more_.assign(inline_, inline_ + count_);
    more_.insert(std::upper_bound(more_.begin(), more_.end(), id), id);
    ++count_;
  }
  std::span<const uint32_t> roleIds() const {
    return count_ <= kInline ? std::span<const uint32_t>(inline_, count_) : std::span<const uint32_t>(more_);
  }

 private:
  static constexpr size_t kInline = 16;
  uint32_t inline_[kInline] = {};
  size_t count_ = 0;
  std::vector<uint32_t> more_;  // only past kInline custom roles
};

bool intersects(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) return true;
    if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return false;
}

void subjectForClient(const PolicyIndex& index, const ClientIdentity& client, SystemRoleMask roles, Subject* s) {
  s->roles = roles;
  s->signedIn = client.authenticated;
  s->customRoleNames = &client.customRoles;
  for (const std::string& role : client.customRoles) {
    if (auto it = index.customRoleIds.find(role); it != index.customRoleIds.end()) s->addRoleId(it->second);
  }
  if (client.user) {
    s->userId = client.user->id;
    if (auto it = index.userIds.find(client.user->id); it != index.userIds.end()) s->userIdx = it->second;
  }
}

void subjectForService(const PolicyIndex& index, std::string_view service, Subject* s) {
  s->serverCode = true;
  s->roles = roleBit(SystemRole::kServerCodeUser);
  s->serviceName = service;
  if (auto it = index.services.find(service); it != index.services.end()) s->service = &it->second;
}

// Which of several matching entries of one pattern decides: a user's rule
// over role rules, then DENY over GRANT, then the first in policy order.
struct Pick {
  int pos = -1;
  bool byUser = false;
  Effect effect = Effect::kDeny;
};

class Evaluation {
 public:
  Evaluation(const BoundPolicy& bound, const Subject& subject, Op op, const ResourceRef& resource,
             const ObjectFacts* object, std::vector<TraceStep>* trace)
      : policy_(bound.policy()),
        index_(bound.index()),
        s_(subject),
        op_(op),
        bit_(opBit(op)),
        resource_(resource),
        object_(object),
        trace_(trace) {}

  Decision run() {
    if (opKind(op_) != resource_.kind()) {
      d_.allow = false;
      d_.level = DecisionLevel::kDefault;
      d_.by = Decider::kDefault;
      d_.text = "operation does not apply to this kind of resource";
      if (trace_) {
        step(DecisionLevel::kDefault, Decider::kDefault, -1, resource_.text(), std::string(d_.text), Effect::kDeny,
             TraceVerdict::kDecides,
             inQuotes(opName(op_)) + " is a " + std::string(resourceKindName(opKind(op_))) + " operation");
      }
      return std::move(d_);
    }
    acl();
    patterns();
    builtins();
    fallback();
    serviceGrants();
    return std::move(d_);
  }

 private:
  bool done() const { return decided_ && !trace_; }

  void decide(bool allow, DecisionLevel level, Decider by, int index, std::string_view text) {
    decided_ = true;
    d_.allow = allow;
    d_.level = level;
    d_.by = by;
    d_.index = index;
    d_.text = text;
  }

  void step(DecisionLevel level, Decider source, int index, std::string pattern, std::string text, Effect effect,
            TraceVerdict verdict, std::string why) {
    trace_->push_back(TraceStep{level, source, index, std::move(pattern), std::move(text), effect, verdict,
                                std::move(why)});
  }

  // The verdict of entry `i` given the pick of its pattern.
  static TraceVerdict verdictOf(bool matched, int i, const Pick& pick, bool byUser, Effect effect) {
    if (!matched) return TraceVerdict::kNoMatch;
    if (i == pick.pos) return TraceVerdict::kDecides;
    if (pick.byUser && !byUser) return TraceVerdict::kBeatenByUser;
    if (effect == Effect::kGrant && pick.effect == Effect::kDeny) return TraceVerdict::kBeatenByDeny;
    return TraceVerdict::kAgrees;
  }

  // Applies the precedence among `n` entries of one pattern.
  template <typename Matched, typename ByUser, typename EffectOf>
  static Pick pick(size_t n, Matched matched, ByUser byUser, EffectOf effectOf) {
    int userDeny = -1, userGrant = -1, roleDeny = -1, roleGrant = -1;
    for (size_t i = 0; i < n; ++i) {
      if (!matched(i)) continue;
      int& slot = byUser(i) ? (effectOf(i) == Effect::kDeny ? userDeny : userGrant)
                            : (effectOf(i) == Effect::kDeny ? roleDeny : roleGrant);
      if (slot < 0) slot = static_cast<int>(i);
    }
    Pick p;
    p.byUser = userDeny >= 0 || userGrant >= 0;
    int deny = p.byUser ? userDeny : roleDeny;
    int grant = p.byUser ? userGrant : roleGrant;
    p.pos = deny >= 0 ? deny : grant;
    p.effect = deny >= 0 ? Effect::kDeny : Effect::kGrant;
    return p;
  }

  bool subjectMatches(const IndexedRule& r) const {
    std::span<const uint32_t> ids(index_.ids.data() + r.idsBegin, r.idsEnd - r.idsBegin);
    if (r.byUser) return s_.userIdx >= 0 && std::binary_search(ids.begin(), ids.end(), static_cast<uint32_t>(s_.userIdx));
    return (r.systemRoles & s_.roles) != 0 || intersects(ids, s_.roleIds());
  }

  bool matches(const IndexedRule& r) const { return (r.ops & bit_) != 0 && subjectMatches(r); }

  // Why a rule matches or not (trace only).
  std::string whyRule(const IndexedRule& r, bool matched) const {
    const PolicyRule& rule = policy_.rules[r.rule];
    if ((r.ops & bit_) == 0) return "does not list " + inQuotes(opName(op_));
    if (r.byUser) {
      if (r.idsBegin == r.idsEnd) return "applies to no one: none of its emails is a user";
      if (matched) return "this user's rule";
      if (s_.serverCode) return "ServerCodeUser has no user (the caller never counts)";
      if (s_.userId.empty()) return "the principal has no user";
      return "not this user";
    }
    for (const std::string& role : rule.roles) {
      std::optional<SystemRole> sys = parseSystemRole(role);
      bool has = sys ? (s_.roles & roleBit(*sys)) != 0
                     : s_.customRoleNames != nullptr &&
                           std::find(s_.customRoleNames->begin(), s_.customRoleNames->end(), role) !=
                               s_.customRoleNames->end();
      if (has) return "the principal has role " + role;
    }
    return "the principal has none of its roles";
  }

  // Merges one subject's first rules into the running minimum.
  static void merge(const FirstRules& f, int* deny, int* grant) {
    if (f.deny >= 0 && (*deny < 0 || f.deny < *deny)) *deny = f.deny;
    if (f.grant >= 0 && (*grant < 0 || f.grant < *grant)) *grant = f.grant;
  }
  static const FirstRules* find(const std::vector<SubjectFirstRules>& v, uint32_t id) {
    auto it = std::lower_bound(v.begin(), v.end(), id, [](const SubjectFirstRules& e, uint32_t x) { return e.id < x; });
    return it != v.end() && it->id == id ? &it->first : nullptr;
  }

  // One pattern's rules through the bucket's subject index: the same pick
  // as scanning them, at the cost of the principal's few subjects.
  void indexedBucket(const RuleBucket& b, DecisionLevel level) {
    int8_t slot = b.opSlot[static_cast<size_t>(op_)];
    if (slot < 0) return;
    const OpSubjects& subjects = b.byOp[static_cast<size_t>(slot)];
    int deny = -1, grant = -1;
    if (s_.userIdx >= 0) {
      if (const FirstRules* f = find(subjects.users, static_cast<uint32_t>(s_.userIdx))) merge(*f, &deny, &grant);
    }
    bool byUser = deny >= 0 || grant >= 0;  // a user's rule beats role rules
    if (!byUser) {
      for (SystemRole role : kAllSystemRoles) {
        if (s_.roles & roleBit(role)) merge(subjects.systemRoles[static_cast<size_t>(role)], &deny, &grant);
      }
      if (!subjects.customRoles.empty()) {
        for (uint32_t id : s_.roleIds()) {
          if (const FirstRules* f = find(subjects.customRoles, id)) merge(*f, &deny, &grant);
        }
      }
    }
    int pos = deny >= 0 ? deny : grant;  // DENY beats GRANT
    if (pos < 0) return;
    const IndexedRule& r = b.rules[static_cast<size_t>(pos)];
    decide(deny < 0, level, Decider::kRule, static_cast<int>(r.rule), policy_.rules[r.rule].text);
  }

  // One pattern's rules.
  void bucket(const RuleBucket* b, DecisionLevel level) {
    if (b == nullptr || done()) return;
    if (!trace_) {
      if ((b->ops & bit_) != 0) indexedBucket(*b, level);
      return;
    }
    const std::vector<IndexedRule>& rules = b->rules;
    bool reached = !decided_;
    Pick p = pick(
        rules.size(), [&](size_t i) { return matches(rules[i]); }, [&](size_t i) { return rules[i].byUser; },
        [&](size_t i) { return rules[i].effect; });
    if (reached && p.pos >= 0) {
      const IndexedRule& r = rules[p.pos];
      decide(p.effect == Effect::kGrant, level, Decider::kRule, static_cast<int>(r.rule), policy_.rules[r.rule].text);
    }
    for (size_t i = 0; i < rules.size(); ++i) {
      const IndexedRule& r = rules[i];
      const PolicyRule& rule = policy_.rules[r.rule];
      bool matched = matches(r);
      TraceVerdict v = reached ? verdictOf(matched, static_cast<int>(i), p, r.byUser, r.effect) : TraceVerdict::kNotReached;
      std::string why = whyRule(r, matched);
      if (!reached && matched) why = "would match: " + why;
      step(level, Decider::kRule, static_cast<int>(r.rule), rule.on.text(), rule.text, r.effect, v, std::move(why));
    }
  }

  // Level 1.
  void acl() {
    if (object_ == nullptr || object_->acl.empty()) return;
    const std::vector<AclEntry>& acl = object_->acl;
    auto matched = [&](size_t i) {
      const AclEntry& e = acl[i];
      if ((e.ops & bit_) == 0) return false;
      if (e.byUser) return !s_.userId.empty() && e.subject == s_.userId;
      if (std::optional<SystemRole> sys = parseSystemRole(e.subject)) return (s_.roles & roleBit(*sys)) != 0;
      return s_.customRoleNames != nullptr && std::find(s_.customRoleNames->begin(), s_.customRoleNames->end(),
                                                        e.subject) != s_.customRoleNames->end();
    };
    Pick p = pick(acl.size(), matched, [&](size_t i) { return acl[i].byUser; }, [&](size_t i) { return acl[i].effect; });
    if (p.pos >= 0) decide(p.effect == Effect::kGrant, DecisionLevel::kObjectAcl, Decider::kObjectAcl, p.pos, "object ACL");
    if (!trace_) return;
    for (size_t i = 0; i < acl.size(); ++i) {
      const AclEntry& e = acl[i];
      bool m = matched(i);
      step(DecisionLevel::kObjectAcl, Decider::kObjectAcl, static_cast<int>(i), "object ACL",
           std::string(effectName(e.effect)) + " " + opMaskNames(e.ops) + " to " + (e.byUser ? "user " : "role ") + e.subject,
           e.effect, verdictOf(m, static_cast<int>(i), p, e.byUser, e.effect),
           m ? "the principal is its subject" : "does not list the operation or the principal");
    }
  }

  const RuleBucket* named(std::string_view name) const {
    const StringMap<RuleBucket>& map = index_.named[static_cast<size_t>(resource_.kind())];
    if (map.empty()) return nullptr;
    auto it = map.find(name);
    return it == map.end() ? nullptr : &it->second;
  }

  // Levels 2 to 6.
  void patterns() {
    std::string_view name = resource_.name();
    bucket(named(name), DecisionLevel::kExact);
    switch (resource_.kind()) {
      case ResourceKind::kFiles:
        // Folders above the path, longest first.
        while (name != "/" && !done()) {
          size_t slash = name.rfind('/');
          name = slash == 0 ? std::string_view("/") : name.substr(0, slash);
          bucket(named(name), DecisionLevel::kCovering);
        }
        break;
      case ResourceKind::kService:
        if (!resource_.method().empty()) bucket(named(resource_.serviceName()), DecisionLevel::kCovering);
        break;
      case ResourceKind::kData: ownerPolicy(); break;
      case ResourceKind::kUsers: break;
    }
    bucket(&index_.kindWildcard[static_cast<size_t>(resource_.kind())], DecisionLevel::kKindWildcard);
    bucket(&index_.global, DecisionLevel::kGlobal);
  }

  // Level 4.
  void ownerPolicy() {
    if (done() || index_.ownerPolicy.empty()) return;
    auto it = index_.ownerPolicy.find(resource_.name());
    if (it == index_.ownerPolicy.end()) return;
    const OwnerPolicyEntry& entry = it->second;
    bool reached = !decided_;
    bool applies = (entry.ops & bit_) != 0 && !s_.serverCode && s_.signedIn;
    std::string why;
    if (trace_) {
      why = (entry.ops & bit_) == 0 ? "does not list " + inQuotes(opName(op_))
            : s_.serverCode         ? "owner policy never applies to ServerCodeUser"
            : !s_.signedIn          ? "no signed-in user"
                                    : "";
    }
    bool allow = false, narrow = false;
    if (applies) {
      if (object_ != nullptr) {
        allow = !s_.userId.empty() && object_->ownerId == s_.userId;
        if (trace_) why = allow ? "the user owns the object" : "the object is not the user's";
      } else if (op_ == Op::kDataCreate) {
        allow = true;
        if (trace_) why = "the new row will be the user's";
      } else {
        allow = true;
        narrow = true;
        if (trace_) {
          why = "narrowed to rows whose ownerId is " + (s_.userId.empty() ? std::string("the user's id") : std::string(s_.userId));
        }
      }
    }
    if (reached && applies) {
      decide(allow, DecisionLevel::kOwnerPolicy, Decider::kOwnerPolicy, -1, entry.text);
      d_.narrowToOwner = narrow;
    }
    if (!trace_) return;
    TraceVerdict v = !reached ? TraceVerdict::kNotReached : applies ? TraceVerdict::kDecides : TraceVerdict::kNoMatch;
    if (!reached) {
      std::string decided = "level " + std::to_string(static_cast<int>(d_.level)) + " decided";
      why = applies ? "would apply, but " + decided + ": no narrowing to the user's rows" : why;
    }
    step(DecisionLevel::kOwnerPolicy, Decider::kOwnerPolicy, -1, "owner policy of " + std::string(resource_.name()),
         entry.text, applies ? (allow ? Effect::kGrant : Effect::kDeny) : Effect::kGrant, v, std::move(why));
  }

  // Level 7: the built-in rules.
  void builtins() {
    if (done()) return;
    const std::vector<BuiltinRule>& rules = builtinRules();
    auto matched = [&](size_t i) { return (rules[i].ops & bit_) != 0 && (rules[i].roles & s_.roles) != 0; };
    bool reached = !decided_;
    Pick p = pick(rules.size(), matched, [](size_t) { return false; }, [&](size_t i) { return rules[i].effect; });
    if (reached && p.pos >= 0) {
      decide(p.effect == Effect::kGrant, DecisionLevel::kDefault, Decider::kBuiltinRule, p.pos, rules[p.pos].text);
    }
    if (!trace_) return;
    for (size_t i = 0; i < rules.size(); ++i) {
      const BuiltinRule& r = rules[i];
      if (opKind(op_) != ResourceKind::kUsers) continue;  // only users operations have built-ins
      bool m = matched(i);
      std::string why = (r.ops & bit_) == 0 ? "does not list " + inQuotes(opName(op_))
                        : m                 ? "the principal has one of its roles"
                                            : "the principal has none of its roles";
      step(DecisionLevel::kDefault, Decider::kBuiltinRule, static_cast<int>(i), "users", std::string(r.text), r.effect,
           reached ? verdictOf(m, static_cast<int>(i), p, false, r.effect) : TraceVerdict::kNotReached, std::move(why));
    }
  }

  // Level 7: nothing matched.
  void fallback() {
    if (done()) return;
    std::string_view text = s_.serverCode ? kDefaultServerCode : kDefaultClient;
    bool reached = !decided_;
    if (reached) decide(s_.serverCode, DecisionLevel::kDefault, Decider::kDefault, -1, text);
    if (!trace_) return;
    step(DecisionLevel::kDefault, Decider::kDefault, -1, "default", std::string(text),
         s_.serverCode ? Effect::kGrant : Effect::kDeny, reached ? TraceVerdict::kDecides : TraceVerdict::kNotReached,
         reached ? "no rule matched" : "a rule decided");
  }

  // After the precedence: ServerCodeUser of a service with grants.
  void serviceGrants() {
    if (!s_.serverCode) return;
    const ServiceSettings* settings = s_.service ? s_.service->settings : nullptr;
    std::string label = trace_ ? "services." + std::string(s_.serviceName) + ".grants" : std::string();
    if (settings == nullptr || !settings->grants) {
      if (trace_) {
        step(DecisionLevel::kServiceGrants, Decider::kServiceGrant, -1, label, "", Effect::kGrant, TraceVerdict::kAllows,
             "the service declares no grants: it has the whole ServerCodeUser permission set");
      }
      return;
    }
    const std::vector<ServiceGrant>& grants = *settings->grants;
    if (!d_.allow) {
      if (trace_) {
        step(DecisionLevel::kServiceGrants, Decider::kServiceGrant, -1, label, "", Effect::kDeny,
             TraceVerdict::kNotReached, "not needed: the decision is already DENY");
      }
      return;
    }
    int covering = -1;
    for (size_t i = 0; i < grants.size() && covering < 0; ++i) {
      if ((grants[i].ops & bit_) != 0 && grants[i].on.covers(resource_)) covering = static_cast<int>(i);
    }
    if (covering < 0) {
      decide(false, DecisionLevel::kServiceGrants, Decider::kServiceGrant, -1, s_.service->label);
      d_.narrowToOwner = false;
    }
    if (!trace_) return;
    for (size_t i = 0; i < grants.size(); ++i) {
      const ServiceGrant& g = grants[i];
      bool listsOp = (g.ops & bit_) != 0;
      bool covers = g.on.covers(resource_);
      std::string why = !listsOp ? "does not list " + inQuotes(opName(op_))
                        : !covers ? inQuotes(g.on.text()) + " does not cover " + resource_.text()
                                  : "covers " + std::string(opName(op_)) + " on " + resource_.text();
      step(DecisionLevel::kServiceGrants, Decider::kServiceGrant, static_cast<int>(i), label + "[" + std::to_string(i) + "]",
           g.text, Effect::kGrant, static_cast<int>(i) == covering ? TraceVerdict::kAllows : TraceVerdict::kNoMatch,
           std::move(why));
    }
    if (covering < 0) {
      step(DecisionLevel::kServiceGrants, Decider::kServiceGrant, -1, label, "", Effect::kDeny, TraceVerdict::kRefuses,
           "no grant of the service covers " + std::string(opName(op_)) + " on " + resource_.text() +
               "; both the rules and the grants must allow");
    }
  }

  const Policy& policy_;
  const PolicyIndex& index_;
  const Subject& s_;
  Op op_;
  OpMask bit_;
  const ResourceRef& resource_;
  const ObjectFacts* object_;
  std::vector<TraceStep>* trace_;
  bool decided_ = false;
  Decision d_;
};

Decision adminDecision(std::vector<TraceStep>* trace) {
  Decision d;
  d.allow = true;
  d.level = DecisionLevel::kAdmin;
  d.by = Decider::kAdmin;
  d.text = "admin";
  if (trace) {
    trace->push_back(TraceStep{DecisionLevel::kAdmin, Decider::kAdmin, -1, "*", "admin", Effect::kGrant,
                               TraceVerdict::kDecides, "the admin bypasses policy (the call is audited)"});
  }
  return d;
}

Decision decideFor(const BoundPolicy& policy, const Principal& principal, Op op, const ResourceRef& resource,
                   const ObjectFacts* object, std::vector<TraceStep>* trace) {
  if (principal.isAdmin()) return adminDecision(trace);
  Subject s;
  if (principal.isServerCode()) {
    subjectForService(policy.index(), principal.service(), &s);
  } else {
    subjectForClient(policy.index(), *principal.clientIdentity(), principal.systemRoles(), &s);
  }
  Decision d = Evaluation(policy, s, op, resource, object, trace).run();
  return d;
}

Decision decideForService(const BoundPolicy& policy, std::string_view service, Op op, const ResourceRef& resource,
                          const ObjectFacts* object, std::vector<TraceStep>* trace) {
  Subject s;
  subjectForService(policy.index(), service, &s);
  return Evaluation(policy, s, op, resource, object, trace).run();
}

}  // namespace

std::string_view decisionLevelName(DecisionLevel level) { return kLevels[static_cast<size_t>(level)].name; }
std::string_view decisionLevelDoc(DecisionLevel level) { return kLevels[static_cast<size_t>(level)].doc; }
std::string_view deciderName(Decider decider) { return kDeciders[static_cast<size_t>(decider)]; }
std::string_view traceVerdictName(TraceVerdict verdict) { return kVerdicts[static_cast<size_t>(verdict)]; }

const std::vector<BuiltinRule>& builtinRules() {
  static const std::vector<BuiltinRule> kRules = {
      {Effect::kGrant, opBit(Op::kUsersRegister) | opBit(Op::kUsersLogin),
       roleBit(SystemRole::kNotAuthenticatedUser) | roleBit(SystemRole::kAuthenticatedUser),
       R"({"grant":["register","login"],"roles":["NotAuthenticatedUser","AuthenticatedUser"],"on":"users"})"},
      {Effect::kDeny, opBit(Op::kUsersImpersonate), roleBit(SystemRole::kServerCodeUser),
       R"({"deny":["impersonate"],"roles":["ServerCodeUser"],"on":"users"})"},
  };
  return kRules;
}

Status denialStatus(ErrorCode code, const Decision& decision, bool devMode) {
  std::string message(errorInfo(code).defaultMessage);
  if (devMode) {
    // Default decisions' texts already start with the level's name.
    const std::string_view level = decisionLevelName(decision.level);
    message += " (decided at level " + std::to_string(static_cast<int>(decision.level)) + ", ";
    if (!decision.text.starts_with(level)) message += std::string(level) + ": ";
    message += std::string(decision.text) + ")";
  }
  return Status(code, std::move(message));
}

Decision evaluate(const BoundPolicy& policy, const Principal& principal, Op op, const ResourceRef& resource,
                  const ObjectFacts* object) {
  return decideFor(policy, principal, op, resource, object, nullptr);
}

Decision evaluateAsService(const BoundPolicy& policy, std::string_view service, Op op, const ResourceRef& resource,
                           const ObjectFacts* object) {
  return decideForService(policy, service, op, resource, object, nullptr);
}

Explanation explain(const BoundPolicy& policy, const Principal& principal, Op op, const ResourceRef& resource,
                    const ObjectFacts* object) {
  Explanation e;
  e.principal = principal.describe();
  e.op = op;
  e.resource = resource.text();
  std::vector<TraceStep> trace;
  e.decision = decideFor(policy, principal, op, resource, object, &trace);
  e.decision.trace = std::move(trace);
  return e;
}

Explanation explainAsService(const BoundPolicy& policy, std::string_view service, Op op, const ResourceRef& resource,
                             const ObjectFacts* object) {
  Explanation e;
  e.principal = "ServerCodeUser of " + std::string(service);
  e.op = op;
  e.resource = resource.text();
  std::vector<TraceStep> trace;
  e.decision = decideForService(policy, service, op, resource, object, &trace);
  e.decision.trace = std::move(trace);
  return e;
}

}  // namespace ck::services
