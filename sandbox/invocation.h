#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "sandbox/host_interface.h"
#include "sandbox/limits.h"

namespace ck::sandbox {

// One call into an app's code, as the host submits it.
struct InvocationRequest {
  std::string id;        // for logs and the audit trail
  std::string function;  // an export of one of the bundle's entry modules
  nlohmann::json args = nlohmann::json::array();  // positional arguments
  // When not empty, the arguments as the JSON text of an array, used instead
  // of `args` (the host writes it; spares building and dumping a DOM).
  // REQUIRES: valid JSON.
  std::string argsJson;
  // Passed after the arguments as JS strings, never parsed: text the code
  // may not need at all (the SDK's caller context, JSON it parses the first
  // time a method reads it).
  std::vector<std::string> textArgs;
  // The result is an envelope (the SDK's __dispatch): when the settled value
  // is an array `[value, valueJson, extra]`, the result is the JSON object
  // of `extra`'s members (an object or undefined; REQUIRES: no `value`
  // member) as JSON.stringify writes them, then `value`, last, so a reader
  // can take the value without reading through it
  // (InvocationResult::valueJson). When `valueJson` is the very string
  // Host.callRows handed over for one of this invocation's answers
  // (HostApi::answeredText), `value` is written as that text, neither parsed
  // nor serialised again: the SDK passes it when the code returns the rows a
  // find handed it, unchanged. An array, not an object with those members:
  // three element reads are the cheapest way through V8's API.
  bool envelope = false;
  // What the host attaches (caller, principal, grants); handed to
  // HostInterface::call for every binding call this invocation makes.
  std::shared_ptr<InvocationContext> context;
  uint64_t cpuMs = Limits{}.cpuMs;    // CPU budget of this invocation
  uint64_t wallMs = Limits{}.wallMs;  // wall budget, from the moment it starts running
  // Whether InvocationResult::cpuMs is wanted when the invocation succeeds:
  // reading a thread's CPU clock is a system call, a sizeable part of a
  // short invocation. A failed one always has it.
  bool measureCpu = true;
};

// How an invocation ended. A value, never an exception.
struct InvocationResult {
  // OK, or one of: kScriptError (JS threw or rejected), kCodeTimeout (CPU or
  // wall time), kHeapExhausted, kNeverSettles, kNoSuchFunction, kBundleError
  // (the code could not load), kAppBusy / kAppNotFound (not run at all),
  // kInternal. The message is safe to show a client.
  Status status;
  // The settled value as JSON text when OK, as V8's JSON.stringify wrote it
  // (object keys in the code's order; undefined -> null).
  std::string valueJson = "null";
  // The value parsed (for callers that need more than the text).
  nlohmann::json value() const { return nlohmann::json::parse(valueJson); }
  // For the app's log only, never for clients: the JS error with its stack
  // mapped to bundle file names, or what was terminated and why.
  std::string detail;
  std::vector<std::string> unhandledRejections;  // rejected promises nobody handled
  double cpuMs = 0;  // 0 when it succeeded and InvocationRequest::measureCpu was false
  double wallMs = 0;
};

}  // namespace ck::sandbox
