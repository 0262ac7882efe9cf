#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "runtime/http/message.h"
#include "runtime/http/response_parser.h"

namespace ck::http {

// A minimal blocking HTTP/1.1 client over POSIX sockets, for the CLI and
// tests. One connection at a time, kept alive between requests when the
// server allows it (a reused connection that turns out closed before any
// answer is reconnected once). Adds Host and Content-Length; reads bodies
// framed by Content-Length, chunked encoding or the end of the connection,
// and skips interim 1xx answers. While sending a body it also watches for an
// early answer (a 413 sent before the body is read) and returns that.
//
// Not thread-safe: one thread uses a Client at a time. Failures to connect,
// send or receive (refused, reset, timed out, not HTTP) come back as an error
// Status with code kInternal and a message naming the host and the cause.
class Client {
 public:
  // `timeoutMs` bounds the connect and, separately, each request from its
  // first byte sent to the last byte of the answer.
  Client(std::string host, int port, int timeoutMs = 10'000);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Result<ClientResponse> request(std::string_view method, std::string_view target, const HeaderList& headers = {},
                                 std::string_view body = {});
  Result<ClientResponse> get(std::string_view target, const HeaderList& headers = {}) {
    return request("GET", target, headers);
  }
  Result<ClientResponse> post(std::string_view target, std::string_view body, const HeaderList& headers = {}) {
    return request("POST", target, headers, body);
  }

  // When false, every request says `Connection: close` and gets its own
  // connection. Default true.
  void setKeepAlive(bool keepAlive) { keepAlive_ = keepAlive; }
  // Closes the connection (the next request opens a new one).
  void close();
  bool connected() const { return fd_ >= 0; }

 private:
  Status connect(int64_t deadlineMs);
  Result<ClientResponse> attempt(const std::string& wire, bool isHead, int64_t deadlineMs, bool* answered);
  std::string fail(std::string_view what) const;

  std::string host_;
  int port_;
  int timeoutMs_;
  bool keepAlive_ = true;
  int fd_ = -1;
  std::unique_ptr<ResponseParser> parser_;
};

}  // namespace ck::http
