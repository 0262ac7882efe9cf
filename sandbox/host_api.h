#pragma once

// Internal to sandbox/: the one production binding, the JS global `Host`.

#include <deque>
#include <optional>
#include <string>

#include <v8.h>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "sandbox/binding.h"
#include "sandbox/host_interface.h"

namespace ck::sandbox {

class HostApi;

// Host.callRows's answer: its text, made a V8 string once. With a `keeper`,
// that string is remembered as one the host answered (HostApi::answeredText).
// `rows`: where the text's keys and values are, when its writer said so;
// otherwise the text is read for them.
struct AnsweredRows {
  std::string text;
  HostApi* keeper = nullptr;
  std::optional<FlatRows> rows;
};

// What JS reaches the host through: `Host.call(op, args)` returns a settled
// promise, fulfilled with the JSON result of HostInterface::call or rejected
// with an Error carrying the Status's `code` and `message`.
// `Host.callRows(op, args)` is the same call fulfilled with an array: the
// result's JSON text as a string, then, when that text is an array of flat
// objects with the same keys (json_rows.h: a find's page), the keys and every
// row's values one after the other, from which JS builds the rows without
// JSON.parse: `[text, names, values]`, or `[text]`. The strings of texts the
// host wrote itself (HostValue::jsonText) are remembered while the
// invocation runs: an invocation that returns one of them unchanged is
// answered with that text, unparsed and unserialised
// (InvocationRequest::envelope; the SDK's find uses it).
//
// The invocation the call belongs to comes from the C++ side (enter/leave
// around each invocation), never from JS. Outside an invocation (e.g. while
// modules load) every call is rejected with kScriptError.
//
// JS sees the object as the global `Host`: frozen, read-only, not
// enumerable, with `call` on its frozen prototype. Owned by the AppIsolate;
// used on its thread only, inside its isolate.
class HostApi {
 public:
  // `rememberBytes`: the most text kept for answeredText() at once; a longer
  // text is not kept (an answer made of it would be over the result limit).
  HostApi(HostInterface& host, size_t rememberBytes) : host_(host), rememberBytes_(rememberBytes) {}

  // REQUIRES: `invocation` outlives the matching leave().
  void enter(InvocationContext& invocation) {
    invocation_ = &invocation;
    forgetAnswered();
  }
  // REQUIRES: inside the isolate (the remembered strings are released).
  void leave() {
    invocation_ = nullptr;
    forgetAnswered();
  }

  Result<HostValue> call(std::string op, std::optional<nlohmann::json> args);
  Result<AnsweredRows> callRows(std::string op, std::optional<nlohmann::json> args);

  // Called by AnsweredRows's conversion: `js` is the string JS gets for `text`.
  void remember(v8::Isolate* isolate, const std::string& text, v8::Local<v8::String> js);

  // The text of `js` when it is the very string Host.callRows handed over for
  // one of the last kRememberedTexts answers of this invocation (within
  // rememberBytes in all); null otherwise, equal characters included.
  const std::string* answeredText(v8::Local<v8::String> js) const;

  static constexpr size_t kRememberedTexts = 8;

 private:
  void forgetAnswered() {
    answered_.clear();
    answeredBytes_ = 0;
  }

  struct Answered {
    std::string text;
    v8::Global<v8::String> js;
  };

  HostInterface& host_;
  const size_t rememberBytes_;
  InvocationContext* invocation_ = nullptr;
  std::deque<Answered> answered_;  // oldest first
  size_t answeredBytes_ = 0;       // their texts' sizes summed
};

// A host call's answer to JS: a value, or JSON text parsed by V8.
template <>
struct JsConvert<HostValue> {
  static v8::MaybeLocal<v8::Value> toJs(v8::Local<v8::Context> context, const HostValue& value);
};

template <>
struct JsConvert<AnsweredRows> {
  static v8::MaybeLocal<v8::Value> toJs(v8::Local<v8::Context> context, const AnsweredRows& answer);
};

template <>
struct JsClass<HostApi> {
  static constexpr const char* kName = "Host";
  static constexpr auto kMethods = std::tuple{
      asyncMethod<&HostApi::call>("call", "op", "args"),
      asyncMethod<&HostApi::callRows>("callRows", "op", "args"),
  };
};

}  // namespace ck::sandbox
