#include "runtime/http/response_parser.h"

#include <llhttp.h>

#include <fmt/format.h>

namespace ck::http {

std::optional<std::string_view> ClientResponse::header(std::string_view lowerName) const {
  for (const auto& [name, value] : headers) {
    if (name == lowerName) return std::string_view(value);
  }
  return std::nullopt;
}

struct ResponseParser::Parser {
  llhttp_t parser;
  llhttp_settings_t settings;
};

struct ResponseParserCallbacks {
  static ResponseParser* self(llhttp_t* p) { return static_cast<ResponseParser*>(p->data); }

  static int onMessageBegin(llhttp_t* p) {
    ResponseParser* r = self(p);
    r->current_ = ClientResponse();
    r->inMessage_ = true;
    r->inField_ = false;
    r->currentIsHead_ = r->nextIsHead_;
    return 0;
  }
  static int onHeaderField(llhttp_t* p, const char* at, size_t len) {
    ResponseParser* r = self(p);
    if (!r->inField_) {
      r->current_.headers.emplace_back();
      r->inField_ = true;
    }
    std::string& name = r->current_.headers.back().first;
    for (size_t i = 0; i < len; ++i) {
      char c = at[i];
      name.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    return 0;
  }
  static int onHeaderFieldComplete(llhttp_t* p) {
    self(p)->inField_ = false;
    return 0;
  }
  static int onHeaderValue(llhttp_t* p, const char* at, size_t len) {
    ResponseParser* r = self(p);
    if (!r->current_.headers.empty()) r->current_.headers.back().second.append(at, len);
    return 0;
  }
  static int onHeadersComplete(llhttp_t* p) {
    ResponseParser* r = self(p);
    r->current_.status = p->status_code;
    bool interim = p->status_code >= 100 && p->status_code < 200;
    if (!interim && r->currentIsHead_) {
      r->nextIsHead_ = false;
      return 1;  // no body
    }
    return 0;
  }
  static int onBody(llhttp_t* p, const char* at, size_t len) {
    self(p)->current_.body.append(at, len);
    return 0;
  }
  static int onMessageComplete(llhttp_t* p) {
    ResponseParser* r = self(p);
    r->current_.keepAlive = llhttp_should_keep_alive(p) != 0;
    r->done_.push_back(std::move(r->current_));
    r->current_ = ClientResponse();
    r->inMessage_ = false;
    return 0;
  }
};

ResponseParser::ResponseParser() : p_(std::make_unique<Parser>()) {
  llhttp_settings_init(&p_->settings);
  p_->settings.on_message_begin = &ResponseParserCallbacks::onMessageBegin;
  p_->settings.on_header_field = &ResponseParserCallbacks::onHeaderField;
  p_->settings.on_header_field_complete = &ResponseParserCallbacks::onHeaderFieldComplete;
  p_->settings.on_header_value = &ResponseParserCallbacks::onHeaderValue;
  p_->settings.on_headers_complete = &ResponseParserCallbacks::onHeadersComplete;
  p_->settings.on_body = &ResponseParserCallbacks::onBody;
  p_->settings.on_message_complete = &ResponseParserCallbacks::onMessageComplete;
  llhttp_init(&p_->parser, HTTP_RESPONSE, &p_->settings);
  p_->parser.data = this;
}

ResponseParser::~ResponseParser() = default;

void ResponseParser::expectHeadResponse() { nextIsHead_ = true; }

Status ResponseParser::feed(const char* data, size_t n) {
  llhttp_errno_t err = llhttp_execute(&p_->parser, data, n);
  if (err == HPE_OK) return {};
  return Status(ErrorCode::kBadRequest,
                fmt::format("malformed HTTP response: {}", llhttp_get_error_reason(&p_->parser)));
}

Status ResponseParser::finish() {
  llhttp_errno_t err = llhttp_finish(&p_->parser);
  if (err == HPE_OK) return {};
  return Status(ErrorCode::kBadRequest, "the connection closed in the middle of a response");
}

ClientResponse ResponseParser::take() {
  ClientResponse r = std::move(done_.front());
  done_.pop_front();
  return r;
}

}  // namespace ck::http
