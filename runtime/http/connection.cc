#include "runtime/http/connection.h"

#include <algorithm>
#include <cassert>
#include <exception>
#include <string_view>
#include <utility>

// Connection's life cycle, answering in order, refusing and closing. The
// parsing side is in connection_parse.cc.

namespace ck::http {
namespace {

const char* methodName(uint8_t method) { return llhttp_method_name(static_cast<llhttp_method_t>(method)); }

constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

// A file body is read and written in chunks of this size.
constexpr size_t kFileChunkBytes = 256 * 1024;

// Writes what the socket takes of `*bufs` (`*count` buffers) without
// waiting, and advances both past it. True when all of it went. On
// UV_EAGAIN or an error nothing is written: uv_write then queues it or
// reports the error as it does for any write.
bool writeNow(uv_stream_t* s, uv_buf_t*& bufs, unsigned& count) {
  int n = uv_try_write(s, bufs, count);
  if (n < 0) return false;
  auto left = static_cast<size_t>(n);
  while (count > 0 && left >= bufs->len) {
    left -= bufs->len;
    ++bufs;
    --count;
  }
  if (count == 0) return true;
  bufs->base += left;
  bufs->len -= static_cast<unsigned>(left);
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------
// Life cycle

Connection::Connection(ServerContext& ctx) : ctx_(ctx) {
  uv_tcp_init(ctx_.loop, &tcp_);
  tcp_.data = this;
  uv_timer_init(ctx_.loop, &timer_);
  timer_.data = this;
  handlesOpen_ = 2;
  llhttp_init(&parser_, HTTP_REQUEST, parserSettings());
  parser_.data = this;
}

Connection::~Connection() = default;

void Connection::start(bool overCapacity) {
  uv_tcp_nodelay(&tcp_, 1);
  sockaddr_storage addr{};
  int len = sizeof addr;
  if (uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    char buf[64] = {};
    if (addr.ss_family == AF_INET6) {
      uv_ip6_name(reinterpret_cast<sockaddr_in6*>(&addr), buf, sizeof buf);
    } else {
      uv_ip4_name(reinterpret_cast<sockaddr_in*>(&addr), buf, sizeof buf);
    }
    remoteAddr_ = buf;
  }
  if (overCapacity) {
    refuse(ErrorCode::kTooManyConnections);
    pump();
    return;
  }
  startTimer(TimerMode::kHeader, ctx_.config.headerTimeoutMs);
  updateReading();
}

void Connection::beginShutdown() {
  if (closing_ || draining_) return;
  if (queue_.empty()) {
    if (!partial_ && !parsing_) {
      closeNow();
      return;
    }
    refuse(ErrorCode::kShuttingDown);
    updateReading();
    pump();
    return;
  }
  // Requests in flight finish; write() adds Connection: close from now on,
  // and afterWrite() closes once nothing is left.
}

void Connection::closeNow() {
  if (closing_) return;
  closing_ = true;
  reading_ = false;
  failStreams(Status(ErrorCode::kBadRequest, "Client disconnected"));
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &Connection::onClose);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &Connection::onClose);
}

void Connection::onClose(uv_handle_t* handle) {
  auto* c = static_cast<Connection*>(handle->data);
  --c->handlesOpen_;
  c->maybeDestroy();
}

void Connection::maybeDestroy() {
  if (handlesOpen_ > 0 || handlerRunning_ || fileReading_) return;
  for (auto& ex : queue_) {
    ctx_.async.detach(*ex);  // an answer still owed is dropped when it comes
    if (ex->headersDone || ex->refusalCode != ErrorCode::kOk) logAccess(*ex, 499);
  }
  ctx_.onConnectionDone(this);  // deletes this
}

// ---------------------------------------------------------------------------
// Reading

void Connection::onAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(handle->data);
  buf->base = c->ctx_.readBuffer.get();
  buf->len = ServerContext::kReadBufferBytes;
}

void Connection::onRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(s->data);
  if (nread > 0) {
    size_t n = static_cast<size_t>(nread);
    if (c->draining_) {
      c->drained_ += n;
      if (c->drained_ > c->ctx_.config.drainMaxBytes) c->closeNow();
      return;
    }
    if (c->closing_ || c->refused_ || c->stopParsing_) return;
    if (c->pausedForQueue_) {
      c->pendingInput_.append(buf->base, n);
      return;
    }
    c->feed(buf->base, n);
  } else if (nread < 0) {
    if (nread == UV_EOF) {
      c->onPeerEnd();
    } else {
      c->closeNow();
    }
  }
}

