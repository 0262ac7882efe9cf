#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/errors.h"
#include "runtime/http/message.h"
#include "runtime/http/request_id.h"
#include "runtime/http/router.h"
#include "runtime/http/stream_buffer.h"

namespace ck::http {

class Connection;
struct AsyncCall;

// One request and its response, from the first byte parsed until the
// response is written (or the connection dies). Owned by its Connection,
// which recycles it for the next request. While `running` on the worker
// pool, a worker thread owns `request` and `response`; the loop thread then
// touches only the other fields (and `stream`, which is thread-safe). An
// asynchronous handler uses `request` only during its call on the loop.
struct Exchange {
  enum class State : uint8_t {
    kPending,  // parsing, waiting for its turn, or running
    kWriting,  // response being written (see Connection::write)
    kDone,     // response written
  };

  // Clears everything for reuse, keeping string capacity.
  void reset();

  Connection* conn = nullptr;
  Request request;
  Response response;     // the handler's answer (or a preset one)
  Response refusal;      // the server's error answer when `refusalCode` is set
  const Route* route = nullptr;
  ErrorCode refusalCode = ErrorCode::kOk;  // answer with this error, then close
  State state = State::kPending;

  bool headersDone = false;   // in the connection's queue from here on
  bool bodyDone = false;
  bool preset = false;        // `response` is ready without a handler (404, 405, preflight)
  bool running = false;       // a handler holds it (on a worker, or an async route's Responder)
  bool keepAlive = true;
  bool closeAfter = false;    // answer with Connection: close
  bool headRequest = false;
  bool expectContinue = false;
  bool continueSent = false;
  bool logged = false;

  char id[RequestIdGenerator::kLength] = {};
  uint8_t method = 0;           // llhttp_method_t, for the loop side's use while running
  std::string allowOrigin;      // CORS Allow-Origin value, empty for none
  size_t bodyLimit = 0;
  uint64_t bodyBytes = 0;
  std::unique_ptr<StreamBuffer> stream;
  // Set while an asynchronous handler owes the answer (see AsyncLane).
  std::shared_ptr<AsyncCall> async;

  uint64_t startNs = 0;
  size_t bytesOut = 0;
  int statusSent = 0;
  std::string head;  // serialized status line + headers, alive until the write completes
  uv_write_t writeReq;
  uv_write_t continueReq;

  // A file body being sent: the next chunk is read at `fileOffset` into
  // `fileBuf` (by libuv's file pool, `fsReq`), then written; `fileLeft`
  // bytes remain after what is in flight.
  std::shared_ptr<const FileBody> file;
  uint64_t fileOffset = 0;
  uint64_t fileLeft = 0;
  std::unique_ptr<char[]> fileBuf;
  uv_fs_t fsReq;
};

}  // namespace ck::http
