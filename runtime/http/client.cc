#include "runtime/http/client.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "runtime/http/url.h"

namespace ck::http {
namespace {

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int remainingMs(int64_t deadlineMs) {
  int64_t left = deadlineMs - nowMs();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

Client::Client(std::string host, int port, int timeoutMs)
    : host_(std::move(host)), port_(port), timeoutMs_(timeoutMs > 0 ? timeoutMs : 1) {}

Client::~Client() { close(); }

void Client::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  parser_.reset();
}

std::string Client::fail(std::string_view what) const { return fmt::format("{}:{}: {}", host_, port_, what); }

Status Client::connect(int64_t deadlineMs) {
  close();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port_);
  if (int rc = ::getaddrinfo(host_.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return Status(ErrorCode::kInternal, fail(gai_strerror(rc)));
  }
  std::string lastError = "no address";
  for (addrinfo* ai = found; ai && fd_ < 0; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      lastError = std::strerror(errno);
      continue;
    }
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd pfd{fd, POLLOUT, 0};
      rc = ::poll(&pfd, 1, remainingMs(deadlineMs));
      if (rc == 1) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = err == 0 ? 0 : -1;
        errno = err;
      } else {
        if (rc == 0) errno = ETIMEDOUT;
        rc = -1;
      }
    }
    if (rc != 0) {
      lastError = errno == ETIMEDOUT ? fmt::format("connect timed out after {} ms", timeoutMs_)
                                     : std::string(std::strerror(errno));
      ::close(fd);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fd_ = fd;
  }
  ::freeaddrinfo(found);
  if (fd_ < 0) return Status(ErrorCode::kInternal, fail(lastError));
  parser_ = std::make_unique<ResponseParser>();
  return {};
}

Result<ClientResponse> Client::request(std::string_view method, std::string_view target, const HeaderList& headers,
                                       std::string_view body) {
  std::string wire;
  wire.reserve(256 + body.size());
  wire.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  bool hasHost = false;
  bool hasLength = false;
  for (const auto& [name, value] : headers) {
    if (equalsIgnoreCase(name, "host")) hasHost = true;
    if (equalsIgnoreCase(name, "content-length") || equalsIgnoreCase(name, "transfer-encoding")) hasLength = true;
    wire.append(name).append(": ").append(value).append("\r\n");
  }
  if (!hasHost) wire.append(fmt::format("Host: {}:{}\r\n", host_, port_));
  bool bodyMethod = method == "POST" || method == "PUT" || method == "PATCH";
  if (!hasLength && (!body.empty() || bodyMethod)) wire.append(fmt::format("Content-Length: {}\r\n", body.size()));
  if (!keepAlive_) wire.append("Connection: close\r\n");
  wire.append("\r\n");
  wire.append(body);
  bool isHead = method == "HEAD";

  int64_t deadline = nowMs() + timeoutMs_;
  bool reused = fd_ >= 0;
  if (!reused) {
    if (Status st = connect(deadline); !st.ok()) return st;
  }
  bool answered = false;
  Result<ClientResponse> r = attempt(wire, isHead, deadline, &answered);
  if (!r.ok() && reused && !answered && remainingMs(deadline) > 0) {
    // The server closed the idle connection before it saw this request.
    if (Status st = connect(deadline); !st.ok()) return st;
    r = attempt(wire, isHead, deadline, &answered);
  }
  if (!r.ok() || !r->keepAlive || !keepAlive_) close();
  return r;
}

// Sends `wire` while watching for an answer; returns the first final
// response. `answered` says whether any response byte arrived.
Result<ClientResponse> Client::attempt(const std::string& wire, bool isHead, int64_t deadlineMs, bool* answered) {
  if (isHead) parser_->expectHeadResponse();
  size_t sent = 0;
  bool sendFailed = false;
  char buf[64 * 1024];
  while (true) {
    while (parser_->hasResponse()) {
      ClientResponse r = parser_->take();
      if (r.status >= 200) {
        if (sent < wire.size()) r.keepAlive = false;  // the request was cut short
        return r;
      }
    }
    bool wantSend = sent < wire.size() && !sendFailed;
    pollfd pfd{fd_, static_cast<short>(POLLIN | (wantSend ? POLLOUT : 0)), 0};
    int left = remainingMs(deadlineMs);
    if (left == 0) return Status(ErrorCode::kInternal, fail(fmt::format("timed out after {} ms", timeoutMs_)));
    int rc = ::poll(&pfd, 1, left);
    if (rc < 0) {
      if (errno == EINTR) continue;
      return Status(ErrorCode::kInternal, fail(std::strerror(errno)));
    }
    if (rc == 0) continue;
    if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        *answered = true;
        if (Status st = parser_->feed(buf, static_cast<size_t>(n)); !st.ok()) {
          return Status(ErrorCode::kInternal, fail(st.message()));
        }
        continue;
      }
      if (n == 0) {
        if (Status st = parser_->finish(); !st.ok() || !parser_->hasResponse()) {
          return Status(ErrorCode::kInternal, fail("connection closed before a complete response"));
        }
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        return Status(ErrorCode::kInternal, fail(std::strerror(errno)));
      }
    }
    if (wantSend && (pfd.revents & POLLOUT)) {
      ssize_t n = ::send(fd_, wire.data() + sent, wire.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
      } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        // The server may have answered and stopped reading; keep reading.
        sendFailed = true;
      }
    }
  }
}

}  // namespace ck::http