void Connection::updateReading() {
  bool want = !closing_ && (draining_ || (!refused_ && !stopParsing_ && !pausedForQueue_ && !streamPaused_ &&
                                          !peerEnded_));
  if (want == reading_) return;
  if (want) {
    if (uv_read_start(stream(), &Connection::onAlloc, &Connection::onRead) != 0) {
      closeNow();
      return;
    }
    reading_ = true;
  } else {
    uv_read_stop(stream());
    reading_ = false;
  }
}

void Connection::onPeerEnd() {
  peerEnded_ = true;
  if (draining_ || partial_ || parsing_) {
    // Done draining, or the client gave up in the middle of a request.
    closeNow();
    return;
  }
  updateReading();
  if (queue_.empty() && pendingInput_.empty()) closeNow();
  // Otherwise the complete requests are answered first (see afterWrite).
}

// ---------------------------------------------------------------------------
// Answering, strictly in request order

// Not re-entered: a response written at once finishes inside write(), and
// afterWrite() pumps; that nested call only asks this loop to look again.
void Connection::pump() {
  if (pumping_) {
    pumpAgain_ = true;
    return;
  }
  pumping_ = true;
  do {
    pumpAgain_ = false;
    pumpOnce();
  } while (pumpAgain_);
  pumping_ = false;
}

void Connection::pumpOnce() {
  while (!closing_ && !draining_ && !closeAfterWrite_ && !fileSending_ && writing_ < queue_.size()) {
    Exchange& ex = *queue_[writing_];
    if (ex.refusalCode != ErrorCode::kOk) {
      // Sent even while a streaming handler still runs: it only gets errors now.
      write(ex, ex.refusal);
      return;
    }
    if (ex.running) return;
    if (ex.preset) {
      if (!ex.bodyDone) {
        if (!ex.expectContinue) return;  // read (and drop) the body first
        ex.closeAfter = true;            // the client waits: answer now, and close
      }
      write(ex, ex.response);
      continue;
    }
    if (!ex.bodyDone && ex.expectContinue && !ex.continueSent) sendContinue(ex);
    if (!ex.bodyDone && !ex.stream) return;
    dispatch(ex);
  }
}

void Connection::sendContinue(Exchange& ex) {
  ex.continueSent = true;
  uv_buf_t buf = uv_buf_init(const_cast<char*>(kContinue), sizeof kContinue - 1);
  ex.continueReq.data = this;
  if (uv_write(&ex.continueReq, stream(), &buf, 1, [](uv_write_t*, int) {}) != 0) closeNow();
}

void Connection::dispatch(Exchange& ex) {
  if (ex.route->options.lane == Lane::kAsync) {
    ex.running = true;
    runAsyncHandler(ex);
    return;
  }
  if (ex.route->options.lane == Lane::kLoop && !ex.stream) {
    runHandler(ctx_, ex);
    write(ex, ex.response);
    return;
  }
  ex.running = true;
  handlerRunning_ = true;
  Exchange* p = &ex;
  ServerContext* ctx = &ctx_;
  ctx_.pool.post([ctx, p] { runHandler(*ctx, *p); }, [this, p] { onHandlerDone(*p); });
}

void Connection::runHandler(ServerContext& ctx, Exchange& ex) {
  std::string_view error;
  try {
    ex.response = ex.route->handler(ex.request);
    return;
  } catch (const std::exception& e) {
    ctx.log.error("handler threw", {{"id", std::string_view(ex.id, RequestIdGenerator::kLength)},
                                    {"route", ex.route->pattern},
                                    {"error", e.what()}});
  } catch (...) {
    ctx.log.error("handler threw", {{"id", std::string_view(ex.id, RequestIdGenerator::kLength)},
                                    {"route", ex.route->pattern},
                                    {"error", "a non-standard exception"}});
  }
  std::string message = "Internal error, ref ";
  message.append(ex.id, RequestIdGenerator::kLength);
  ex.response = Response::error(ErrorCode::kInternal, std::move(message));
}

