#include "services/policy_bind.h"

#include <algorithm>
#include <map>
#include <utility>

#include "services/policy_index.h"

namespace ck::services {

BoundPolicy::BoundPolicy() = default;
BoundPolicy::BoundPolicy(BoundPolicy&&) noexcept = default;
BoundPolicy& BoundPolicy::operator=(BoundPolicy&&) noexcept = default;
BoundPolicy::~BoundPolicy() = default;

namespace {

// The bucket a pattern's rules go to.
RuleBucket& bucketFor(PolicyIndex& index, const ResourcePattern& on) {
  switch (on.shape()) {
    case ResourcePattern::Shape::kGlobal: return index.global;
    case ResourcePattern::Shape::kKindWildcard: return index.kindWildcard[static_cast<size_t>(on.kind())];
    case ResourcePattern::Shape::kName: break;
  }
  StringMap<RuleBucket>& named = index.named[static_cast<size_t>(on.kind())];
  auto it = named.find(on.name());
  if (it == named.end()) it = named.emplace(std::string(on.name()), RuleBucket{}).first;
  return it->second;
}

// Keeps the lower position of each kind.
void note(FirstRules* first, Effect effect, int32_t pos) {
  int32_t& slot = effect == Effect::kDeny ? first->deny : first->grant;
  if (slot < 0) slot = pos;
}

std::vector<SubjectFirstRules> flatten(const std::map<uint32_t, FirstRules>& byId) {
  std::vector<SubjectFirstRules> out;
  out.reserve(byId.size());
  for (const auto& [id, first] : byId) out.push_back({id, first});
  return out;
}

// Builds the bucket's per-op, per-subject view of its rules.
void indexSubjects(const PolicyIndex& index, RuleBucket* bucket) {
  for (Op op : kAllOps) {
    if ((bucket->ops & opBit(op)) == 0) continue;
    OpSubjects subjects;
    std::map<uint32_t, FirstRules> custom, users;
    for (size_t pos = 0; pos < bucket->rules.size(); ++pos) {
      const IndexedRule& r = bucket->rules[pos];
      if ((r.ops & opBit(op)) == 0) continue;
      auto p = static_cast<int32_t>(pos);
      for (uint32_t i = r.idsBegin; i < r.idsEnd; ++i) note(&(r.byUser ? users : custom)[index.ids[i]], r.effect, p);
      for (SystemRole role : kAllSystemRoles) {
        if (r.systemRoles & roleBit(role)) note(&subjects.systemRoles[static_cast<size_t>(role)], r.effect, p);
      }
    }
    subjects.customRoles = flatten(custom);
    subjects.users = flatten(users);
    bucket->opSlot[static_cast<size_t>(op)] = static_cast<int8_t>(bucket->byOp.size());
    bucket->byOp.push_back(std::move(subjects));
  }
}

}  // namespace

BoundPolicy bindPolicy(Policy policy, const UserIdLookup& lookupUserId) {
  BoundPolicy bound;
  auto owned = std::make_unique<Policy>(std::move(policy));
  auto index = std::make_unique<PolicyIndex>();
  const Policy& p = *owned;

  for (const std::string& role : p.roles) {
    index->customRoleIds.emplace(role, static_cast<uint32_t>(index->customRoleIds.size()));
  }

  std::map<std::string, std::optional<std::string>, std::less<>> emails;  // one lookup per email
  for (uint32_t r = 0; r < p.rules.size(); ++r) {
    const PolicyRule& rule = p.rules[r];
    IndexedRule entry;
    entry.ops = rule.ops;
    entry.rule = r;
    entry.effect = rule.effect;
    entry.byUser = rule.byUser();
    std::vector<uint32_t> ids;
    for (const std::string& role : rule.roles) {
      if (std::optional<SystemRole> sys = parseSystemRole(role)) {
        entry.systemRoles |= roleBit(*sys);
      } else if (auto it = index->customRoleIds.find(role); it != index->customRoleIds.end()) {
        ids.push_back(it->second);
      }
    }
    for (size_t u = 0; u < rule.users.size(); ++u) {
      const std::string& email = rule.users[u];
      auto found = emails.find(email);
      if (found == emails.end()) found = emails.emplace(email, lookupUserId(email)).first;
      if (!found->second || found->second->empty()) {
        bound.warnings_.push_back("rules[" + std::to_string(r) + "].users[" + std::to_string(u) + "]: no user \"" +
                                  email + "\"; this part of the rule applies to no one until the policy is applied again");
        continue;
      }
      auto id = index->userIds.find(*found->second);
      if (id == index->userIds.end()) {
        id = index->userIds.emplace(*found->second, static_cast<uint32_t>(index->userIds.size())).first;
      }
      ids.push_back(id->second);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    entry.idsBegin = static_cast<uint32_t>(index->ids.size());
    index->ids.insert(index->ids.end(), ids.begin(), ids.end());
    entry.idsEnd = static_cast<uint32_t>(index->ids.size());

    RuleBucket& bucket = bucketFor(*index, rule.on);
    bucket.ops |= entry.ops;
    bucket.rules.push_back(entry);
  }

  indexSubjects(*index, &index->global);
  for (RuleBucket& bucket : index->kindWildcard) indexSubjects(*index, &bucket);
  for (StringMap<RuleBucket>& named : index->named) {
    for (auto& [name, bucket] : named) indexSubjects(*index, &bucket);
  }

  for (const auto& [table, settings] : p.tables) {
    if (settings.ownerPolicy == 0) continue;
    std::string list;
    for (Op op : kAllOps) {
      if (settings.ownerPolicy & opBit(op)) list += (list.empty() ? "\"" : ",\"") + std::string(opName(op)) + "\"";
    }
    index->ownerPolicy.emplace(table, OwnerPolicyEntry{settings.ownerPolicy, "tables." + table + ".ownerPolicy: [" + list + "]"});
  }
  for (const auto& [name, settings] : p.services) {
    index->services.emplace(name, ServiceEntry{&settings, "services." + name + ".grants"});
  }

  bound.policy_ = std::move(owned);
  bound.index_ = std::move(index);
  return bound;
}

}  // namespace ck::services
