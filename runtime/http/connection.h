#pragma once

#include <llhttp.h>
#include <uv.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <string>

#include "base/status.h"
#include "runtime/http/exchange.h"
#include "runtime/http/server_context.h"

namespace ck::http {

// One accepted TCP connection. Parses requests with llhttp as bytes arrive,
// queues them in arrival order (up to ServerConfig::maxPipelined, then stops
// reading), runs them one at a time on their lane and writes the responses
// in the same order (an asynchronous handler's answer included: the next
// request waits for it). Enforces the per-request limits and timeouts, answering
// each violation with its status, `Connection: close` and a graceful close:
// shut the write side down, read and discard for a bounded time, then close.
//
// Lives on the loop thread. Owns its socket and timer handles and every
// Exchange. It is done once both handles are closed and no pool handler
// holds one of its exchanges (a worker may still run after the socket is
// gone); then it detaches the exchange an asynchronous handler still owes
// (that late answer is dropped) and hands itself to
// ServerContext::onConnectionDone, which deletes it.
class Connection {
 public:
  explicit Connection(ServerContext& ctx);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }
  // Starts reading. REQUIRES: uv_accept succeeded on stream(). With
  // `overCapacity` answers 503 and closes instead.
  void start(bool overCapacity);
  // The server is shutting down: close now if idle; a partial request gets
  // 503; requests in flight finish and their responses say Connection: close.
  void beginShutdown();
  // Closes both handles now (idempotent). Streams of running handlers fail.
  void closeNow();
  // The answer an asynchronous handler owed for `ex` arrived (from
  // AsyncLane). May delete this.
  void onAsyncDone(Exchange& ex, Response response);

 private:
  enum class TimerMode : uint8_t { kNone, kHeader, kIdle, kDrain };

  // libuv callbacks.
  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void onWrite(uv_write_t* req, int status);
  static void onFileWrite(uv_write_t* req, int status);
  static void onFileRead(uv_fs_t* req);
  static void onShutdown(uv_shutdown_t* req, int status);
  static void onTimer(uv_timer_t* timer);
  static void onClose(uv_handle_t* handle);

  // llhttp callbacks.
  static const llhttp_settings_t* parserSettings();
  static int onMessageBegin(llhttp_t* p);
  static int onSpan(llhttp_t* p, const char* at, size_t len);
  static int onUrl(llhttp_t* p, const char* at, size_t len);
  static int onHeaderField(llhttp_t* p, const char* at, size_t len);
  static int onHeaderFieldComplete(llhttp_t* p);
  static int onHeaderValue(llhttp_t* p, const char* at, size_t len);
  static int onHeadersComplete(llhttp_t* p);
  static int onChunkHeader(llhttp_t* p);
  static int onBody(llhttp_t* p, const char* at, size_t len);
  static int onMessageComplete(llhttp_t* p);

  // Parsing.
  void feed(const char* data, size_t len);
  bool countHeaderBytes(const char* at, size_t len);
  int headersComplete();
  void resumeParsing();
  void onPeerEnd();
  void onStreamDrained();

  // Answering.
  void pump();
  void pumpOnce();
  void dispatch(Exchange& ex);
  static void runHandler(ServerContext& ctx, Exchange& ex);
  void runAsyncHandler(Exchange& ex);
  void onHandlerDone(Exchange& ex);
  void afterHandler(Exchange& ex);
  void sendContinue(Exchange& ex);
  void write(Exchange& ex, const Response& r);
  void readFileChunk(Exchange& ex);
  void afterWrite(Exchange& ex, int status);
  void logAccess(Exchange& ex, int status);

  // Refusing and closing.
  void refuse(ErrorCode code);
  void gracefulClose();
  void failStreams(const Status& status);
  void maybeDestroy();

  void updateReading();
  void startTimer(TimerMode mode, uint64_t ms);
  void stopTimer();
  bool idle() const;
  std::unique_ptr<Exchange> newExchange();
  void recycle(std::unique_ptr<Exchange> ex);

  ServerContext& ctx_;
  uv_tcp_t tcp_;
  uv_timer_t timer_;
  uv_shutdown_t shutdownReq_;
  llhttp_t parser_;
  std::string remoteAddr_ = "-";
  int handlesOpen_ = 0;
  TimerMode timerMode_ = TimerMode::kNone;

  // Requests whose headers are complete (plus a refusal), oldest first. The
  // first `writing_` have their responses handed to uv_write; the next one
  // is the one being handled.
  std::deque<std::unique_ptr<Exchange>> queue_;
  size_t writing_ = 0;
  std::unique_ptr<Exchange> partial_;  // the request whose headers are still arriving
  Exchange* parsing_ = nullptr;        // the request being parsed: partial_, or queue_.back()
  std::unique_ptr<Exchange> spare_;    // recycled for the next request

  // Header accounting for the request being parsed (see countHeaderBytes).
  bool inHeaders_ = false;
  bool inHeaderField_ = false;
  size_t headerCarried_ = 0;
  const char* headerMark_ = nullptr;

  std::string pendingInput_;  // read but not parsed while paused for the queue
  size_t drained_ = 0;        // bytes discarded while draining

  bool reading_ = false;
  bool pausedForQueue_ = false;   // maxPipelined requests queued: parser paused
  bool streamPaused_ = false;     // a streaming body's buffer is full
  bool stopParsing_ = false;      // no further requests on this connection
  bool refused_ = false;          // an error answer is queued; nothing more is parsed
  bool closeAfterWrite_ = false;  // a response with Connection: close is on its way
  bool peerEnded_ = false;        // the client shut its write side
  bool draining_ = false;         // answered for the last time: discarding input until close
  bool closing_ = false;          // uv_close called
  bool handlerRunning_ = false;   // an exchange is on a worker (not counting async handlers)
  bool fileReading_ = false;      // a file body's chunk is being read (uv_fs_read in flight)
  bool fileSending_ = false;      // a file body is being sent: later answers wait for its end
  bool pumping_ = false;          // pump() is on the stack
  bool pumpAgain_ = false;        // a nested pump() asked it to look at the queue again
};

}  // namespace ck::http
