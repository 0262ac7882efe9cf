#include "sandbox/js_errors.h"

#include <nlohmann/json.hpp>

#include "sandbox/json_v8.h"

namespace ck::sandbox {

namespace {

std::string locationOf(v8::Local<v8::Context> context, v8::Local<v8::Message> message) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::Value> name = message->GetScriptResourceName();
  int line = message->GetLineNumber(context).FromMaybe(0);
  if (!name->IsString() || line <= 0) return "";
  int column = message->GetStartColumn(context).FromMaybe(0) + 1;
  return utf8(isolate, name.As<v8::String>()) + ":" + std::to_string(line) + ":" + std::to_string(column);
}

// A property read that may run a getter; empty when it throws.
v8::MaybeLocal<v8::Value> tryGet(v8::Local<v8::Context> context, v8::Local<v8::Object> obj, const char* key) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::TryCatch tryCatch(isolate);
  v8::Local<v8::String> k;
  if (!jsString(isolate, key).ToLocal(&k)) return {};
  v8::Local<v8::Value> value;
  if (!obj->Get(context, k).ToLocal(&value)) return {};
  return value;
}

}  // namespace

JsErrorText describeJsError(v8::Local<v8::Context> context, v8::Local<v8::Value> exception,
                            v8::Local<v8::Message> message) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::HandleScope scope(isolate);
  JsErrorText out;
  if (message.IsEmpty()) message = v8::Exception::CreateMessage(isolate, exception);

  // V8's own text for the value, made without running JS: "Uncaught Error: boom".
  std::string text = utf8(isolate, message->Get());
  constexpr std::string_view kUncaught = "Uncaught ";
  if (text.starts_with(kUncaught)) text.erase(0, kUncaught.size());
  out.location = locationOf(context, message);

  std::string detail;
  if (exception->IsObject()) {
    v8::Local<v8::Object> obj = exception.As<v8::Object>();
    v8::Local<v8::Value> v;
    v8::Local<v8::Value> messageValue;
    bool hasMessage = tryGet(context, obj, "message").ToLocal(&messageValue) && messageValue->IsString();
    if (exception->IsNativeError()) {
      // Error.prototype.toString's rule, from string-valued name and message
      // (V8's side-effect-free text skips accessors, and the prelude turns
      // Error.prototype.name into one).
      v8::Local<v8::Value> nameValue;
      if (tryGet(context, obj, "name").ToLocal(&nameValue) && nameValue->IsString() && hasMessage) {
        std::string name = utf8(isolate, nameValue.As<v8::String>());
        std::string msg = utf8(isolate, messageValue.As<v8::String>());
        text = name.empty() ? msg : msg.empty() ? name : name + ": " + msg;
      }
    } else if (hasMessage) {
      // A thrown plain object (e.g. {code, message}): its message.
      text = utf8(isolate, messageValue.As<v8::String>());
    }
    if (tryGet(context, obj, "stack").ToLocal(&v) && v->IsString()) detail = utf8(isolate, v.As<v8::String>());
    v8::TryCatch tryCatch(isolate);
    nlohmann::json value;
    // Bounded: the detail keeps kMaxErrorDetailBytes of it at most anyway.
    ToJson converted = v8ToJson(context, exception, &value, kMaxErrorDetailBytes);
    if (converted == ToJson::kOk && !(value.is_object() && value.empty())) {
      if (!detail.empty()) detail += "\n";
      detail += "thrown value: " + dumpJson(value);
    } else if (converted == ToJson::kTooLarge) {
      if (!detail.empty()) detail += "\n";
      detail += "thrown value: over " + std::to_string(kMaxErrorDetailBytes) + " bytes as JSON";
    }
  }
  if (detail.empty()) detail = text;
  if (!out.location.empty() && detail.find(out.location) == std::string::npos) {
    detail += "\n    at " + out.location;
  }
  out.message = truncateUtf8(text, kMaxErrorMessageBytes);
  out.detail = truncateUtf8(detail, kMaxErrorDetailBytes);
  return out;
}

}  // namespace ck::sandbox
