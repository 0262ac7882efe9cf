#include "sandbox/host_api.h"

#include "sandbox/v8_platform.h"

namespace ck::sandbox {

Result<nlohmann::json> HostApi::call(std::string op, std::optional<nlohmann::json> args) {
  if (invocation_ == nullptr) {
    return Status(ErrorCode::kScriptError,
                  "Host.call is only available while an invocation runs (not while modules load)");
  }
  Result<nlohmann::json> result = host_.call(*invocation_, op, args.value_or(nlohmann::json(nullptr)));
  // The outside world may have moved on while the host worked.
  FrozenClock::refresh();
  return result;
}

}  // namespace ck::sandbox
