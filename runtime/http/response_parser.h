#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "runtime/http/message.h"

namespace ck::http {

// An HTTP response as a client receives it.
struct ClientResponse {
  int status = 0;
  HeaderList headers;  // names lower-cased, values as sent, in order
  std::string body;    // de-chunked
  bool keepAlive = false;  // the connection may carry another request

  // First header with that (lower-case) name, or nullopt.
  std::optional<std::string_view> header(std::string_view lowerName) const;
};

// Parses HTTP/1.x responses from a byte stream (llhttp underneath): feed it
// what the socket returns and take complete responses out in order, interim
// 1xx responses included. Bodies are framed by Content-Length, chunked
// encoding, or the end of the stream (finish()). Not thread-safe.
class ResponseParser {
 public:
  ResponseParser();
  ~ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  // The next response to start answers a HEAD request: it has no body.
  void expectHeadResponse();
  // Parses `n` bytes. An error Status (kBadRequest) means the stream is not
  // HTTP; the parser is then unusable.
  Status feed(const char* data, size_t n);
  // The peer closed: completes a body delimited by the end of the stream.
  Status finish();

  bool hasResponse() const { return !done_.empty(); }
  ClientResponse take();
  // Whether some bytes of a response not yet complete have been parsed.
  bool midResponse() const { return inMessage_; }

 private:
  struct Parser;
  std::unique_ptr<Parser> p_;
  std::deque<ClientResponse> done_;
  ClientResponse current_;
  bool inMessage_ = false;
  bool inField_ = false;
  bool nextIsHead_ = false;
  bool currentIsHead_ = false;

  friend struct ResponseParserCallbacks;
};

}  // namespace ck::http
