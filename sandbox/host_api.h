#pragma once

// Internal to sandbox/: the one production binding, the JS global `Host`.

#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "sandbox/binding.h"
#include "sandbox/host_interface.h"

namespace ck::sandbox {

// What JS reaches the host through: `Host.call(op, args)` returns a settled
// promise, fulfilled with the JSON result of HostInterface::call or rejected
// with an Error carrying the Status's `code` and `message`.
// `Host.callText(op, args)` is the same call fulfilled with the result's JSON
// text as a string. The texts the host wrote itself (HostValue::jsonText) are
// remembered while the invocation runs: an invocation that returns one of
// them unchanged is answered with that text, unparsed and unserialised
// (InvocationRequest::valueJson; the SDK's find uses it).
//
// The invocation the call belongs to comes from the C++ side (enter/leave
// around each invocation), never from JS. Outside an invocation (e.g. while
// modules load) every call is rejected with kScriptError.
//
// JS sees the object as the global `Host`: frozen, read-only, not
// enumerable, with `call` on its frozen prototype. Owned by the AppIsolate;
// used on its thread only.
class HostApi {
 public:
  // `rememberBytes`: the most text kept for answered() at once; a longer
  // text is not kept (an answer made of it would be over the result limit).
  HostApi(HostInterface& host, size_t rememberBytes) : host_(host), rememberBytes_(rememberBytes) {}

  // REQUIRES: `invocation` outlives the matching leave().
  void enter(InvocationContext& invocation) {
    invocation_ = &invocation;
    forgetAnswered();
  }
  void leave() {
    invocation_ = nullptr;
    forgetAnswered();
  }

  Result<HostValue> call(std::string op, std::optional<nlohmann::json> args);
  Result<std::string> callText(std::string op, std::optional<nlohmann::json> args);

  // Whether `text` is one the host wrote for a callText of this invocation
  // (one of the last kRememberedTexts, within rememberBytes in all).
  bool answered(std::string_view text) const;

  static constexpr size_t kRememberedTexts = 8;

 private:
  void forgetAnswered() {
    answered_.clear();
    answeredBytes_ = 0;
  }

  HostInterface& host_;
  const size_t rememberBytes_;
  InvocationContext* invocation_ = nullptr;
  std::deque<std::string> answered_;  // oldest first
  size_t answeredBytes_ = 0;          // their sizes summed
};

// A host call's answer to JS: a value, or JSON text parsed by V8.
template <>
struct JsConvert<HostValue> {
  static v8::MaybeLocal<v8::Value> toJs(v8::Local<v8::Context> context, const HostValue& value);
};

template <>
struct JsClass<HostApi> {
  static constexpr const char* kName = "Host";
  static constexpr auto kMethods = std::tuple{
      asyncMethod<&HostApi::call>("call", "op", "args"),
      asyncMethod<&HostApi::callText>("callText", "op", "args"),
  };
};

}  // namespace ck::sandbox
