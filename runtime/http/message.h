#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/status.h"

namespace ck::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

class BodyStream;

// A parsed HTTP request, as a handler sees it. Owned by the connection until
// the handler has returned its response; handlers may modify it freely.
struct Request {
  std::string method;      // "GET", "POST", ...
  std::string target;      // the raw request target, e.g. "/a%20b/c?x=1"
  std::string path;        // percent-decoded path, e.g. "/a b/c"
  std::string rawQuery;    // the part after '?', undecoded
  HeaderList headers;      // names lower-cased, values as sent, in order
  std::vector<std::pair<std::string, std::string>> query;       // decoded, in order
  std::vector<std::pair<std::string, std::string>> pathParams;  // from the route pattern
  std::string body;        // the whole body (empty for streaming routes)
  BodyStream* bodyStream = nullptr;  // set only for streaming routes; valid during the handler
  std::string requestId;   // also sent back as `X-Request-Id`
  std::string remoteAddr;  // "127.0.0.1"

  // First header with that (lower-case) name, or nullopt.
  std::optional<std::string_view> header(std::string_view lowerName) const;
  // First query parameter with that name, or nullopt.
  std::optional<std::string_view> queryParam(std::string_view name) const;
  // The path parameter with that name; REQUIRES: the route pattern declares it.
  const std::string& pathParam(std::string_view name) const;
};

// A response body read from an open regular file. The server sends it in
// chunks that libuv's file pool reads (uv_fs_read), so the loop thread never
// waits on the disk and no file sits in memory whole. Owns the descriptor,
// which the destructor closes. Immutable; thread-safe to share.
class FileBody {
 public:
  // Takes `fd`; the body is `length` bytes from `offset`. A file that turns
  // out shorter than that ends the connection after what it had.
  FileBody(int fd, uint64_t offset, uint64_t length) : fd_(fd), offset_(offset), length_(length) {}
  ~FileBody();
  FileBody(const FileBody&) = delete;
  FileBody& operator=(const FileBody&) = delete;

  int fd() const { return fd_; }
  uint64_t offset() const { return offset_; }
  uint64_t length() const { return length_; }

 private:
  const int fd_;
  const uint64_t offset_;
  const uint64_t length_;
};

// A response to send. Content-Length, Date, X-Request-Id, Connection and
// CORS headers are added by the server.
struct Response {
  int status = 200;
  HeaderList headers;
  std::string body;
  // When set, the body comes from this file instead (`body` is ignored) and
  // Content-Length is its length. Shared, not unique: a Response is a
  // copyable value; the descriptor closes with the last copy.
  std::shared_ptr<const FileBody> file;

  static Response json(int status, const nlohmann::json& body);
  // A body that already is JSON text.
  static Response jsonText(int status, std::string body);
  // `{"code": <code>, "message": "..."}` with the code's HTTP status.
  static Response error(const Status& status);
  static Response error(ErrorCode code);
  static Response error(ErrorCode code, std::string message);
  Response& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// The body of a request on a streaming route, read by the handler on its
// worker thread while the loop thread keeps receiving. The loop stops reading
// from the socket while more than a bounded amount is buffered, so a slow
// handler applies back-pressure to the client.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Blocks until some bytes, the end or an error arrive. Returns the number of
  // bytes copied into `out` (at most `cap`); 0 means the body is complete.
  // A client that disconnects or exceeds the route's limit makes read return
  // an error Status (kBadRequest or kBodyTooLarge).
  virtual Result<size_t> read(char* out, size_t cap) = 0;
  // The declared Content-Length, or nullopt for chunked bodies.
  virtual std::optional<uint64_t> declaredLength() const = 0;
};

}  // namespace ck::http
