#pragma once

// The evaluator's index of a bound policy (internal to the access layer:
// only policy_bind.cc builds it and policy_eval.cc reads it).
//
// Rules are grouped by the pattern they are written on, so one decision
// looks up only the patterns that cover its resource: for data:T the bucket
// of "T", owner policy of T, data:* and *; for files:/a/b the buckets of
// "/a/b", "/a", "/", files:* and *; for service:N.m "N.m", "N", service:*
// and *. Subjects are small integers: the principal's roles and user id are
// looked up once per decision, and each bucket answers, per operation and
// subject, its first DENY and first GRANT (OpSubjects), so the cost of a
// decision does not grow with the number of rules on one pattern. explain()
// scans the rules themselves, since it reports each.

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "services/access_types.h"
#include "services/policy.h"

namespace ck::services {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

// One rule of a bucket.
struct IndexedRule {
  OpMask ops = 0;
  SystemRoleMask systemRoles = 0;  // role subjects that are system roles
  uint32_t rule = 0;               // index in Policy::rules
  uint32_t idsBegin = 0;           // [idsBegin, idsEnd) in PolicyIndex::ids: sorted custom role
  uint32_t idsEnd = 0;             // ids (role rules) or user ids (user rules)
  Effect effect = Effect::kGrant;
  bool byUser = false;
};

// Of the rules of one bucket listing one op: the first (lowest position in
// RuleBucket::rules) DENY and the first GRANT naming one subject; -1: none.
struct FirstRules {
  int32_t deny = -1;
  int32_t grant = -1;
};
struct SubjectFirstRules {
  uint32_t id = 0;  // a custom role id or a user id
  FirstRules first;
};

// One op of one bucket, by subject: a decision looks up the principal's
// few subjects instead of scanning the bucket's rules.
struct OpSubjects {
  FirstRules systemRoles[kSystemRoleCount];
  std::vector<SubjectFirstRules> customRoles;  // sorted by id
  std::vector<SubjectFirstRules> users;        // sorted by id
};

// The rules written on one pattern, in policy order.
struct RuleBucket {
  OpMask ops = 0;  // union of the rules' ops: a bucket without the op is skipped whole
  std::vector<IndexedRule> rules;
  int8_t opSlot[kOpCount];        // index in byOp, -1 when no rule lists the op
  std::vector<OpSubjects> byOp;   // built by bindPolicy once the rules are in
  RuleBucket() { std::fill(std::begin(opSlot), std::end(opSlot), int8_t{-1}); }
};

struct OwnerPolicyEntry {
  OpMask ops = 0;
  std::string text;  // `tables.Order.ownerPolicy: ["find","update"]`
};

struct ServiceEntry {
  const ServiceSettings* settings = nullptr;  // into the BoundPolicy's Policy
  std::string label;                          // `services.CustomerService.grants`
};

struct PolicyIndex {
  StringMap<uint32_t> customRoleIds;  // declared custom role -> id
  StringMap<uint32_t> userIds;        // bound user id -> id
  std::vector<uint32_t> ids;          // the rules' subject id lists, back to back

  RuleBucket global;                              // "*"
  RuleBucket kindWildcard[kResourceKindCount];    // "data:*", ...
  StringMap<RuleBucket> named[kResourceKindCount];  // by ResourcePattern::name()
  StringMap<OwnerPolicyEntry> ownerPolicy;        // by table
  StringMap<ServiceEntry> services;               // by service name
};

}  // namespace ck::services
