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

Result<AnsweredText> HostApi::callText(std::string op, std::optional<nlohmann::json> args) {
  Result<HostValue> result = call(std::move(op), std::move(args));
  if (!result.ok()) return result.status();
  if (!result->isText()) {
    return AnsweredText{result->value().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
  }
  return AnsweredText{std::move(*result).text(), this};
}

void HostApi::remember(v8::Isolate* isolate, const std::string& text, v8::Local<v8::String> js) {
  if (text.size() > rememberBytes_) return;
  while (!answered_.empty() &&
         (answered_.size() == kRememberedTexts || answeredBytes_ + text.size() > rememberBytes_)) {
    answeredBytes_ -= answered_.front().text.size();
    answered_.pop_front();
  }
  answered_.push_back({text, v8::Global<v8::String>(isolate, js)});
  answeredBytes_ += text.size();
}

const std::string* HostApi::answeredText(v8::Local<v8::String> js) const {
  for (const Answered& a : answered_) {
    if (a.js == js) return &a.text;  // the same string object, not equal characters
  }
  return nullptr;
}

}  // namespace ck::sandbox

namespace ck::sandbox {

v8::MaybeLocal<v8::Value> JsConvert<HostValue>::toJs(v8::Local<v8::Context> context, const HostValue& value) {
  if (!value.isText()) return JsConvert<nlohmann::json>::toJs(context, value.value());
  return jsonTextToV8(context, value.text());
}

v8::MaybeLocal<v8::Value> JsConvert<AnsweredText>::toJs(v8::Local<v8::Context> context, const AnsweredText& answer) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::String> js;
  if (!jsString(isolate, answer.text).ToLocal(&js)) return {};
  if (answer.keeper != nullptr) answer.keeper->remember(isolate, answer.text, js);
  return js;
}

}  // namespace ck::sandbox
