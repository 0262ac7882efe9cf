#include "sandbox/binding.h"

#include <cmath>
#include <cstdio>

namespace ck::sandbox {

// ---- JsConvert ------------------------------------------------------------------

bool JsConvert<std::string>::fromJs(v8::Local<v8::Context> context, v8::Local<v8::Value> value, std::string* out) {
  if (!value->IsString()) return false;
  *out = utf8(context->GetIsolate(), value.As<v8::String>());
  return true;
}

v8::MaybeLocal<v8::Value> JsConvert<std::string>::toJs(v8::Local<v8::Context> context, const std::string& value) {
  v8::Local<v8::String> s;
  if (!jsString(context->GetIsolate(), value).ToLocal(&s)) return {};
  return s;
}

bool JsConvert<double>::fromJs(v8::Local<v8::Context>, v8::Local<v8::Value> value, double* out) {
  if (!value->IsNumber()) return false;
  *out = value.As<v8::Number>()->Value();
  return true;
}

v8::MaybeLocal<v8::Value> JsConvert<double>::toJs(v8::Local<v8::Context> context, double value) {
  return v8::Number::New(context->GetIsolate(), value);
}

bool JsConvert<int64_t>::fromJs(v8::Local<v8::Context>, v8::Local<v8::Value> value, int64_t* out) {
  constexpr double kMaxSafe = 9007199254740991.0;  // 2^53 - 1
  if (!value->IsNumber()) return false;
  double d = value.As<v8::Number>()->Value();
  if (!std::isfinite(d) || std::trunc(d) != d || d > kMaxSafe || d < -kMaxSafe) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

v8::MaybeLocal<v8::Value> JsConvert<int64_t>::toJs(v8::Local<v8::Context> context, int64_t value) {
  return v8::Number::New(context->GetIsolate(), static_cast<double>(value));
}

bool JsConvert<bool>::fromJs(v8::Local<v8::Context>, v8::Local<v8::Value> value, bool* out) {
  if (!value->IsBoolean()) return false;
  *out = value.As<v8::Boolean>()->Value();
  return true;
}

v8::MaybeLocal<v8::Value> JsConvert<bool>::toJs(v8::Local<v8::Context> context, bool value) {
  return v8::Boolean::New(context->GetIsolate(), value);
}

bool JsConvert<nlohmann::json>::fromJs(v8::Local<v8::Context> context, v8::Local<v8::Value> value,
                                       nlohmann::json* out) {
  if (value->IsNull()) {
    *out = nullptr;
    return true;
  }
  return v8ToJson(context, value, out) == ToJson::kOk;
}

v8::MaybeLocal<v8::Value> JsConvert<nlohmann::json>::toJs(v8::Local<v8::Context> context,
                                                          const nlohmann::json& value) {
  return jsonToV8(context, value);
}

// ---- BindingTemplates -------------------------------------------------------------

void BindingTemplates::invalidate(v8::Local<v8::Object> wrapped) {
  if (wrapped->InternalFieldCount() != kFieldCount) return;
  wrapped->SetInternalField(kInstanceField, v8::Null(wrapped->GetIsolate()));
}

std::string BindingTemplates::reportInternalError(std::string_view what) {
  // A per-registry sequence number plus the registry's address bits: unique
  // enough to find the log line, and reveals nothing about the error.
  char ref[32];
  std::snprintf(ref, sizeof ref, "%04x-%llu", static_cast<unsigned>(reinterpret_cast<uintptr_t>(this) >> 4) & 0xffff,
                static_cast<unsigned long long>(++nextRef_));
  if (sink_) sink_(ref, what);
  return ref;
}

// ---- binding_detail ---------------------------------------------------------------

namespace binding_detail {

v8::MaybeLocal<v8::Value> typeError(v8::Isolate* isolate, std::string_view message) {
  v8::Local<v8::String> s;
  if (!jsString(isolate, message).ToLocal(&s)) return {};
  return v8::Exception::TypeError(s);
}

v8::MaybeLocal<v8::Value> statusError(v8::Local<v8::Context> context, const Status& status) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::String> message;
  if (!jsString(isolate, status.message()).ToLocal(&message)) return {};
  v8::Local<v8::Value> error = v8::Exception::Error(message);
  v8::Local<v8::String> code;
  if (!error->IsObject() || !jsString(isolate, "code").ToLocal(&code)) return {};
  // CreateDataProperty defines an own property: no setter of the user's runs.
  if (error.As<v8::Object>()
          ->CreateDataProperty(context, code, v8::Integer::New(isolate, static_cast<int>(status.code())))
          .IsNothing()) {
    return {};
  }
  return error;
}

Outcome internalError(v8::Isolate* isolate, BindingTemplates& registry, const std::string& what) noexcept {
  try {
    std::string ref = registry.reportInternalError(what);
    return {false, statusError(isolate->GetCurrentContext(), Status(ErrorCode::kInternal, "internal error, ref " + ref))
                       .FromMaybe(v8::Local<v8::Value>())};
  } catch (...) {
    return {};  // out of memory while reporting: the call ends with undefined
  }
}

void constructorCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Local<v8::Value> error;
  if (typeError(info.GetIsolate(), "Illegal constructor").ToLocal(&error)) info.GetIsolate()->ThrowException(error);
}

void deliver(const v8::FunctionCallbackInfo<v8::Value>& info, CallStyle style, const Outcome& outcome) {
  v8::Isolate* isolate = info.GetIsolate();
  if (outcome.value.IsEmpty()) return;  // terminating, or out of memory
  if (style == CallStyle::kSync) {
    if (outcome.ok) {
      info.GetReturnValue().Set(outcome.value);
    } else {
      isolate->ThrowException(outcome.value);
    }
    return;
  }
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) return;
  v8::Maybe<bool> settled =
      outcome.ok ? resolver->Resolve(context, outcome.value) : resolver->Reject(context, outcome.value);
  if (settled.IsNothing()) return;
  info.GetReturnValue().Set(resolver->GetPromise());
}

}  // namespace binding_detail
}  // namespace ck::sandbox
