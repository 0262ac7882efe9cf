#pragma once

// Shared by the AppIsolate tests: a fake host, bundles from literals, and
// shorthand for invoking. Uses only the public sandbox headers.

#include <gtest/gtest.h>
#include <time.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "sandbox/app_isolate.h"

namespace ck::sandbox::testing {

// What a test's invocation carries; the fake host reports its name.
// (Found by address: the sandbox is built without RTTI, so no dynamic_cast.)
class NamedContext final : public InvocationContext {
 public:
  explicit NamedContext(std::string name) : name(std::move(name)) {}
  std::string name;
};

// Host operations for tests:
//   echo      -> {"op": op, "args": args, "caller": <context name or null>}
//   fail      -> Status(args.code, args.message)
//   throw     -> throws std::runtime_error (a host bug)
//   burn      -> spins args.ms milliseconds of this thread's CPU, returns true
//   sleep     -> sleeps args.ms milliseconds, returns true
//   text      -> answers args.text as already-serialised JSON text
class FakeHost final : public HostInterface {
 public:
  Result<HostValue> call(InvocationContext& invocation, std::string_view op,
                         const nlohmann::json& args) override {
    {
      std::lock_guard lock(mu_);
      ops_.emplace_back(op);
    }
    const NamedContext* named = nullptr;
    {
      std::lock_guard lock(mu_);
      for (const auto& c : contexts_) {
        if (c.get() == &invocation) named = c.get();
      }
    }
    if (op == "echo") {
      return HostValue(
          nlohmann::json{{"op", op}, {"args", args}, {"caller", named ? nlohmann::json(named->name) : nullptr}});
    }
    if (op == "fail") {
      return Status(static_cast<ErrorCode>(args.value("code", 100500)), args.value("message", std::string("failed")));
    }
    if (op == "throw") throw std::runtime_error("host secret: db password is hunter2");
    if (op == "burn") {
      auto cpuNs = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
      };
      int64_t end = cpuNs() + args.value("ms", 10) * 1'000'000LL;
      volatile uint64_t sink = 0;
      while (cpuNs() < end) sink = sink + 1;
      return HostValue(true);
    }
    if (op == "sleep") {
      std::this_thread::sleep_for(std::chrono::milliseconds(args.value("ms", 10)));
      return HostValue(true);
    }
    if (op == "text") return HostValue::jsonText(args.value("text", std::string("null")));
    return Status(ErrorCode::kNotFound, "no such op");
  }

  // A context the host will recognise by name in "echo".
  std::shared_ptr<NamedContext> context(std::string name) {
    auto c = std::make_shared<NamedContext>(std::move(name));
    std::lock_guard lock(mu_);
    contexts_.push_back(c);
    return c;
  }

  std::vector<std::string> ops() const {
    std::lock_guard lock(mu_);
    return ops_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> ops_;
  std::vector<std::shared_ptr<NamedContext>> contexts_;
};

inline std::shared_ptr<const Bundle> makeBundle(std::map<std::string, std::string> files,
                                                std::vector<std::string> entries) {
  auto b = std::make_shared<Bundle>();
  b->version = "test";
  b->files = std::move(files);
  b->entries = std::move(entries);
  return b;
}

inline Result<std::unique_ptr<AppIsolate>> createIsolate(HostInterface& host, std::shared_ptr<const Bundle> bundle,
                                                         Limits limits = Limits{}, Logger* log = nullptr) {
  AppIsolate::Options options;
  options.appId = "test-app";
  options.bundle = std::move(bundle);
  options.limits = limits;
  options.log = log;
  return AppIsolate::create(options, host);
}

inline InvocationRequest request(std::string function, nlohmann::json args = nlohmann::json::array(),
                                 uint64_t cpuMs = 1000, uint64_t wallMs = 3000) {
  InvocationRequest r;
  r.id = "req";
  r.function = std::move(function);
  r.args = std::move(args);
  r.cpuMs = cpuMs;
  r.wallMs = wallMs;
  return r;
}

// "ok: <json>" or "<error name>: <message>", for compact assertions.
inline std::string outcome(const InvocationResult& r) {
  if (r.status.ok()) return "ok: " + r.value().dump();
  return std::string(errorInfo(r.status.code()).name) + ": " + r.status.message();
}

}  // namespace ck::sandbox::testing
