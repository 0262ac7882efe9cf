#include "runtime/http/multipart.h"

#include <utility>

#include "runtime/http/url.h"

namespace ck::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 2046 bchars: the characters a boundary may hold (space not last).
bool boundaryChar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '\'': case '(': case ')': case '+': case '_': case ',': case '-':
    case '.': case '/': case ':': case '=': case '?': case ' ':
      return true;
    default:
      return false;
  }
}

// One `; key=value` list of a header (after its first token): calls `take`
// for each parameter, with a quoted value unquoted. False when malformed.
template <typename Take>
bool forEachParam(std::string_view rest, Take take) {
  size_t pos = 0;
  while (pos < rest.size()) {
    if (rest[pos] == ';' || rest[pos] == ' ' || rest[pos] == '\t') {
      ++pos;
      continue;
    }
    size_t eq = rest.find('=', pos);
    if (eq == std::string_view::npos) return false;
    std::string_view key = trim(rest.substr(pos, eq - pos));
    pos = eq + 1;
    while (pos < rest.size() && (rest[pos] == ' ' || rest[pos] == '\t')) ++pos;
    std::string value;
    if (pos < rest.size() && rest[pos] == '"') {
      ++pos;
      bool closed = false;
      while (pos < rest.size()) {
        char c = rest[pos++];
        if (c == '\\' && pos < rest.size()) {
          value.push_back(rest[pos++]);
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          value.push_back(c);
        }
      }
      if (!closed) return false;
    } else {
      size_t end = rest.find(';', pos);
      if (end == std::string_view::npos) end = rest.size();
      value = std::string(trim(rest.substr(pos, end - pos)));
      pos = end;
    }
    take(key, std::move(value));
  }
  return true;
}

}  // namespace

Status FieldSink::begin(const PartInfo& part) {
  if (state_ == State::kWaiting && part.name == field_) {
    state_ = State::kInField;
    current_ = Current::kField;
    return target_.begin(part);
  }
  current_ = Current::kOther;
  return {};
}

Status FieldSink::data(const char* bytes, size_t n) {
  return current_ == Current::kField ? target_.data(bytes, n) : Status();
}

Status FieldSink::end() {
  if (current_ != Current::kField) return {};
  current_ = Current::kNone;
  state_ = State::kDone;
  return target_.end();
}

Result<std::string> multipartBoundary(std::string_view contentType) {
  size_t semi = contentType.find(';');
  std::string_view type = trim(contentType.substr(0, semi));
  if (!equalsIgnoreCase(type, "multipart/form-data")) {
    return Status(ErrorCode::kUnsupportedMediaType, "Expected a multipart/form-data body");
  }
  std::string boundary;
  bool found = false;
  if (semi != std::string_view::npos) {
    bool ok = forEachParam(contentType.substr(semi + 1), [&](std::string_view key, std::string value) {
      if (equalsIgnoreCase(key, "boundary") && !found) {
        boundary = std::move(value);
        found = true;
      }
    });
    if (!ok) return Status(ErrorCode::kBadRequest, "Malformed Content-Type parameters");
  }
  if (!found || boundary.empty()) return Status(ErrorCode::kBadRequest, "The multipart Content-Type has no boundary");
  if (boundary.size() > kMaxBoundaryBytes || boundary.back() == ' ') {
    return Status(ErrorCode::kBadRequest, "Invalid multipart boundary");
  }
  for (char c : boundary) {
    if (!boundaryChar(c)) return Status(ErrorCode::kBadRequest, "Invalid multipart boundary");
  }
  return boundary;
}

// The body is parsed as if it began with CRLF, so the first boundary (which
// may open the body without one) is found like every later delimiter.
MultipartParser::MultipartParser(std::string boundary, PartSink& sink)
    : delimiter_("\r\n--" + boundary), sink_(sink), buf_("\r\n") {}

Status MultipartParser::fail(std::string why) {
  state_ = State::kFailed;
  buf_.clear();
  return Status(ErrorCode::kBadRequest, "Malformed multipart body: " + why);
}

Status MultipartParser::feed(const char* data, size_t n) {
  if (state_ == State::kFailed) return Status(ErrorCode::kBadRequest, "Malformed multipart body");
  if (state_ == State::kEpilogue) return {};
  buf_.append(data, n);
  return run();
}

Status MultipartParser::finish() {
  if (state_ == State::kFailed) return Status(ErrorCode::kBadRequest, "Malformed multipart body");
  if (state_ != State::kEpilogue) return fail("the body ended before the closing boundary");
  return {};
}

