#include "sandbox/host_api.h"

#include <cstdint>
#include <string_view>
#include <vector>

#include "sandbox/json_rows.h"
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

Result<AnsweredRows> HostApi::callRows(std::string op, std::optional<nlohmann::json> args) {
  Result<HostValue> result = call(std::move(op), std::move(args));
  if (!result.ok()) return result.status();
  if (!result->isText()) return AnsweredRows{dumpJson(result->value())};
  std::optional<FlatRows> rows = std::move(result->flatRows());
  return AnsweredRows{std::move(*result).text(), this, std::move(rows)};
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

namespace {

// A row's value as JSON.parse would make it, in *out; false only when V8
// cannot allocate. `scratch` holds an escaped string's decoded characters.
bool cellToJs(v8::Isolate* isolate, std::string_view text, const FlatCell& cell, std::string* scratch,
              v8::Local<v8::Value>* out) {
  switch (cell.kind) {
    case FlatCell::Kind::kNull: *out = v8::Null(isolate); return true;
    case FlatCell::Kind::kFalse: *out = v8::False(isolate); return true;
    case FlatCell::Kind::kTrue: *out = v8::True(isolate); return true;
    case FlatCell::Kind::kNumber: *out = v8::Number::New(isolate, cell.number); return true;
    case FlatCell::Kind::kString: break;
  }
  std::string_view chars = cell.text.in(text);
  v8::Local<v8::String> s;
  switch (cell.chars) {
    case JsonChars::kAscii:
      if (!v8::String::NewFromOneByte(isolate, reinterpret_cast<const uint8_t*>(chars.data()),
                                      v8::NewStringType::kNormal, static_cast<int>(chars.size()))
               .ToLocal(&s)) {
        return false;
      }
      *out = s;
      return true;
    case JsonChars::kEscaped:
      scratch->clear();
      decodeJsonString(chars, scratch);  // cannot fail: its writer or readFlatRows decoded it
      chars = *scratch;
      break;
    case JsonChars::kUtf8: break;
  }
  if (!jsString(isolate, chars).ToLocal(&s)) return false;
  *out = s;
  return true;
}

}  // namespace

v8::MaybeLocal<v8::Value> JsConvert<AnsweredRows>::toJs(v8::Local<v8::Context> context, const AnsweredRows& answer) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::String> js;
  if (!jsString(isolate, answer.text).ToLocal(&js)) return {};
  if (answer.keeper != nullptr) answer.keeper->remember(isolate, answer.text, js);
  std::optional<FlatRows> read;
  if (!answer.rows) read = readFlatRows(answer.text);
  const FlatRows* rows = answer.rows ? &*answer.rows : read ? &*read : nullptr;
  if (rows == nullptr) {
    v8::Local<v8::Value> only = js;
    return v8::Array::New(isolate, &only, 1);
  }
  std::vector<v8::Local<v8::Value>> names(rows->names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string_view name = rows->names[i].in(answer.text);
    v8::Local<v8::String> s;
    if (!v8::String::NewFromUtf8(isolate, name.data(), v8::NewStringType::kInternalized, static_cast<int>(name.size()))
             .ToLocal(&s)) {
      return {};
    }
    names[i] = s;
  }
  std::vector<v8::Local<v8::Value>> values(rows->cells.size());
  std::string scratch;
  // A column often holds the same string row after row (___class always):
  // the string made for the row above is used again.
  struct Above {
    std::string_view text;
    size_t cell = SIZE_MAX;
  };
  std::vector<Above> above(names.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const FlatCell& cell = rows->cells[i];
    Above& same = above[i % above.size()];
    if (cell.kind == FlatCell::Kind::kString && cell.chars != JsonChars::kEscaped) {
      const std::string_view text = cell.text.in(answer.text);
      if (same.cell != SIZE_MAX && same.text == text) {
        values[i] = values[same.cell];
        continue;
      }
      same = {text, i};
    }
    if (!cellToJs(isolate, answer.text, cell, &scratch, &values[i])) return {};
  }
  v8::Local<v8::Value> parts[] = {js, v8::Array::New(isolate, names.data(), static_cast<int>(names.size())),
                                  v8::Array::New(isolate, values.data(), static_cast<int>(values.size()))};
  return v8::Array::New(isolate, parts, 3);
}

}  // namespace ck::sandbox
