#pragma once

// JSON <-> V8 conversions shared by invocations and bindings. Internal to
// sandbox/.

#include <v8.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace ck::sandbox {

// How deep a JSON value may nest when it crosses the boundary. nlohmann's
// serializer recurses, so depth is bounded before anything dumps a value.
constexpr size_t kMaxJsonDepth = 1000;

// True when `value` nests at most `maxDepth` arrays/objects deep. Iterative.
bool jsonWithinDepth(const nlohmann::json& value, size_t maxDepth = kMaxJsonDepth);

// The JSON text of `value`, with invalid UTF-8 in strings replaced by U+FFFD
// (never throws for bad UTF-8). REQUIRES: jsonWithinDepth(value).
std::string dumpJson(const nlohmann::json& value);

// A JS value built from `value` by V8's own JSON parser (no user code runs).
// Empty when V8 threw (stack overflow, termination) or the value nests too
// deep (then a RangeError is thrown).
v8::MaybeLocal<v8::Value> jsonToV8(v8::Local<v8::Context> context, const nlohmann::json& value);

// A JS value parsed by V8 from JSON text the host wrote (no user code runs).
// Empty when V8 threw (the text is not JSON, out of memory, termination).
v8::MaybeLocal<v8::Value> jsonTextToV8(v8::Local<v8::Context> context, std::string_view text);

enum class ToJson {
  kOk,         // *out holds the value
  kUndefined,  // JSON.stringify gave undefined (undefined, a function, a symbol)
  kThrew,      // JSON.stringify threw (a cycle, a BigInt, a throwing toJSON, termination);
               // the exception is pending in the caller's TryCatch
  kInvalid,    // the text is not representable here (a lone surrogate; too deep)
  kTooLarge,   // the text is longer than the caller's `maxBytes`
};

// Converts with JSON.stringify semantics, using V8's internal stringify (never
// the user-visible JSON.stringify). Runs the value's toJSON methods and
// getters, so it must run inside the invocation's CPU budget. A text longer
// than `maxBytes` (UTF-8) is kTooLarge and never copied out of the heap.
ToJson v8ToJson(v8::Local<v8::Context> context, v8::Local<v8::Value> value, nlohmann::json* out,
                size_t maxBytes = SIZE_MAX);
// The same, keeping the JSON text V8 wrote in *out (never parsed).
ToJson v8ToJsonText(v8::Local<v8::Context> context, v8::Local<v8::Value> value, std::string* out,
                    size_t maxBytes = SIZE_MAX);

// The UTF-8 text of a JS string; lone surrogates become U+FFFD.
std::string utf8(v8::Isolate* isolate, v8::Local<v8::String> value);

// A JS string from UTF-8 text; empty only if V8 cannot allocate it.
v8::MaybeLocal<v8::String> jsString(v8::Isolate* isolate, std::string_view text);

// `text` cut to at most `maxBytes` bytes on a UTF-8 character boundary, with
// "..." appended when cut.
std::string truncateUtf8(std::string_view text, size_t maxBytes);

}  // namespace ck::sandbox
