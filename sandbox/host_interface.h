#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/flat_rows.h"
#include "base/status.h"

namespace ck::sandbox {

// What the host attaches to one invocation: for services, the caller, the
// effective principal, the service's grants, the audit id. Opaque to the
// sandbox, which only carries it from the submitter to HostInterface::call.
// JS never sees or supplies it.
class InvocationContext {
 public:
  virtual ~InvocationContext() = default;
};

// What one host call answers: a JSON value, or the same value already
// written as JSON text (rows serialised straight from the database), which
// reaches JS through V8's JSON parser with no nlohmann value in between, or
// as the text itself through `Host.callRows` (host_api.h), which also reads a
// page of flat rows into values for JS to build the rows from.
// REQUIRES for text: valid JSON, as the host's own serialisers write it; and
// `rows`, when given, exactly where that text's keys and values are (the
// writer's record, which spares reading the page again).
class HostValue {
 public:
  HostValue(nlohmann::json value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  static HostValue jsonText(std::string text, std::optional<FlatRows> rows = std::nullopt) {
    HostValue v(nullptr);
    v.text_ = std::move(text);
    v.isText_ = true;
    v.rows_ = std::move(rows);
    return v;
  }

  bool isText() const { return isText_; }
  const std::string& text() const& { return text_; }   // REQUIRES: isText()
  std::string text() && { return std::move(text_); }    // REQUIRES: isText()
  std::optional<FlatRows>& flatRows() { return rows_; }  // REQUIRES: isText()
  const nlohmann::json& value() const { return value_; }  // REQUIRES: !isText()
  // The value whichever way it is held (parses text; for tests and logs).
  nlohmann::json toJson() const { return isText_ ? nlohmann::json::parse(text_) : value_; }

 private:
  nlohmann::json value_;
  std::string text_;
  std::optional<FlatRows> rows_;
  bool isText_ = false;
};

// The one narrow interface through which JavaScript reaches the host. Every
// binding turns its JS call into an operation name plus JSON arguments; the
// sandbox adds the running invocation's context. This boundary being data is
// what lets the sandbox move into a separate process later.
//
// Called on a JS worker thread, synchronously, while the invocation runs; it
// must be bounded in time (the CPU watchdog cannot interrupt C++). Expected
// failures come back as an error Status, which JS sees as a rejected promise
// with that code and message; exceptions are bugs and are reported to JS as
// an internal error without their text.
class HostInterface {
 public:
  virtual ~HostInterface() = default;
  virtual Result<HostValue> call(InvocationContext& invocation, std::string_view op,
                                 const nlohmann::json& args) = 0;
};

}  // namespace ck::sandbox