// On the loop thread. The answer comes later through AsyncLane (even one sent
// before the handler returns), so nothing here runs twice.
void Connection::runAsyncHandler(Exchange& ex) {
  Responder responder = ctx_.async.begin(ex);
  std::string error;
  try {
    ex.route->asyncHandler(ex.request, std::move(responder));
    return;
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "a non-standard exception";
  }
  // Unless the handler handed its Responder on before throwing, the
  // Responder went with the exception, and its 500 is on the way.
  ctx_.log.error("handler threw", {{"id", std::string_view(ex.id, RequestIdGenerator::kLength)},
                                  {"route", ex.route->pattern},
                                  {"error", error}});
}

void Connection::onAsyncDone(Exchange& ex, Response response) {
  ex.response = std::move(response);
  afterHandler(ex);
}

void Connection::onHandlerDone(Exchange& ex) {
  handlerRunning_ = false;
  if (ex.stream) {
    // Nobody reads this body any more: never wait for its buffer to drain.
    streamPaused_ = false;
    if (!ex.bodyDone) {
      ex.closeAfter = true;
      stopParsing_ = true;
      ex.stream->fail(Status(ErrorCode::kBadRequest, "Handler finished before the body"));
    }
  }
  afterHandler(ex);
}

void Connection::afterHandler(Exchange& ex) {
  ex.running = false;
  if (closing_) {
    maybeDestroy();  // may delete this
    return;
  }
  if (ex.state != Exchange::State::kPending) return;  // its refusal went out while it ran
  write(ex, ex.response);
  pump();
  updateReading();
}

void Connection::write(Exchange& ex, const Response& r) {
  // After the client's half-close, the last complete request closes the connection.
  bool lastBeforePeerEnd = peerEnded_ && writing_ + 1 == queue_.size() && pendingInput_.empty();
  bool keepAlive = ex.keepAlive && !ex.closeAfter && ex.refusalCode == ErrorCode::kOk && !ctx_.shuttingDown &&
                   !lastBeforePeerEnd;
  if (!keepAlive) {
    // The last answer on this connection: nothing after it is parsed (the
    // drain that follows the write discards the rest).
    ex.closeAfter = true;
    closeAfterWrite_ = true;
    stopParsing_ = true;
    updateReading();
  }
  HeadParams hp;
  hp.requestId = std::string_view(ex.id, RequestIdGenerator::kLength);
  hp.date = ctx_.date.get(ctx_.clock.nowMs());
  hp.allowOrigin = ex.allowOrigin;
  hp.varyOrigin = ctx_.cors.echoesOrigin();
  hp.keepAlive = keepAlive;
  hp.headRequest = ex.headRequest;
  ex.head.clear();
  bool withBody = appendResponseHead(ex.head, r, hp);
  if (withBody && r.file) {
    // The head now; the file's chunks follow from onFileWrite.
    ex.file = r.file;
    ex.fileOffset = r.file->offset();
    ex.fileLeft = r.file->length();
    ex.statusSent = r.status;
    ex.bytesOut = ex.head.size();
    ex.state = Exchange::State::kWriting;
    ++writing_;
    fileSending_ = true;  // its chunks are written one after another: nothing may come between
    ex.writeReq.data = &ex;
    uv_buf_t head = uv_buf_init(ex.head.data(), static_cast<unsigned>(ex.head.size()));
    if (int rc = uv_write(&ex.writeReq, stream(), &head, 1, &Connection::onFileWrite); rc != 0) afterWrite(ex, rc);
    return;
  }
  uv_buf_t bufs[2] = {uv_buf_init(ex.head.data(), static_cast<unsigned>(ex.head.size())),
                      uv_buf_init(const_cast<char*>(r.body.data()), static_cast<unsigned>(r.body.size()))};
  uv_buf_t* first = bufs;
  unsigned count = withBody ? 2 : 1;
  ex.statusSent = r.status;
  ex.bytesOut = ex.head.size() + (withBody ? r.body.size() : 0);
  ex.state = Exchange::State::kWriting;
  ++writing_;
  // Straight to the socket, and finished here, when no earlier write of this
  // connection still awaits its callback (a 100 Continue's uv_write_t lives
  // in `ex`): a uv_write, even one libuv completes at once, costs an
  // epoll_ctl on the next loop iteration, when libuv stops watching for
  // POLLOUT. A client that keeps the queue full is answered through
  // uv_write, a queue per loop iteration, so its backlog never holds the loop.
  if (writing_ == 1 && !ex.continueSent && !pausedForQueue_ && writeNow(stream(), first, count)) {
    afterWrite(ex, 0);
    return;
  }
  ex.writeReq.data = &ex;
  if (uv_write(&ex.writeReq, stream(), first, count, &Connection::onWrite) != 0) {
    ex.state = Exchange::State::kPending;
    --writing_;
    closeNow();
  }
}

