#include "runtime/http/connection.h"

#include <string_view>
#include <utility>

#include "runtime/http/url.h"

// Connection's llhttp side: the callbacks that build each Exchange, header
// accounting, body limits, and pausing for the pipeline queue.

namespace ck::http {
namespace {

Connection* self(llhttp_t* p) { return static_cast<Connection*>(p->data); }

}  // namespace

const llhttp_settings_t* Connection::parserSettings() {
  static const llhttp_settings_t settings = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_message_begin = &Connection::onMessageBegin;
    s.on_method = &Connection::onSpan;
    s.on_url = &Connection::onUrl;
    s.on_version = &Connection::onSpan;
    s.on_header_field = &Connection::onHeaderField;
    s.on_header_field_complete = &Connection::onHeaderFieldComplete;
    s.on_header_value = &Connection::onHeaderValue;
    s.on_headers_complete = &Connection::onHeadersComplete;
    s.on_chunk_header = &Connection::onChunkHeader;
    s.on_body = &Connection::onBody;
    s.on_message_complete = &Connection::onMessageComplete;
    return s;
  }();
  return &settings;
}

void Connection::feed(const char* data, size_t len) {
  if (inHeaders_) headerMark_ = data;
  llhttp_errno_t err = llhttp_execute(&parser_, data, len);
  if (!refused_ && !closing_) {
    switch (err) {
      case HPE_OK:
        if (inHeaders_ && headerMark_) {
          headerCarried_ += static_cast<size_t>(data + len - headerMark_);
          if (headerCarried_ > ctx_.config.maxHeaderBytes) refuse(ErrorCode::kHeadersTooLarge);
        }
        break;
      case HPE_PAUSED:
        if (pausedForQueue_) {
          const char* pos = llhttp_get_error_pos(&parser_);
          if (pos && pos >= data && pos < data + len) pendingInput_.assign(pos, static_cast<size_t>(data + len - pos));
        }
        break;
      case HPE_PAUSED_UPGRADE:
        // No protocol upgrades: answer the request, then close.
        stopParsing_ = true;
        if (!queue_.empty()) queue_.back()->closeAfter = true;
        break;
      default:
        refuse(ErrorCode::kBadRequest);
        break;
    }
  }
  headerMark_ = nullptr;
  updateReading();
  pump();
}

void Connection::resumeParsing() {
  pausedForQueue_ = false;
  llhttp_resume(&parser_);
  if (pendingInput_.empty()) {
    updateReading();
    return;
  }
  std::string input;
  input.swap(pendingInput_);
  feed(input.data(), input.size());
  if (peerEnded_ && (partial_ || parsing_)) closeNow();
}

// Counts the request line and header bytes of the request being parsed: from
// its first byte (`headerMark_` in the current buffer, `headerCarried_` from
// earlier buffers) to the end of the span just parsed. feed() adds the rest
// of each buffer, so bytes llhttp skips without a callback count too.
bool Connection::countHeaderBytes(const char* at, size_t len) {
  if (!headerMark_) headerMark_ = at;
  size_t n = headerCarried_ + static_cast<size_t>(at + len - headerMark_);
  if (n > ctx_.config.maxHeaderBytes) {
    refuse(ErrorCode::kHeadersTooLarge);
    return false;
  }
  return true;
}

int Connection::onMessageBegin(llhttp_t* p) {
  Connection* c = self(p);
  if (c->ctx_.shuttingDown) {
    c->stopParsing_ = true;
    return HPE_PAUSED;
  }
  c->partial_ = c->newExchange();
  c->parsing_ = c->partial_.get();
  c->inHeaders_ = true;
  c->inHeaderField_ = false;
  c->headerCarried_ = 0;
  c->headerMark_ = nullptr;
  // The first request's deadline runs from the accept; later ones from their first byte.
  if (c->timerMode_ != TimerMode::kHeader) c->startTimer(TimerMode::kHeader, c->ctx_.config.headerTimeoutMs);
  return 0;
}

int Connection::onSpan(llhttp_t* p, const char* at, size_t len) {
  return self(p)->countHeaderBytes(at, len) ? 0 : -1;
}

int Connection::onUrl(llhttp_t* p, const char* at, size_t len) {
  Connection* c = self(p);
  std::string& target = c->parsing_->request.target;
  if (target.size() + len > c->ctx_.config.maxUrlBytes) {
    c->refuse(ErrorCode::kUriTooLong);
    return -1;
  }
  target.append(at, len);
  return c->countHeaderBytes(at, len) ? 0 : -1;
}

int Connection::onHeaderField(llhttp_t* p, const char* at, size_t len) {
  Connection* c = self(p);
  if (!c->countHeaderBytes(at, len)) return -1;
  HeaderList& headers = c->parsing_->request.headers;
  if (!c->inHeaderField_) {
    headers.emplace_back();
    c->inHeaderField_ = true;
  }
  std::string& name = headers.back().first;
  for (size_t i = 0; i < len; ++i) {
    char ch = at[i];
    name.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch);
  }
  return 0;
}

int Connection::onHeaderFieldComplete(llhttp_t* p) {
  self(p)->inHeaderField_ = false;
  return 0;
}

