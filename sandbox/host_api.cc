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

}  // namespace ck::sandbox

namespace ck::sandbox {

v8::MaybeLocal<v8::Value> JsConvert<HostValue>::toJs(v8::Local<v8::Context> context, const HostValue& value) {
  if (!value.isText()) return JsConvert<nlohmann::json>::toJs(context, value.value());
  return jsonTextToV8(context, value.text());
}

}  // namespace ck::sandbox
