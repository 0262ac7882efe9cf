#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/log.h"
#include "base/random.h"
#include "base/status.h"
#include "runtime/config.h"

namespace ck::services {
class Deployer;
class Host;
class Invoker;
}

namespace ck::runtime {

// The cloudkeep server core: the data folder's host, the JavaScript lane
// (services::Invoker: the JS workers and their isolates), the HTTP server,
// its direct-lane worker pool and routes, on a libuv loop that runs on a
// thread of its own.
//
// Owned by main (or a test, which starts it in-process on port 0). start()
// and stop() are called from one controlling thread; the loop thread is
// private to the server. Environmental failures at start (unwritable data
// folder, port in use) come back as a Status; nothing is left running then.
class Server {
 public:
  Server(Config config, Logger& log, const Clock& clock, Random& random);
  ~Server();  // stops the server if it is running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the data folder, binds the listening socket and starts serving.
  Status start();
  // Graceful: stops accepting, finishes in-flight requests (up to the grace
  // period), closes every handle, then lets the JS lane finish what it has
  // queued and joins its workers. Idempotent.
  void stop();

  // REQUIRES: start() succeeded.
  int port() const;
  std::string url() const;  // "http://127.0.0.1:PORT"
  services::Host& host();
  services::Invoker& invoker();
  services::Deployer& deployer();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ck::runtime
