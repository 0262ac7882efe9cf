#pragma once

#include "runtime/http/router.h"

namespace ck::services {
class Host;
}

namespace ck::runtime {

// GET /health: a constant answer on the loop lane.
void addHealthRoutes(http::Router& router);

// The admin API under /admin/, every route behind the admin token
// (`Authorization: Bearer <token>`):
//   GET  /admin/apps                         list apps (with their API keys)
//   POST /admin/apps            {"name"}     create an app
//   GET  /admin/apps/{id}                    one app
//   GET  /admin/apps/{id}/settings           the app's settings as an object
//   PUT  /admin/apps/{id}/settings/{key}     {"value": "..."}: set one (durable when answered)
void addAdminRoutes(http::Router& router, services::Host& host);

}  // namespace ck::runtime
