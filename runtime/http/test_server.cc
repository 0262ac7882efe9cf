#include "runtime/http/test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <future>

namespace ck::http::testing {

int64_t monoMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool eventually(const std::function<bool()>& condition, int timeoutMs) {
  int64_t deadline = monoMs() + timeoutMs;
  while (true) {
    if (condition()) return true;
    if (monoMs() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

TestServer::TestServer(ServerConfig config, Router router, size_t threads) : router_(std::move(router)) {
  config.host = "127.0.0.1";
  config.port = 0;
  std::promise<int> ready;
  thread_ = std::thread([this, config, threads, &ready] {
    uv_loop_init(&loop_);
    loopThread_ = std::this_thread::get_id();
    uv_async_init(&loop_, &async_, &TestServer::onAsync);
    async_.data = this;
    pool_ = std::make_unique<WorkerPool>(&loop_, threads);
    server_ = std::make_unique<HttpServer>(&loop_, config, router_, *pool_, log_, clock_);
    Status st = server_->listen();
    ready.set_value(st.ok() ? server_->port() : -1);
    if (!st.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      commands_.push_back([this] { beginShutdown(); });
      uv_async_send(&async_);
    }
    uv_run(&loop_, UV_RUN_DEFAULT);
    server_.reset();
    pool_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    loopCloseResult_ = uv_loop_close(&loop_);
    std::deque<std::function<void()>> leftovers;
    {
      std::lock_guard<std::mutex> lock(mu_);
      loopDone_ = true;
      leftovers.swap(commands_);
    }
    for (auto& fn : leftovers) fn();  // unblocks waiters; the loop is gone
  });
  port_ = ready.get_future().get();
}

TestServer::~TestServer() { stop(); }

void TestServer::onAsync(uv_async_t* handle) { static_cast<TestServer*>(handle->data)->runCommands(); }

void TestServer::runCommands() {
  std::deque<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(commands_);
  }
  for (auto& fn : batch) fn();
}

void TestServer::onLoop(std::function<void()> fn) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  bool onThisThread = std::this_thread::get_id() == loopThread_;
  if (onThisThread) {
    fn();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (loopDone_) return;
    commands_.push_back([this, fn = std::move(fn), done] {
      bool loopAlive;
      {
        std::lock_guard<std::mutex> lock(mu_);
        loopAlive = !loopDone_;
      }
      if (loopAlive) fn();
      done->set_value();
    });
    uv_async_send(&async_);
  }
  finished.wait();
}

size_t TestServer::openConnections() {
  size_t n = 0;
  onLoop([&] { n = server_ ? server_->openConnections() : 0; });
  return n;
}

ServerStats TestServer::stats() {
  ServerStats s;
  onLoop([&] {
    if (server_) s = server_->stats();
  });
  return s;
}

void TestServer::beginShutdown() {
  auto start = [this] {
    if (shutdownBegun_) return;
    shutdownBegun_ = true;
    server_->shutdown([this] {
      {
        std::lock_guard<std::mutex> lock(mu_);
        shutdownDone_ = true;
      }
      pool_->stop();
      uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
    });
  };
  if (std::this_thread::get_id() == loopThread_) {
    start();
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (loopDone_) return;
  commands_.push_back(start);
  uv_async_send(&async_);
}

bool TestServer::shutdownDone() {
  std::lock_guard<std::mutex> lock(mu_);
  return shutdownDone_;
}

int TestServer::stop() {
  if (!joined_) {
    beginShutdown();
    thread_.join();
    joined_ = true;
  }
  return loopCloseResult_;
}

// ---------------------------------------------------------------------------

RawSocket::RawSocket(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawSocket::~RawSocket() { close(); }

void RawSocket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void RawSocket::shutdownWrite() { ::shutdown(fd_, SHUT_WR); }

bool RawSocket::send(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool RawSocket::readable(int timeoutMs) {
  pollfd pfd{fd_, POLLIN, 0};
  return ::poll(&pfd, 1, timeoutMs) == 1;
}

std::optional<ClientResponse> RawSocket::readResponse(int timeoutMs) {
  int64_t deadline = monoMs() + timeoutMs;
  char buf[16 * 1024];
  while (!parser_.hasResponse()) {
    int64_t left = deadline - monoMs();
    if (left <= 0) return std::nullopt;
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left)) != 1) continue;
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      if (!parser_.feed(buf, static_cast<size_t>(n)).ok()) return std::nullopt;
    } else if (n == 0) {
      (void)parser_.finish();
      break;
    } else if (errno != EINTR) {
      break;
    }
  }
  if (!parser_.hasResponse()) return std::nullopt;
  return parser_.take();
}

bool RawSocket::waitClosed(int timeoutMs, std::string* extra) {
  int64_t deadline = monoMs() + timeoutMs;
  char buf[16 * 1024];
  while (true) {
    int64_t left = deadline - monoMs();
    if (left <= 0) return false;
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left)) != 1) continue;
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      if (extra) extra->append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return true;
    if (errno == EINTR) continue;
    return true;  // reset
  }
}

}  // namespace ck::http::testing
