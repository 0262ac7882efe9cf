#include "sandbox/app_isolate.h"

#include <libplatform/libplatform.h>
#include <v8.h>

#include <algorithm>
#include <mutex>

#include "sandbox/app_isolate_impl.h"
#include "sandbox/code_cache.h"
#include "sandbox/js_errors.h"
#include "sandbox/json_v8.h"
#include "sandbox/module_path.h"
#include "sandbox/prelude.h"
#include "sandbox/thread_stack.h"

namespace ck::sandbox {

namespace {

// Isolate::New and Dispose + NotifyIsolateShutdown run under one lock: the
// default platform keys its per-isolate task runners by address, and an
// isolate allocated at a just-disposed isolate's address before that
// isolate's runner is removed would get (and then lose) the stale runner.
std::mutex gLifecycleMutex;

constexpr uint32_t kImplSlot = 0;

// Old-generation room granted past the limit so a terminated script can
// unwind; the isolate is retired afterwards.
size_t heapHeadroom(size_t currentLimit) { return std::max(currentLimit / 2, size_t{32} << 20); }

}  // namespace

// ---- AppIsolate ---------------------------------------------------------------

AppIsolate::AppIsolate(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AppIsolate::~AppIsolate() = default;

Result<std::unique_ptr<AppIsolate>> AppIsolate::create(const Options& options, HostInterface& host) {
  initializeV8();
  if (!options.bundle) return Status(ErrorCode::kBundleError, "No bundle to load");
  auto impl = std::make_unique<Impl>(options, host);
  Status status = impl->init();
  if (!status.ok()) return status;
  return std::unique_ptr<AppIsolate>(new AppIsolate(std::move(impl)));
}

InvocationResult AppIsolate::invoke(const InvocationRequest& request) { return impl_->invoke(request); }
bool AppIsolate::retired() const { return impl_->retired(); }
size_t AppIsolate::heapUsedBytes() const { return impl_->heapUsedBytes(); }

// ---- Impl: lifecycle ------------------------------------------------------------

AppIsolate::Impl::Impl(const Options& options, HostInterface& host)
    : options_(options),
      host_(host),
      allocator_(std::make_shared<LimitedAllocator>(options.limits.arrayBufferBytes)),
      hostApi_(host, options.limits.resultBytes) {}

AppIsolate::Impl::~Impl() {
  if (isolate_ == nullptr) return;
  // Every Global and template goes before the isolate.
  rejections_.clear();
  entryExports_.clear();
  lastFunctionKey_.Reset();
  loader_.reset();
  templates_.reset();
  context_.Reset();
  std::lock_guard lock(gLifecycleMutex);
  isolate_->Dispose();
  v8::platform::NotifyIsolateShutdown(defaultPlatform(), isolate_);
}

size_t AppIsolate::Impl::heapUsedBytes() const {
  v8::HeapStatistics stats;
  isolate_->GetHeapStatistics(&stats);
  return stats.used_heap_size();
}

Status AppIsolate::Impl::init() {
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator_shared = allocator_;
  params.constraints.ConfigureDefaultsFromHeapSize(0, options_.limits.heapBytes);
  params.constraints.set_code_range_size_in_bytes(kCodeRangeBytes);
  {
    std::lock_guard lock(gLifecycleMutex);
    isolate_ = v8::Isolate::New(params);
  }
  isolate_->SetData(kImplSlot, this);
  isolate_->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
  isolate_->AddNearHeapLimitCallback(&Impl::nearHeapLimit, this);
  isolate_->SetPromiseRejectCallback(&Impl::promiseRejected);
  isolate_->SetHostImportModuleDynamicallyCallback(&Impl::importDynamically);
  isolate_->SetAllowWasmCodeGenerationCallback(&Impl::allowWasm);
  isolate_->SetAllowAtomicsWait(false);
  isolate_->SetCaptureStackTraceForUncaughtExceptions(true, 16);

  Logger* log = options_.log;
  std::string appId = options_.appId;
  templates_ = std::make_unique<BindingTemplates>(isolate_, [log, appId](std::string_view ref, std::string_view what) {
    if (log != nullptr) log->error("binding threw", {{"app", appId}, {"ref", ref}, {"what", what}});
  });
  loader_ = std::make_unique<ModuleLoader>(isolate_, options_.bundle, CodeCache::shared());

  v8::Isolate::Scope isolateScope(isolate_);
  v8::HandleScope handleScope(isolate_);
  v8::Local<v8::Context> context = v8::Context::New(isolate_);
  context_.Reset(isolate_, context);
  v8::Context::Scope contextScope(context);
  context->AllowCodeGenerationFromStrings(false);
  context->SetErrorMessageForCodeGenerationFromStrings(
      jsString(isolate_, "Code generation from strings (eval, Function) is disabled").ToLocalChecked());

  Run run(*this, options_.limits.cpuMs, options_.limits.wallMs, nullptr);
  Status status = runPrelude(context, run);
  if (status.ok()) status = loadEntries(context, run);
  // Module bodies may have started async work; it settles now, in the budget.
  if (status.ok() && !run.stopped()) isolate_->PerformMicrotaskCheckpoint();
  if (status.ok() && !run.stopped()) pumpForegroundTasks(isolate_);
  Watchdog::Expiry expiry = run.finish();
  if (expiry != Watchdog::Expiry::kNone || heapExhausted_) return stoppedStatus(expiry, "loading the bundle");
  return status;
}

Status AppIsolate::Impl::stoppedStatus(Watchdog::Expiry expiry, const char* during) const {
  std::string when = during;
  if (heapExhausted_) {
    return Status(ErrorCode::kHeapExhausted, errorInfo(ErrorCode::kHeapExhausted).defaultMessage + (" while " + when));
  }
  std::string budget = expiry == Watchdog::Expiry::kWall ? "wall" : "CPU";
  return Status(ErrorCode::kCodeTimeout, std::string(errorInfo(ErrorCode::kCodeTimeout).defaultMessage) + " (" +
                                             budget + " limit, while " + when + ")");
}

Status AppIsolate::Impl::runPrelude(v8::Local<v8::Context> context, Run& run) {
  static const std::vector<std::string> kParams{"host", "intrinsics"};
  static const std::vector<std::string> kNoParams{};
  v8::TryCatch tryCatch(isolate_);
  v8::Local<v8::Object> host;
  bool fromCache = false;
  v8::Local<v8::Function> fn;
  // The host's intrinsic scripts, compiled here and called by the prelude
  // before it freezes (so what they install is frozen too).
  std::vector<std::pair<const IntrinsicScript*, bool>> fresh;  // compiled from source: store after the run
  v8::Local<v8::Array> intrinsics = v8::Array::New(isolate_, static_cast<int>(options_.intrinsics.size()));
  std::vector<v8::Local<v8::Function>> compiled;
  bool ok = true;
  for (const IntrinsicScript& script : options_.intrinsics) {
    bool cached = false;
    v8::Local<v8::Function> f;
    if (!CodeCache::shared().compile(context, script.name, script.source, kNoParams, &cached).ToLocal(&f) ||
        intrinsics->Set(context, static_cast<uint32_t>(compiled.size()), f).IsNothing()) {
      ok = false;
      break;
    }
    compiled.push_back(f);
    fresh.emplace_back(&script, !cached);
  }
  if (ok && templates_->wrap(context, &hostApi_).ToLocal(&host) &&
      CodeCache::shared().compile(context, "cloudkeep:prelude.js", kPreludeJs, kParams, &fromCache).ToLocal(&fn)) {
    v8::Local<v8::Value> args[] = {host, intrinsics};
    if (!fn->Call(context, v8::Undefined(isolate_), 2, args).IsEmpty()) {
      if (!fromCache) CodeCache::shared().store(kPreludeJs, kParams, fn);
      for (size_t i = 0; i < fresh.size(); ++i) {
        if (fresh[i].second) CodeCache::shared().store(fresh[i].first->source, kNoParams, compiled[i]);
      }
      return Status();
    }
  }
  if (run.stopped()) return Status(ErrorCode::kInternal, "internal error: the prelude was terminated");
  std::string why = "no exception";
  if (tryCatch.HasCaught()) why = describeJsError(context, tryCatch.Exception(), tryCatch.Message()).detail;
  if (options_.log != nullptr) options_.log->error("sandbox prelude failed", {{"app", options_.appId}, {"why", why}});
  return Status(ErrorCode::kInternal, "internal error: the sandbox prelude failed");
}

Status AppIsolate::Impl::loadEntries(v8::Local<v8::Context> context, Run& run) {
  for (const std::string& entry : options_.bundle->entries) {
    // An entry is a bundle path, with or without "./" and ".js".
    std::string spec = entry.starts_with("./") || entry.starts_with("../") ? entry : "./" + entry;
    Result<std::string> path = resolveModule(*options_.bundle, "", spec);
    if (!path.ok()) return Status(ErrorCode::kBundleError, "Entry '" + entry + "': " + path.status().message());
    v8::TryCatch tryCatch(isolate_);
    v8::Local<v8::Value> exports;
    if (!loader_->load(context, *path).ToLocal(&exports)) {
      // A stopped run's status (timeout, heap) replaces this one in init().
      if (run.stopped() || !tryCatch.HasCaught()) return Status(ErrorCode::kInternal, "internal error: terminated");
      JsErrorText error = describeJsError(context, tryCatch.Exception(), tryCatch.Message());
      if (run.stopped()) return Status(ErrorCode::kInternal, "internal error: terminated");
      std::string where = error.location.empty() ? *path : error.location;
      return Status(ErrorCode::kBundleError, truncateUtf8(where + ": " + error.message, kMaxErrorMessageBytes));
    }
    entryExports_.emplace_back(isolate_, exports);
  }
  return Status();
}

// ---- Impl: V8 callbacks -----------------------------------------------------------

size_t AppIsolate::Impl::nearHeapLimit(void* data, size_t currentLimit, size_t /*initialLimit*/) {
  auto* self = static_cast<Impl*>(data);
  self->heapExhausted_ = true;
  self->retired_ = true;
  self->isolate_->TerminateExecution();
  // Must exceed currentLimit, or V8 aborts the process.
  return currentLimit + heapHeadroom(currentLimit);
}

void AppIsolate::Impl::promiseRejected(v8::PromiseRejectMessage message) {
  v8::Local<v8::Promise> promise = message.GetPromise();
  v8::Isolate* isolate = promise->GetIsolate();
  auto* self = static_cast<Impl*>(isolate->GetData(kImplSlot));
  if (self == nullptr || !self->tracking_) return;
  try {
    switch (message.GetEvent()) {
      case v8::kPromiseRejectWithNoHandler:
        if (self->rejections_.size() >= kMaxTrackedRejections) {
          self->untrackedRejections_++;
        } else {
          self->rejections_.push_back(
              {v8::Global<v8::Promise>(isolate, promise), v8::Global<v8::Value>(isolate, message.GetValue())});
        }
        break;
      case v8::kPromiseHandlerAddedAfterReject:
        std::erase_if(self->rejections_, [&](const Rejection& r) { return r.promise == promise; });
        break;
      default:
        break;
    }
  } catch (...) {
    self->untrackedRejections_++;  // out of memory: count it, never throw into V8
  }
}

v8::MaybeLocal<v8::Promise> AppIsolate::Impl::importDynamically(v8::Local<v8::Context> context,
                                                                v8::Local<v8::Data> /*options*/,
                                                                v8::Local<v8::Value> /*resourceName*/,
                                                                v8::Local<v8::String> /*specifier*/,
                                                                v8::Local<v8::FixedArray> /*assertions*/) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::Promise::Resolver> resolver;
  v8::Local<v8::String> message;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver) ||
      !jsString(isolate, "import() is not supported; use require('./relative/path')").ToLocal(&message) ||
      resolver->Reject(context, v8::Exception::Error(message)).IsNothing()) {
    return {};
  }
  return resolver->GetPromise();
}

bool AppIsolate::Impl::allowWasm(v8::Local<v8::Context>, v8::Local<v8::String>) { return false; }

}  // namespace ck::sandbox
