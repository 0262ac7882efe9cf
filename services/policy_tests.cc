#include "services/policy_tests.h"

#include <utility>

namespace ck::services {
namespace {

// The test's client principal, or the reason it cannot be made.
Result<Principal> clientFor(const PolicyTestCase& test, const PolicyTestUserLookup& users) {
  ClientIdentity identity;
  identity.key = test.key;
  if (!test.user.empty()) {
    std::optional<PolicyTestUser> user = users(test.user);
    if (!user) return Status(ErrorCode::kInvalidArgument, "no user \"" + test.user + "\"");
    identity.authenticated = true;
    identity.user = PrincipalUser{user->id, test.user};
    identity.customRoles = user->roles;
  } else if (!test.role.empty() && test.role != systemRoleName(SystemRole::kNotAuthenticatedUser)) {
    identity.authenticated = true;
    if (test.role != systemRoleName(SystemRole::kAuthenticatedUser)) identity.customRoles.push_back(test.role);
  }
  return Principal::client(std::move(identity));
}

std::string describeAs(const PolicyTestCase& test) {
  std::string key(clientKindName(test.key));
  if (!test.service.empty()) {
    return "service " + test.service + (test.user.empty() ? "" : " called by " + test.user + " (" + key + ")");
  }
  return (test.user.empty() ? "role " + test.role : test.user) + " (" + key + ")";
}

}  // namespace

std::vector<PolicyTestResult> runPolicyTests(const BoundPolicy& policy, const PolicyTestUserLookup& users) {
  std::vector<PolicyTestResult> results;
  const std::vector<PolicyTestCase>& tests = policy.policy().tests;
  for (size_t i = 0; i < tests.size(); ++i) {
    const PolicyTestCase& test = tests[i];
    PolicyTestResult r;
    r.index = i;
    std::string head = "tests[" + std::to_string(i) + "]: " + describeAs(test) + " " + std::string(opName(test.op)) +
                       " " + test.on.text();
    bool runsAsCaller = false;
    if (!test.service.empty()) {
      auto it = policy.policy().services.find(test.service);
      runsAsCaller = it != policy.policy().services.end() && it->second.runAs == RunAs::kCaller;
    }
    Explanation e;
    if (!test.service.empty() && !runsAsCaller) {
      e = explainAsService(policy, test.service, test.op, test.on);
    } else {
      Result<Principal> principal = clientFor(test, users);
      if (!principal.ok()) {
        r.summary = head + ": cannot run: " + principal.status().message();
        results.push_back(std::move(r));
        continue;
      }
      e = explain(policy, *principal, test.op, test.on);
      if (runsAsCaller) e.principal = "caller of " + test.service + " (runAs: caller): " + e.principal;
    }
    bool granted = e.decision.allow;
    r.passed = granted == (test.expect == Effect::kGrant);
    r.summary = head + ": expected " + std::string(effectName(test.expect)) + ", got " + (granted ? "grant" : "deny");
    if (!r.passed) r.explanation = std::move(e);
    results.push_back(std::move(r));
  }
  return results;
}

std::string policyTestReport(const std::vector<PolicyTestResult>& results) {
  size_t passed = 0;
  for (const PolicyTestResult& r : results) passed += r.passed ? 1 : 0;
  std::string out = std::to_string(passed) + " of " + std::to_string(results.size()) + " policy tests passed\n";
  for (const PolicyTestResult& r : results) {
    if (r.passed) continue;
    out += "FAIL " + r.summary + "\n";
    if (r.explanation) out += explainText(*r.explanation);
  }
  return out;
}

PolicyTestUserLookup devUserLookup(const Policy& policy) {
  return [users = policy.devUsers](std::string_view email) -> std::optional<PolicyTestUser> {
    for (const DevUser& u : users) {
      if (u.email == email) return PolicyTestUser{"dev:" + u.email, u.roles};
    }
    return std::nullopt;
  };
}

UserIdLookup devUserIdLookup(const Policy& policy) {
  return [lookup = devUserLookup(policy)](std::string_view email) -> std::optional<std::string> {
    std::optional<PolicyTestUser> user = lookup(email);
    if (!user) return std::nullopt;
    return user->id;
  };
}

}  // namespace ck::services
