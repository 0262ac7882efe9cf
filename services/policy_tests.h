#pragma once

// Policy tests: the `tests` array of cloudkeep.json, evaluated against a
// bound policy (what `cloudkeep policy test` runs).
//
// Each test's principal is built as its `as` says:
//   {"user": email, "key": K}       the client principal of that user (looked
//                                   up: id and custom roles), signed in, key K;
//   {"role": R, "key": K}           NotAuthenticatedUser: no user; any other
//                                   role: a signed-in hypothetical user with
//                                   role R (AuthenticatedUser: no custom role);
//   {"service": S, "user"?: email}  ServerCodeUser of S (evaluateAsService),
//                                   or, when S has "runAs": "caller", the
//                                   caller's client principal (key K, default
//                                   REST; no user: not signed in).
// A test whose user does not exist fails with a message saying so.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/policy_bind.h"
#include "services/policy_eval.h"

namespace ck::services {

struct PolicyTestUser {
  std::string id;
  std::vector<std::string> roles;  // custom roles
};

// Email -> the user, or nullopt when there is none.
using PolicyTestUserLookup = std::function<std::optional<PolicyTestUser>(std::string_view email)>;

struct PolicyTestResult {
  size_t index = 0;
  bool passed = false;
  // `tests[1]: boris@example.com (REST) invoke service:CustomerService.getRestaurants:
  // expected grant, got deny`, or the reason the test could not run.
  std::string summary;
  std::optional<Explanation> explanation;  // failing tests that ran
};

std::vector<PolicyTestResult> runPolicyTests(const BoundPolicy& policy, const PolicyTestUserLookup& users);

// "N of M policy tests passed", then each failure with its explain text.
std::string policyTestReport(const std::vector<PolicyTestResult>& results);

// The policy's `dev.users` as a directory (ids "dev:<email>"), to bind and
// test a policy without a running app.
PolicyTestUserLookup devUserLookup(const Policy& policy);
UserIdLookup devUserIdLookup(const Policy& policy);

}  // namespace ck::services
