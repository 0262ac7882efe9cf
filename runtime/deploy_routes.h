#pragma once

// The admin API of deploys and versions (DESIGN.md "Operations"), behind
// the admin token (runtime/routes.h adminOnly), on the direct lane (a deploy
// waits while the bundle loads on a JS worker):
//   POST /admin/apps/{id}/deploy    {"files": {"services/a.js": "...", ...},
//                                    "policy": {cloudkeep.json} (optional: keep the one in force)}
//        -> {"app", "version", "services": [...the catalog...], "warnings"}; a
//        bundle that fails: 400 (100701) "file:line[:col]: message"; a bad
//        path or policy: 400 (100600)
//   POST /admin/apps/{id}/rollback  -> the same shape for the version now active;
//        404 (100404) when there is no earlier version
//   GET  /admin/apps/{id}/versions  -> {"active", "versions": [{"version", "created", "files"}]}

#include "runtime/http/router.h"

namespace ck::services {
class Host;
class Deployer;
}  // namespace ck::services

namespace ck::runtime {

void addDeployRoutes(http::Router& router, services::Host& host, services::Deployer& deployer);

}  // namespace ck::runtime