int Connection::onHeaderValue(llhttp_t* p, const char* at, size_t len) {
  Connection* c = self(p);
  if (!c->countHeaderBytes(at, len)) return -1;
  HeaderList& headers = c->parsing_->request.headers;
  if (!headers.empty()) headers.back().second.append(at, len);
  return 0;
}

int Connection::onHeadersComplete(llhttp_t* p) { return self(p)->headersComplete(); }

int Connection::headersComplete() {
  inHeaders_ = false;
  headerMark_ = nullptr;
  if (timerMode_ == TimerMode::kHeader) stopTimer();

  Exchange& ex = *parsing_;
  ex.headersDone = true;
  queue_.push_back(std::move(partial_));

  Request& req = ex.request;
  ex.method = parser_.method;
  req.method = llhttp_method_name(static_cast<llhttp_method_t>(ex.method));
  ex.headRequest = ex.method == HTTP_HEAD;
  ex.keepAlive = llhttp_should_keep_alive(&parser_) != 0;
  req.requestId.assign(ex.id, RequestIdGenerator::kLength);
  req.remoteAddr = remoteAddr_;

  if (!splitTarget(req.target, &req.path, &req.rawQuery) || !parseQuery(req.rawQuery, &req.query)) {
    refuse(ErrorCode::kBadRequest);
    return -1;
  }
  if (std::optional<std::string_view> origin = req.header("origin")) {
    ex.allowOrigin = ctx_.cors.allowOrigin(*origin);
  }

  size_t limit = ctx_.config.maxBodyBytes;
  if (CorsPolicy::isPreflight(req)) {
    ex.preset = true;
    ex.response = ctx_.cors.preflight(req);
  } else {
    Router::Match m = ctx_.router.match(req.method, req.path);
    if (!m.route && m.pathMatched && ex.headRequest) m = ctx_.router.match("GET", req.path);
    if (m.route) {
      ex.route = m.route;
      req.pathParams = std::move(m.params);
      if (m.route->options.maxBodyBytes > 0) limit = m.route->options.maxBodyBytes;
    } else {
      ex.preset = true;
      ex.response = Response::error(m.pathMatched ? ErrorCode::kMethodNotAllowed : ErrorCode::kNotFound);
    }
  }
  ex.bodyLimit = limit;

  bool hasLength = (parser_.flags & F_CONTENT_LENGTH) != 0;
  if (hasLength && parser_.content_length > limit) {
    refuse(ErrorCode::kBodyTooLarge);
    return -1;
  }
  if (std::optional<std::string_view> expect = req.header("expect");
      expect && parser_.http_major == 1 && parser_.http_minor >= 1) {
    if (!equalsIgnoreCase(*expect, "100-continue")) {
      refuse(ErrorCode::kExpectationFailed);
      return -1;
    }
    ex.expectContinue = true;
  }
  if (!ex.preset && ex.route->options.streamBody) {
    std::optional<uint64_t> declared;
    if (hasLength) declared = parser_.content_length;
    ex.stream = std::make_unique<StreamBuffer>(ctx_.config.streamBufferBytes, declared, [this] {
      // On the handler's worker: have the loop resume reading.
      ctx_.pool.runOnLoop([this] { onStreamDrained(); });
    });
    req.bodyStream = ex.stream.get();
  } else if (hasLength && !ex.preset) {
    req.body.reserve(static_cast<size_t>(parser_.content_length));
  }
  return 0;
}

int Connection::onChunkHeader(llhttp_t* p) {
  Connection* c = self(p);
  Exchange& ex = *c->parsing_;
  // The chunk's declared size already tells whether the total will pass the limit.
  if (p->content_length > ex.bodyLimit || ex.bodyBytes + p->content_length > ex.bodyLimit) {
    c->refuse(ErrorCode::kBodyTooLarge);
    return -1;
  }
  return 0;
}

int Connection::onBody(llhttp_t* p, const char* at, size_t len) {
  Connection* c = self(p);
  Exchange& ex = *c->parsing_;
  ex.bodyBytes += len;
  if (ex.bodyBytes > ex.bodyLimit) {
    c->refuse(ErrorCode::kBodyTooLarge);
    return -1;
  }
  if (ex.stream) {
    if (!ex.stream->push(at, len) && !c->streamPaused_) {
      c->streamPaused_ = true;
      ++c->ctx_.stats.streamReadPauses;
    }
  } else if (!ex.preset) {
    ex.request.body.append(at, len);
  }
  return 0;
}

int Connection::onMessageComplete(llhttp_t* p) {
  Connection* c = self(p);
  Exchange* ex = c->parsing_;
  c->parsing_ = nullptr;
  ex->bodyDone = true;
  if (ex->stream) ex->stream->finish();
  if (!ex->keepAlive) {
    c->stopParsing_ = true;
    return HPE_PAUSED;
  }
  if (c->queue_.size() >= c->ctx_.config.maxPipelined) {
    c->pausedForQueue_ = true;
    return HPE_PAUSED;
  }
  return 0;
}

void Connection::onStreamDrained() {
  if (!streamPaused_) return;
  streamPaused_ = false;
  updateReading();
}

}  // namespace ck::http
