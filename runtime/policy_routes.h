#pragma once

// The policy admin API: an app's policy in force, explain and policy tests
// (DESIGN.md "Permissions", "Commands"). Behind the admin token
// (runtime/routes.h adminOnly), on the direct lane. Errors are
// {"code", "message"}: 2002 for an unknown app, 100600 (400) for an invalid
// policy or request, naming the field ("rules[3].on: ...").
//
//   PUT  /admin/apps/{id}/policy       body: the cloudkeep.json text (a JSON object)
//        App::applyPolicy: validated, tables declared, user subjects bound,
//        stored and audited at once; an invalid policy changes nothing.
//        -> {"applied": epoch ms, "warnings": ["rules[2].users[0]: no user ...", ...]}
//   GET  /admin/apps/{id}/policy
//        -> the cloudkeep.json text in force, as it was applied; `{}` (the
//        empty policy, which is then in force) when none was ever applied.
//   POST /admin/apps/{id}/explain
//        {"op": "find", "resource": "data:Restaurant", "key": "REST",
//         "as": {"user": email} | {"role": R} | {"service": Name, "user"?: email}}
//        `as` absent: a client that is not signed in. `key` (REST, JS, IOS,
//        ANDROID; default REST) may also sit inside `as`, as in policy tests.
//        A user is looked up in the app (id, custom roles); a role is a
//        signed-in hypothetical user (NotAuthenticatedUser: not signed in);
//        a service is its ServerCodeUser (or, for "runAs": "caller", its
//        caller's client principal), as services/policy_tests.h describes.
//        -> explainJson (services/policy_eval.h) plus "text": explainText.
//   POST /admin/apps/{id}/policy/test  body: cloudkeep.json text, optional
//        Runs the body's `tests` (empty body: the policy in force's) against
//        the app's real users.
//        -> {"passed": n, "failed": n,
//            "results": [{"index", "passed", "summary", "explain"?: explainJson}],
//            "report": policyTestReport text}

#include "runtime/http/router.h"

namespace ck::services {
class Host;
}

namespace ck::runtime {

void addPolicyRoutes(http::Router& router, services::Host& host);

}  // namespace ck::runtime
