#pragma once

// Internal to sandbox/: turning JS exceptions and rejection reasons into the
// texts of an InvocationResult.

#include <v8.h>

#include <string>

namespace ck::sandbox {

// Longest message a client may see; longer ones are cut.
constexpr size_t kMaxErrorMessageBytes = 1024;
// Longest detail (stack, thrown value) kept for the app's log.
constexpr size_t kMaxErrorDetailBytes = 16 * 1024;

struct JsErrorText {
  // Safe for a client: what the script threw, e.g. "TypeError: x is not a
  // function", or the `message` of a thrown plain object; capped. Never
  // holds host internals (the sandbox only ever throws its own texts).
  std::string message;
  // "file:line:col" of where it was thrown, when V8 knows (bundle paths).
  std::string location;
  // For the app's log: the stack (bundle file names and lines), plus the
  // JSON of the thrown value when it is an object with own enumerable
  // properties; capped.
  std::string detail;
};

// Describes `exception` (thrown, or a rejection reason). `message` is the
// TryCatch's message when there is one (empty for rejections). May run JS
// (a `message` or `stack` getter, toJSON), so it must run inside the
// invocation's budget; a JS exception in there is swallowed. REQUIRES: the
// isolate is not terminating.
JsErrorText describeJsError(v8::Local<v8::Context> context, v8::Local<v8::Value> exception,
                            v8::Local<v8::Message> message);

}  // namespace ck::sandbox
