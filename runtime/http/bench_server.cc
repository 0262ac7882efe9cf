// A server with `GET /health` on the loop lane, for comparing throughput with
// other servers under wrk. Usage: http_bench_server [port] [--log]
// (--log writes the access log to /dev/null, to measure its cost).
#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/clock.h"
#include "base/log.h"
#include "runtime/http/router.h"
#include "runtime/http/server.h"
#include "runtime/http/worker_pool.h"

int main(int argc, char** argv) {
  int port = argc > 1 ? std::atoi(argv[1]) : 8080;
  bool logAccess = argc > 2 && std::strcmp(argv[2], "--log") == 0;
  std::FILE* devnull = std::fopen("/dev/null", "w");
  ck::StreamLogger log(logAccess ? devnull : stderr, logAccess ? ck::LogLevel::kInfo : ck::LogLevel::kWarn,
                       ck::LogFormat::kHuman);
  ck::SystemClock clock;
  ck::http::Router router;
  router.add(
      "GET", "/health",
      [](ck::http::Request&) {
        ck::http::Response r;
        r.body = "ok";
        r.header("Content-Type", "text/plain");
        return r;
      },
      {.lane = ck::http::Lane::kLoop});
  uv_loop_t* loop = uv_default_loop();
  ck::http::WorkerPool pool(loop, 1);
  ck::http::ServerConfig config;
  config.port = port;
  ck::http::HttpServer server(loop, config, router, pool, log, clock);
  if (ck::Status st = server.listen(); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "listening on 127.0.0.1:%d\n", server.port());
  return uv_run(loop, UV_RUN_DEFAULT);
}