Status MultipartParser::run() {
  while (true) {
    switch (state_) {
      case State::kPreamble: {
        size_t at = buf_.find(delimiter_);
        if (at == std::string::npos) {
          // Keep what could be the start of the first delimiter.
          if (buf_.size() >= delimiter_.size()) buf_.erase(0, buf_.size() - (delimiter_.size() - 1));
          return {};
        }
        buf_.erase(0, at + delimiter_.size());
        state_ = State::kAfterBoundary;
        break;
      }
      case State::kAfterBoundary: {
        if (buf_.size() < 2) return {};
        if (buf_.compare(0, 2, "--") == 0) {
          state_ = State::kEpilogue;
          buf_.clear();
          return {};
        }
        // Transport padding (whitespace) may follow a boundary before its CRLF.
        size_t pos = 0;
        while (pos < buf_.size() && (buf_[pos] == ' ' || buf_[pos] == '\t')) ++pos;
        if (pos > 64) return fail("too much whitespace after a boundary");
        if (buf_.size() - pos < 2) return {};
        if (buf_.compare(pos, 2, "\r\n") != 0) return fail("a boundary is not followed by CRLF");
        buf_.erase(0, pos + 2);
        state_ = State::kHeaders;
        break;
      }
      case State::kHeaders: {
        std::string_view block;
        size_t consumed = 0;
        if (buf_.size() >= 2 && buf_.compare(0, 2, "\r\n") == 0) {
          consumed = 2;  // a part without headers
        } else {
          size_t end = buf_.find("\r\n\r\n");
          if (end == std::string::npos || end > kMaxPartHeaderBytes) {
            if (buf_.size() > kMaxPartHeaderBytes + 4) return fail("part headers larger than 8 KiB");
            if (end == std::string::npos) return {};
          }
          block = std::string_view(buf_).substr(0, end);
          consumed = end + 4;
        }
        PartInfo part;
        if (Status s = parseHeaders(block, &part); !s.ok()) return s;
        buf_.erase(0, consumed);
        if (Status s = sink_.begin(part); !s.ok()) {
          state_ = State::kFailed;
          return s;
        }
        inPart_ = true;
        state_ = State::kData;
        break;
      }
      case State::kData: {
        size_t at = buf_.find(delimiter_);
        if (at == std::string::npos) {
          // Everything but a possible start of the delimiter is content.
          if (buf_.size() >= delimiter_.size()) {
            size_t n = buf_.size() - (delimiter_.size() - 1);
            if (Status s = sink_.data(buf_.data(), n); !s.ok()) {
              state_ = State::kFailed;
              return s;
            }
            buf_.erase(0, n);
          }
          return {};
        }
        if (at > 0) {
          if (Status s = sink_.data(buf_.data(), at); !s.ok()) {
            state_ = State::kFailed;
            return s;
          }
        }
        inPart_ = false;
        if (Status s = sink_.end(); !s.ok()) {
          state_ = State::kFailed;
          return s;
        }
        buf_.erase(0, at + delimiter_.size());
        state_ = State::kAfterBoundary;
        break;
      }
      case State::kEpilogue:
        buf_.clear();
        return {};
      case State::kFailed:
        return Status(ErrorCode::kBadRequest, "Malformed multipart body");
    }
  }
}

Status MultipartParser::parseHeaders(std::string_view block, PartInfo* part) {
  std::string name;
  std::string value;
  auto apply = [&]() -> Status {
    if (name.empty()) return {};
    std::string_view v = trim(value);
    if (equalsIgnoreCase(name, "content-type")) {
      part->contentType = std::string(v);
    } else if (equalsIgnoreCase(name, "content-disposition")) {
      size_t semi = v.find(';');
      if (!equalsIgnoreCase(trim(v.substr(0, semi)), "form-data")) return fail("a part is not form-data");
      if (semi != std::string_view::npos) {
        bool ok = forEachParam(v.substr(semi + 1), [&](std::string_view key, std::string val) {
          if (equalsIgnoreCase(key, "name")) part->name = std::move(val);
          if (equalsIgnoreCase(key, "filename")) part->filename = std::move(val);
        });
        if (!ok) return fail("a malformed Content-Disposition");
      }
    }
    name.clear();
    value.clear();
    return {};
  };
  size_t pos = 0;
  while (pos < block.size()) {
    size_t eol = block.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = block.size();
    std::string_view line = block.substr(pos, eol - pos);
    pos = eol + 2;
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (name.empty()) return fail("a header continues nothing");
      value.push_back(' ');
      value.append(trim(line));  // an obsolete folded line
      continue;
    }
    if (Status s = apply(); !s.ok()) return s;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail("a part header without a name");
    name = std::string(line.substr(0, colon));
    value = std::string(line.substr(colon + 1));
  }
  return apply();
}

}  // namespace ck::http
