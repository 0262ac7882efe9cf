#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace ck::sandbox {

// What the host attaches to one invocation: for services, the caller, the
// effective principal, the service's grants, the audit id. Opaque to the
// sandbox, which only carries it from the submitter to HostInterface::call.
// JS never sees or supplies it.
class InvocationContext {
 public:
  virtual ~InvocationContext() = default;
};

// The one narrow interface through which JavaScript reaches the host. Every
// binding turns its JS call into an operation name plus JSON arguments; the
// sandbox adds the running invocation's context. This boundary being data is
// what lets the sandbox move into a separate process later.
//
// Called on a JS worker thread, synchronously, while the invocation runs; it
// must be bounded in time (the CPU watchdog cannot interrupt C++). Expected
// failures come back as an error Status, which JS sees as a rejected promise
// with that code and message; exceptions are bugs and are reported to JS as
// an internal error without their text.
class HostInterface {
 public:
  virtual ~HostInterface() = default;
  virtual Result<nlohmann::json> call(InvocationContext& invocation, std::string_view op,
                                      const nlohmann::json& args) = 0;
};

}  // namespace ck::sandbox
