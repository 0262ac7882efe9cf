#include "sandbox/isolate_executor.h"

#include <utility>

#include "sandbox/app_isolate.h"

namespace ck::sandbox {
namespace {

// An AppIsolate as JsWorkers sees it.
class IsolateExecutor final : public Executor {
 public:
  explicit IsolateExecutor(std::unique_ptr<AppIsolate> isolate) : isolate_(std::move(isolate)) {}
  InvocationResult invoke(const InvocationRequest& request) override { return isolate_->invoke(request); }
  bool retired() const override { return isolate_->retired(); }

 private:
  std::unique_ptr<AppIsolate> isolate_;
};

}  // namespace

Result<std::unique_ptr<Executor>> IsolateExecutorFactory::create(const std::string& appId, const AppCode& code) {
  AppIsolate::Options options;
  options.appId = appId;
  options.bundle = code.bundle;
  options.limits = code.limits;
  options.log = &log_;
  options.intrinsics = intrinsics_;
  Result<std::unique_ptr<AppIsolate>> made = AppIsolate::create(options, host_);
  if (!made.ok()) return made.status();
  return std::unique_ptr<Executor>(std::make_unique<IsolateExecutor>(std::move(made).value()));
}

}  // namespace ck::sandbox
