#include "sandbox/host_api.h"

#include "sandbox/json_v8.h"
#include "sandbox/v8_platform.h"

namespace ck::sandbox {

Result<HostValue> HostApi::call(std::string op, std::optional<nlohmann::json> args) {
  if (invocation_ == nullptr) {
    return Status(ErrorCode::kScriptError,
                  "Host.call is only available while an invocation runs (not while modules load)");
  }
  Result<HostValue> result = host_.call(*invocation_, op, args.value_or(nlohmann::json(nullptr)));
  // The outside world may have moved on while the host worked.
  FrozenClock::refresh();
  return result;
}

Result<std::string> HostApi::callText(std::string op, std::optional<nlohmann::json> args) {
  Result<HostValue> result = call(std::move(op), std::move(args));
  if (!result.ok()) return result.status();
  if (!result->isText()) {
    return result->value().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  const std::string& text = result->text();
  if (text.size() <= rememberBytes_) {
    while (!answered_.empty() &&
           (answered_.size() == kRememberedTexts || answeredBytes_ + text.size() > rememberBytes_)) {
      answeredBytes_ -= answered_.front().size();
      answered_.pop_front();
    }
    answered_.push_back(text);
    answeredBytes_ += text.size();
  }
  return text;
}

bool HostApi::answered(std::string_view text) const {
  for (const std::string& t : answered_) {
    if (t == text) return true;
  }
  return false;
}

}  // namespace ck::sandbox

namespace ck::sandbox {

v8::MaybeLocal<v8::Value> JsConvert<HostValue>::toJs(v8::Local<v8::Context> context, const HostValue& value) {
  if (!value.isText()) return JsConvert<nlohmann::json>::toJs(context, value.value());
  return jsonTextToV8(context, value.text());
}

}  // namespace ck::sandbox
