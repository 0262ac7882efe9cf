#pragma once

// A streaming parser of multipart/form-data bodies (RFC 7578, RFC 2046 §5.1),
// for uploads that must never sit in memory whole: the body goes in as it
// arrives, in pieces of any size (a boundary may be split across them), and
// each part's content comes out through a PartSink as soon as it cannot be
// the start of a boundary. Memory is bounded by the largest piece fed plus
// the boundary and one part's header block (at most kMaxPartHeaderBytes).
//
// The preamble before the first boundary and the epilogue after the last are
// ignored, as RFC 2046 says. Part headers are parsed for
// Content-Disposition (its `name` and `filename`) and Content-Type; other
// headers are ignored. Malformed input is kBadRequest with the reason.
//
// Not thread-safe; one body per parser.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"

namespace ck::http {

inline constexpr size_t kMaxPartHeaderBytes = 8 * 1024;
inline constexpr size_t kMaxBoundaryBytes = 70;  // RFC 2046

// One part's headers.
struct PartInfo {
  std::string name;         // Content-Disposition `name` ("" when absent)
  std::string filename;     // Content-Disposition `filename` ("" when absent)
  std::string contentType;  // "" when absent
};

// Receives the parts. A Status that is not OK from any method stops the
// parse: feed() returns it unchanged.
class PartSink {
 public:
  virtual ~PartSink() = default;
  virtual Status begin(const PartInfo& part) = 0;
  virtual Status data(const char* bytes, size_t n) = 0;
  virtual Status end() = 0;
};

// A PartSink that passes on the first part named `field` (whole: begin,
// data, end) to `target` and skips every other part, as an upload route
// wants its one file field. `target` must outlive it.
class FieldSink final : public PartSink {
 public:
  FieldSink(std::string field, PartSink& target) : field_(std::move(field)), target_(target) {}
  // Whether the field's part was seen to its end.
  bool found() const { return state_ == State::kDone; }

  Status begin(const PartInfo& part) override;
  Status data(const char* bytes, size_t n) override;
  Status end() override;

 private:
  enum class State { kWaiting, kInField, kDone };
  enum class Current { kNone, kField, kOther };
  const std::string field_;
  PartSink& target_;
  State state_ = State::kWaiting;
  Current current_ = Current::kNone;
};

// The boundary of a `multipart/form-data; boundary=...` Content-Type (the
// parameter may be quoted); kUnsupportedMediaType for another type,
// kBadRequest for a missing or invalid boundary.
Result<std::string> multipartBoundary(std::string_view contentType);

class MultipartParser {
 public:
  // REQUIRES: `boundary` as multipartBoundary returns it. `sink` must
  // outlive the parser.
  MultipartParser(std::string boundary, PartSink& sink);

  // Parses the next piece of the body.
  Status feed(const char* data, size_t n);
  Status feed(std::string_view data) { return feed(data.data(), data.size()); }
  // The body ended: kBadRequest unless the closing boundary was seen.
  Status finish();
  // Whether the closing boundary has been seen (what follows is epilogue).
  bool done() const { return state_ == State::kEpilogue; }

 private:
  enum class State { kPreamble, kAfterBoundary, kHeaders, kData, kEpilogue, kFailed };

  Status fail(std::string why);
  Status parseHeaders(std::string_view block, PartInfo* part);
  // Consumes what it can of buf_; returns when it needs more input.
  Status run();

  const std::string delimiter_;  // "\r\n--" + boundary
  PartSink& sink_;
  State state_ = State::kPreamble;
  std::string buf_;  // input not consumed yet
  bool inPart_ = false;
};

}  // namespace ck::http