void Connection::onWrite(uv_write_t* req, int status) {
  auto* ex = static_cast<Exchange*>(req->data);
  ex->conn->afterWrite(*ex, status);
}

// A file body's head or chunk is written: read the next chunk, or finish.
void Connection::onFileWrite(uv_write_t* req, int status) {
  auto* ex = static_cast<Exchange*>(req->data);
  Connection* c = ex->conn;
  if (status < 0 || ex->fileLeft == 0) {
    c->afterWrite(*ex, status);
    return;
  }
  c->readFileChunk(*ex);
}

// On the loop thread; the read itself runs on libuv's file pool.
void Connection::readFileChunk(Exchange& ex) {
  if (closing_) {
    afterWrite(ex, UV_ECANCELED);
    return;
  }
  if (!ex.fileBuf) ex.fileBuf = std::make_unique_for_overwrite<char[]>(kFileChunkBytes);
  uv_buf_t buf = uv_buf_init(ex.fileBuf.get(), static_cast<unsigned>(std::min<uint64_t>(ex.fileLeft, kFileChunkBytes)));
  ex.fsReq.data = &ex;
  int rc = uv_fs_read(ctx_.loop, &ex.fsReq, ex.file->fd(), &buf, 1, static_cast<int64_t>(ex.fileOffset),
                      &Connection::onFileRead);
  if (rc != 0) {
    uv_fs_req_cleanup(&ex.fsReq);
    ctx_.log.error("file body read failed", {{"id", std::string_view(ex.id, RequestIdGenerator::kLength)},
                                            {"error", uv_strerror(rc)}});
    afterWrite(ex, rc);
    return;
  }
  fileReading_ = true;
}

void Connection::onFileRead(uv_fs_t* req) {
  auto* ex = static_cast<Exchange*>(req->data);
  Connection* c = ex->conn;
  const ssize_t n = req->result;
  uv_fs_req_cleanup(req);
  c->fileReading_ = false;
  if (c->closing_) {
    c->maybeDestroy();  // may delete c
    return;
  }
  if (n <= 0) {
    // An error, or the file is shorter than the Content-Length already sent:
    // the client must see a truncated response, so the connection ends here.
    c->ctx_.log.error("file body ended early", {{"id", std::string_view(ex->id, RequestIdGenerator::kLength)},
                                                {"error", n < 0 ? uv_strerror(static_cast<int>(n)) : "end of file"}});
    c->afterWrite(*ex, n < 0 ? static_cast<int>(n) : UV_EOF);
    return;
  }
  const auto got = static_cast<uint64_t>(n);
  ex->fileOffset += got;
  ex->fileLeft -= std::min(got, ex->fileLeft);
  ex->bytesOut += got;
  uv_buf_t buf = uv_buf_init(ex->fileBuf.get(), static_cast<unsigned>(got));
  if (int rc = uv_write(&ex->writeReq, c->stream(), &buf, 1, &Connection::onFileWrite); rc != 0) {
    c->afterWrite(*ex, rc);
  }
}

void Connection::afterWrite(Exchange& ex, int status) {
  if (ex.file) fileSending_ = false;
  --writing_;
  ex.state = Exchange::State::kDone;
  if (status == 0) logAccess(ex, ex.statusSent);
  if (closing_ || status < 0) {
    closeNow();  // the exchanges left are logged and freed with the connection
    return;
  }
  bool closeAfter = ex.closeAfter;
  if (!ex.running) {
    assert(!queue_.empty() && queue_.front().get() == &ex);
    if (parsing_ == &ex) parsing_ = nullptr;
    std::unique_ptr<Exchange> done = std::move(queue_.front());
    queue_.pop_front();
    recycle(std::move(done));
  }
  if (closeAfter) {
    gracefulClose();
    return;
  }
  if (pausedForQueue_ && queue_.size() < ctx_.config.maxPipelined) resumeParsing();
  pump();
  if (closing_ || draining_ || !idle()) return;
  if (peerEnded_ || ctx_.shuttingDown) {
    closeNow();
    return;
  }
  startTimer(TimerMode::kIdle, ctx_.config.keepAliveIdleMs);
}

