#include "sandbox/json_v8.h"

#include <utility>
#include <vector>

#include "base/json_text.h"

namespace ck::sandbox {

bool jsonWithinDepth(const nlohmann::json& value, size_t maxDepth) {
  std::vector<std::pair<const nlohmann::json*, size_t>> stack{{&value, 0}};
  while (!stack.empty()) {
    auto [v, depth] = stack.back();
    stack.pop_back();
    if (!v->is_structured()) continue;
    if (depth + 1 > maxDepth) return false;
    for (const auto& child : *v) {
      if (child.is_structured()) stack.emplace_back(&child, depth + 1);
    }
  }
  return true;
}

std::string dumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

v8::MaybeLocal<v8::Value> jsonToV8(v8::Local<v8::Context> context, const nlohmann::json& value) {
  v8::Isolate* isolate = context->GetIsolate();
  if (!jsonWithinDepth(value)) {
    v8::Local<v8::String> msg;
    if (jsString(isolate, "JSON value nests too deeply").ToLocal(&msg)) {
      isolate->ThrowException(v8::Exception::RangeError(msg));
    }
    return {};
  }
  return jsonTextToV8(context, dumpJson(value));
}

v8::MaybeLocal<v8::Value> jsonTextToV8(v8::Local<v8::Context> context, std::string_view text) {
  v8::Local<v8::String> string;
  if (!jsString(context->GetIsolate(), text).ToLocal(&string)) return {};
  return v8::JSON::Parse(context, string);
}

ToJson v8ToJsonText(v8::Local<v8::Context> context, v8::Local<v8::Value> value, std::string* out,
                    size_t maxBytes) {
  v8::Isolate* isolate = context->GetIsolate();
  if (value->IsUndefined() || value->IsFunction() || value->IsSymbol()) return ToJson::kUndefined;
  v8::Local<v8::String> text;
  if (!v8::JSON::Stringify(context, value).ToLocal(&text)) return ToJson::kThrew;
  // Every UTF-16 unit is one to three bytes of UTF-8: the length alone
  // decides but for lengths between a third of the limit and the limit.
  const size_t units = static_cast<size_t>(text->Length());
  if (units > maxBytes || (units > maxBytes / 3 && static_cast<size_t>(text->Utf8Length(isolate)) > maxBytes)) {
    return ToJson::kTooLarge;
  }
  std::string s = utf8(isolate, text);
  // V8 turns an undefined result into the text "undefined", which no JSON
  // value serialises to (a string would be quoted).
  if (s == "undefined") return ToJson::kUndefined;
  if (!jsonTextWithin(s, kMaxJsonDepth)) return ToJson::kInvalid;
  *out = std::move(s);
  return ToJson::kOk;
}

ToJson v8ToJson(v8::Local<v8::Context> context, v8::Local<v8::Value> value, nlohmann::json* out, size_t maxBytes) {
  std::string text;
  ToJson r = v8ToJsonText(context, value, &text, maxBytes);
  if (r != ToJson::kOk) return r;
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return ToJson::kInvalid;
  *out = std::move(parsed);
  return ToJson::kOk;
}

std::string utf8(v8::Isolate* isolate, v8::Local<v8::String> value) {
  // Short strings are written into room for the worst case (three bytes a
  // unit) in one pass; long ones are measured first, so the buffer is exact.
  constexpr size_t kOnePassUnits = 64 * 1024;
  const size_t units = static_cast<size_t>(value->Length());
  std::string out;
  out.resize(units <= kOnePassUnits ? 3 * units : static_cast<size_t>(value->Utf8Length(isolate)));
  if (out.empty()) return out;
  int written = value->WriteUtf8(isolate, out.data(), static_cast<int>(out.size()), nullptr,
                                 v8::String::REPLACE_INVALID_UTF8 | v8::String::NO_NULL_TERMINATION);
  out.resize(static_cast<size_t>(written));
  return out;
}

v8::MaybeLocal<v8::String> jsString(v8::Isolate* isolate, std::string_view text) {
  if (text.size() > static_cast<size_t>(v8::String::kMaxLength)) return {};
  return v8::String::NewFromUtf8(isolate, text.data(), v8::NewStringType::kNormal, static_cast<int>(text.size()));
}

std::string truncateUtf8(std::string_view text, size_t maxBytes) {
  if (text.size() <= maxBytes) return std::string(text);
  size_t cut = maxBytes;
  // Back up over continuation bytes (10xxxxxx) to a character boundary.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

}  // namespace ck::sandbox
