#pragma once

// Applying a parsed policy: user subjects (emails) are bound to user ids
// once, and the rules are indexed for evaluation. The result, a
// BoundPolicy, is what the evaluator reads.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/policy.h"

namespace ck::services {

struct PolicyIndex;  // policy_index.h; the evaluator's view of the rules

// Email -> the user's id, or nullopt when there is no such user.
using UserIdLookup = std::function<std::optional<std::string>(std::string_view email)>;

// A policy with its user subjects bound and its rules indexed. Immutable
// after bindPolicy(), so any number of threads may evaluate against it; a
// policy change makes a new one (share it as shared_ptr<const BoundPolicy>,
// so a request keeps the policy it started with). Move-only. Decisions
// hold views into it: they are valid while it lives.
class BoundPolicy {
 public:
  BoundPolicy(BoundPolicy&&) noexcept;
  BoundPolicy& operator=(BoundPolicy&&) noexcept;
  ~BoundPolicy();

  const Policy& policy() const { return *policy_; }
  // One line per user subject that matched no user: that email's part of
  // the rule applies to no one until the policy is bound again (e.g.
  // `rules[2].users[0]: no user "x@example.com"; ...`).
  const std::vector<std::string>& warnings() const { return warnings_; }
  // For the evaluator (policy_eval.cc).
  const PolicyIndex& index() const { return *index_; }

 private:
  BoundPolicy();
  friend BoundPolicy bindPolicy(Policy policy, const UserIdLookup& lookupUserId);

  std::unique_ptr<const Policy> policy_;  // behind a pointer: views stay valid across moves
  std::vector<std::string> warnings_;
  std::unique_ptr<const PolicyIndex> index_;
};

// Binds `policy`'s user subjects through `lookupUserId` (called once per
// distinct email) and indexes the rules. Unknown emails leave their part of
// the rule inert and add a warning; binding never fails.
BoundPolicy bindPolicy(Policy policy, const UserIdLookup& lookupUserId);

}  // namespace ck::services
