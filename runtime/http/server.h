#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "runtime/http/router.h"

typedef struct uv_loop_s uv_loop_t;

namespace ck::http {

class WorkerPool;

// Every limit a client meets at the HTTP layer, with its default.
struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 0;                              // 0: any free port (see HttpServer::port)
  size_t maxConnections = 10'000;            // beyond: 503 and close
  size_t maxHeaderBytes = 16 * 1024;         // request line + headers; beyond: 431
  size_t maxUrlBytes = 8 * 1024;             // request target; beyond: 414
  size_t maxBodyBytes = 10 * 1024 * 1024;    // default per route; beyond: 413
  uint64_t headerTimeoutMs = 10'000;         // whole header block must arrive in this; else 408
  uint64_t keepAliveIdleMs = 60'000;         // idle keep-alive connections are closed after this
  uint64_t drainTimeoutMs = 2'000;           // after refusing, read and discard at most this long
  size_t drainMaxBytes = 1024 * 1024;        // ... and at most this many bytes, then close
  size_t maxPipelined = 64;                  // parsed requests queued per connection before reading pauses
  std::vector<std::string> corsOrigins = {"*"};  // allowed origins; "*" any (never with credentials)
  uint64_t shutdownGraceMs = 10'000;         // in-flight requests get this long on shutdown
  size_t streamBufferBytes = 1024 * 1024;    // streaming routes: body bytes buffered before reading pauses
};

// Counters for tests and metrics; read on the loop thread.
struct ServerStats {
  uint64_t connectionsAccepted = 0;
  uint64_t requests = 0;            // requests answered or abandoned (one access-log line each)
  uint64_t refusals = 0;            // connections closed after an error status (413, 431, 503, ...)
  uint64_t streamReadPauses = 0;    // times a streaming body's full buffer paused reading
};

// An HTTP/1.1 server on a libuv loop. Parses with llhttp on the loop thread,
// routes there, and runs handlers on their lane (the loop itself for kLoop,
// the WorkerPool for kDirect; kAsync handlers start on the loop and answer
// later, from any thread, through a Responder); responses go out in request
// order per connection (pipelining). Lives on the loop thread: every method but
// `port()` must be called from it.
//
// Fails at listen() with an error Status (address in use, bad host); after
// that, client errors are answered per request and never stop the server.
// Every refusal (limits, malformed input, overload) is sent with
// `Connection: close`, then the write side is shut down and input is read and
// discarded for a bounded time before closing, so the client gets the answer
// instead of a reset. One access-log line per request (info: id, method,
// route pattern, status, bytes out, µs, remote address; never the raw path,
// query, headers or body); status 499 marks a request whose connection
// closed before its response was written. listen() ignores SIGPIPE for the
// process (a peer that resets must not kill the server).
//
// REQUIRES: the Router, WorkerPool, Logger and Clock outlive the server; the
// pool runs on the same loop; shutdown() has completed (or listen() was never
// called) before the destructor runs.
class HttpServer {
 public:
  HttpServer(uv_loop_t* loop, ServerConfig config, const Router& router, WorkerPool& pool,
             Logger& log, const Clock& clock);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  Status listen();
  // The bound port (useful with port 0). Valid after a successful listen().
  int port() const;
  // Stops accepting, lets in-flight requests finish (up to shutdownGraceMs),
  // closes idle connections and every handle; then calls `done` on the loop
  // thread. The loop then has nothing of the server left open.
  // A handler that never returns keeps `done` waiting (its connection is
  // closed at the grace deadline, but its Exchange stays until it returns).
  // An asynchronous answer still owed at the grace deadline does not: its
  // connection is closed and freed, and the late answer is dropped.
  void shutdown(std::function<void()> done);

  size_t openConnections() const;
  const ServerStats& stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ck::http