void Connection::logAccess(Exchange& ex, int status) {
  if (ex.logged) return;
  ex.logged = true;
  ++ctx_.stats.requests;
  if (!ctx_.log.enabled(LogLevel::kInfo)) return;
  uint64_t us = (uv_hrtime() - ex.startNs) / 1000;
  ctx_.log.info("request", {{"id", std::string_view(ex.id, RequestIdGenerator::kLength)},
                            {"method", ex.headersDone ? methodName(ex.method) : "-"},
                            {"route", ex.route ? std::string_view(ex.route->pattern) : std::string_view("-")},
                            {"status", status},
                            {"bytes", static_cast<uint64_t>(ex.bytesOut)},
                            {"us", us},
                            {"remote", remoteAddr_}});
}

// ---------------------------------------------------------------------------
// Refusing and closing

// Queues `code` as the answer to the request being parsed (or to a new
// exchange when none is), after whatever is already queued; nothing more is
// parsed. pump() sends it with Connection: close when its turn comes.
void Connection::refuse(ErrorCode code) {
  if (refused_ || closing_ || draining_) return;
  refused_ = true;
  ++ctx_.stats.refusals;
  if (timerMode_ == TimerMode::kHeader || timerMode_ == TimerMode::kIdle) stopTimer();
  Exchange* ex = nullptr;
  if (partial_) {
    queue_.push_back(std::move(partial_));
    ex = queue_.back().get();
  } else if (parsing_) {
    ex = parsing_;
  } else {
    queue_.push_back(newExchange());
    ex = queue_.back().get();
  }
  parsing_ = nullptr;
  inHeaders_ = false;
  ex->refusalCode = code;
  ex->refusal = Response::error(code);
  if (ex->stream) ex->stream->fail(Status::error(code));
}

void Connection::gracefulClose() {
  if (closing_ || draining_) return;
  draining_ = true;
  drained_ = 0;
  stopTimer();
  failStreams(Status(ErrorCode::kBadRequest, "Connection closing"));
  if (peerEnded_) {
    closeNow();
    return;
  }
  shutdownReq_.data = this;
  if (uv_shutdown(&shutdownReq_, stream(), &Connection::onShutdown) != 0) {
    closeNow();
    return;
  }
  startTimer(TimerMode::kDrain, ctx_.config.drainTimeoutMs);
  updateReading();
}

void Connection::onShutdown(uv_shutdown_t* req, int status) {
  auto* c = static_cast<Connection*>(req->data);
  if (status < 0 && status != UV_ECANCELED) c->closeNow();
}

void Connection::failStreams(const Status& status) {
  for (auto& ex : queue_) {
    if (ex->stream) ex->stream->fail(status);
  }
}

// ---------------------------------------------------------------------------
// Timers and helpers

void Connection::startTimer(TimerMode mode, uint64_t ms) {
  if (closing_) return;
  timerMode_ = mode;
  uv_timer_start(&timer_, &Connection::onTimer, ms, 0);
}

void Connection::stopTimer() {
  if (timerMode_ == TimerMode::kNone || closing_) return;
  timerMode_ = TimerMode::kNone;
  uv_timer_stop(&timer_);
}

void Connection::onTimer(uv_timer_t* timer) {
  auto* c = static_cast<Connection*>(timer->data);
  TimerMode mode = c->timerMode_;
  c->timerMode_ = TimerMode::kNone;
  switch (mode) {
    case TimerMode::kHeader:
      c->refuse(ErrorCode::kHeaderTimeout);
      c->updateReading();
      c->pump();
      break;
    case TimerMode::kIdle:
    case TimerMode::kDrain:
      c->closeNow();
      break;
    case TimerMode::kNone:
      break;
  }
}

bool Connection::idle() const { return queue_.empty() && !partial_ && !parsing_ && pendingInput_.empty(); }

std::unique_ptr<Exchange> Connection::newExchange() {
  std::unique_ptr<Exchange> ex = spare_ ? std::move(spare_) : std::make_unique<Exchange>();
  ex->conn = this;
  ctx_.ids.next(ex->id);
  ex->startNs = uv_hrtime();
  return ex;
}

void Connection::recycle(std::unique_ptr<Exchange> ex) {
  if (spare_) return;
  ex->reset();
  spare_ = std::move(ex);
}

}  // namespace ck::http
