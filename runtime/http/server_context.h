#pragma once

#include <uv.h>

#include <cstddef>
#include <functional>
#include <memory>

#include "base/clock.h"
#include "base/log.h"
#include "runtime/http/async_lane.h"
#include "runtime/http/cors.h"
#include "runtime/http/request_id.h"
#include "runtime/http/response_head.h"
#include "runtime/http/router.h"
#include "runtime/http/server.h"
#include "runtime/http/worker_pool.h"

namespace ck::http {

class Connection;

// What every connection of one server shares: configuration, collaborators,
// caches and counters. Owned by HttpServer; loop thread only, except the
// immutable parts (config, router, cors) and the thread-safe logger.
struct ServerContext {
  ServerContext(uv_loop_t* loop, ServerConfig config, const Router& router, WorkerPool& pool, Logger& log,
                const Clock& clock, uint64_t idSeed)
      : loop(loop),
        config(std::move(config)),
        router(router),
        pool(pool),
        log(log),
        clock(clock),
        cors(this->config.corsOrigins),
        ids(idSeed),
        async(log) {}

  static constexpr size_t kReadBufferBytes = 64 * 1024;

  uv_loop_t* const loop;
  const ServerConfig config;
  const Router& router;
  WorkerPool& pool;
  Logger& log;
  const Clock& clock;
  const CorsPolicy cors;
  DateCache date;
  RequestIdGenerator ids;
  AsyncLane async;  // answers of kAsync routes; open from listen() to the end of shutdown
  ServerStats stats;
  bool shuttingDown = false;
  // One read buffer for every connection: libuv fills it and the connection
  // parses it before the read callback returns, copying what it keeps.
  std::unique_ptr<char[]> readBuffer = std::make_unique<char[]>(kReadBufferBytes);
  // Called once a connection has closed both handles and no handler holds
  // one of its exchanges; takes ownership (it deletes the connection).
  std::function<void(Connection*)> onConnectionDone;
};

}  // namespace ck::http
