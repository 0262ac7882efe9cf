#pragma once

#include <uv.h>

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "base/clock.h"
#include "base/log.h"
#include "runtime/http/response_parser.h"
#include "runtime/http/router.h"
#include "runtime/http/server.h"
#include "runtime/http/worker_pool.h"

namespace ck::http::testing {

// An HttpServer and its WorkerPool on a uv loop of their own thread,
// listening on 127.0.0.1 and a free port, logging to memory. stop() shuts the
// server down the way the process does and reports whether the loop then
// closed with nothing left open.
class TestServer {
 public:
  explicit TestServer(ServerConfig config, Router router, size_t threads = 2);
  ~TestServer();  // stop()s if needed
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  int port() const { return port_; }
  std::thread::id loopThread() const { return loopThread_; }
  MemoryLogger& log() { return log_; }

  // Runs `fn` on the loop thread and waits for it.
  void onLoop(std::function<void()> fn);
  size_t openConnections();
  ServerStats stats();
  // Starts HttpServer::shutdown without waiting for it.
  void beginShutdown();
  bool shutdownDone();
  // Shuts down (unless begun), waits for the loop thread to finish and
  // returns uv_loop_close's result: 0 when nothing was left open.
  int stop();

 private:
  static void onAsync(uv_async_t* handle);
  void runCommands();

  Router router_;
  MemoryLogger log_;
  SystemClock clock_;
  uv_loop_t loop_{};
  uv_async_t async_{};
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::thread::id loopThread_;
  int port_ = -1;
  int loopCloseResult_ = -1;
  bool joined_ = false;

  std::mutex mu_;
  std::deque<std::function<void()>> commands_;  // GUARDED_BY(mu_)
  bool loopDone_ = false;                       // GUARDED_BY(mu_)
  bool shutdownBegun_ = false;                  // loop thread
  bool shutdownDone_ = false;                   // GUARDED_BY(mu_)
};

// A client socket for speaking raw HTTP with deadlines.
class RawSocket {
 public:
  explicit RawSocket(int port);  // connected, or fd() < 0
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  int fd() const { return fd_; }
  // Sends everything; false on an error (reset, closed).
  bool send(std::string_view data);
  // The next response (interim 1xx included), or nullopt at the deadline, on
  // a close before a complete response, or on garbage.
  std::optional<ClientResponse> readResponse(int timeoutMs = 5'000);
  // Waits for the server to end the connection: EOF (its write side shut
  // down, as after every `Connection: close` answer) or a reset. Bytes that
  // arrive first go to `extra`. False at the deadline.
  bool waitClosed(int timeoutMs, std::string* extra = nullptr);
  // Whether some bytes can be read right now (or within `timeoutMs`).
  bool readable(int timeoutMs = 0);
  void shutdownWrite();
  void close();

 private:
  int fd_ = -1;
  ResponseParser parser_;
};

// Polls `condition` until it holds or `timeoutMs` passes.
bool eventually(const std::function<bool()>& condition, int timeoutMs = 5'000);

// Milliseconds on a monotonic clock.
int64_t monoMs();

}  // namespace ck::http::testing
