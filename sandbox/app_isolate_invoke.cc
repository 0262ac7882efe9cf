// AppIsolate::Impl: running one invocation (and the Run guard that bounds
// every stretch of JS execution, init's included).

#include <v8.h>

#include <chrono>

#include "base/json_text.h"
#include "sandbox/app_isolate_impl.h"
#include "sandbox/js_errors.h"
#include "sandbox/json_v8.h"
#include "sandbox/thread_stack.h"

namespace ck::sandbox {

namespace {

// Handed to the host when a request carries no context of its own.
InvocationContext& emptyContext() {
  static InvocationContext* context = new InvocationContext();
  return *context;
}

std::string quotedName(const std::string& name) { return "'" + truncateUtf8(name, 100) + "'"; }

}  // namespace

// ---- Run --------------------------------------------------------------------------

AppIsolate::Impl::Run::Run(Impl& impl, uint64_t cpuMs, uint64_t wallMs, InvocationContext* invocation)
    : impl_(impl), arm_(Watchdog::shared(), cpuMs, wallMs, [isolate = impl.isolate_] { isolate->TerminateExecution(); }) {
  impl_.isolate_->SetStackLimit(jsStackLimit(impl_.options_.limits.stackBytes));
  if (invocation != nullptr) impl_.hostApi_.enter(*invocation);
  impl_.rejections_.clear();
  impl_.untrackedRejections_ = 0;
  impl_.tracking_ = true;
}

bool AppIsolate::Impl::Run::stopped() {
  return impl_.heapExhausted_ || impl_.isolate_->IsExecutionTerminating() ||
         (!finished_ && arm_.expiry() != Watchdog::Expiry::kNone);
}

Watchdog::Expiry AppIsolate::Impl::Run::finish() {
  if (finished_) return expiry_;
  bool terminated = stopped();
  finished_ = true;
  expiry_ = arm_.disarm();  // from here on the watchdog never terminates this isolate
  v8::Isolate* isolate = impl_.isolate_;
  if ((terminated || expiry_ != Watchdog::Expiry::kNone) && !impl_.heapExhausted_) {
    // A run terminated mid-function can leave continuations queued. Running
    // the queue with a termination pending makes V8 drop all of it.
    isolate->TerminateExecution();
    isolate->PerformMicrotaskCheckpoint();
  }
  isolate->CancelTerminateExecution();
  impl_.hostApi_.leave();
  impl_.tracking_ = false;
  impl_.rejections_.clear();
  return expiry_;
}

// ---- invoke -----------------------------------------------------------------------

InvocationResult AppIsolate::Impl::invoke(const InvocationRequest& request) {
  InvocationResult result;
  auto wallStart = std::chrono::steady_clock::now();
  // Reading a thread's CPU clock is a system call: the start comes from the
  // run's watch (recentThreadCpuNs), a refusal before any run counts none,
  // and a success is measured only when asked.
  std::optional<int64_t> cpuStart;
  auto stamp = [&] {
    const bool measure = cpuStart && (request.measureCpu || !result.status.ok());
    result.cpuMs = measure ? static_cast<double>(threadCpuNs() - *cpuStart) / 1e6 : 0;
    result.wallMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wallStart).count();
  };
  if (retired_) {
    result.status = Status(ErrorCode::kHeapExhausted, errorInfo(ErrorCode::kHeapExhausted).defaultMessage);
    result.detail = "the isolate ran out of memory earlier and is retired; create a new one";
    stamp();
    return result;
  }
  const bool argsAsText = !request.argsJson.empty();
  const bool argsOk = argsAsText ? request.argsJson.front() == '[' && jsonTextWithin(request.argsJson, kMaxJsonDepth)
                                 : request.args.is_array() && jsonWithinDepth(request.args);
  if (!argsOk) {
    result.status = Status(ErrorCode::kInvalidArgument, "Invocation arguments must be a JSON array nested at most " +
                                                            std::to_string(kMaxJsonDepth) + " deep");
    stamp();
    return result;
  }

  v8::Isolate::Scope isolateScope(isolate_);
  v8::HandleScope handleScope(isolate_);
  v8::Local<v8::Context> context = context_.Get(isolate_);
  v8::Context::Scope contextScope(context);
  Run run(*this, request.cpuMs, request.wallMs, request.context ? request.context.get() : &emptyContext());
  cpuStart = run.cpuStartNs();
  bool stopped = false;
  {
    v8::TryCatch tryCatch(isolate_);
    v8::Local<v8::Function> fn;
    v8::Local<v8::Value> receiver;
    v8::Local<v8::Value> returned;
    Status found = findFunction(context, request.function, &fn, &receiver);
    if (found.ok()) {
      v8::Local<v8::Value> args;
      std::vector<v8::Local<v8::Value>> argv;
      bool allArgs = false;  // parsed as an array and every element read
      v8::MaybeLocal<v8::Value> parsed =
          argsAsText ? jsonTextToV8(context, request.argsJson) : jsonToV8(context, request.args);
      if (parsed.ToLocal(&args) && args->IsArray()) {
        v8::Local<v8::Array> array = args.As<v8::Array>();
        for (uint32_t i = 0; i < array->Length(); i++) {
          v8::Local<v8::Value> arg;
          if (!array->Get(context, i).ToLocal(&arg)) break;
          argv.push_back(arg);
        }
        allArgs = argv.size() == array->Length();
        for (const std::string& text : request.textArgs) {
          v8::Local<v8::String> arg;
          if (!jsString(isolate_, text).ToLocal(&arg)) {
            allArgs = false;
            break;
          }
          argv.push_back(arg);
        }
      }
      v8::MaybeLocal<v8::Value> call;
      if (allArgs) {
        call = fn->Call(context, receiver, static_cast<int>(argv.size()), argv.data());
      }
      returned = call.FromMaybe(v8::Local<v8::Value>());
      if (!run.stopped()) isolate_->PerformMicrotaskCheckpoint();
      settle(context, tryCatch, call, request.envelope, run, result);
    } else if (!run.stopped()) {
      result.status = found;
    }
    if (!run.stopped()) reportRejections(context, returned, result);
    if (!run.stopped()) pumpForegroundTasks(isolate_);
    stopped = run.stopped();
  }
  Watchdog::Expiry expiry = run.finish();
  bool completed = !stopped && expiry == Watchdog::Expiry::kNone && !heapExhausted_;
  if (completed && !codeCachesStored_) {
    loader_->storeCodeCaches();
    codeCachesStored_ = true;
  }
  if (!completed) {
    result.valueJson = "null";
    result.unhandledRejections.clear();
    std::string fn = quotedName(request.function);
    if (heapExhausted_) {
      result.status = Status(ErrorCode::kHeapExhausted, errorInfo(ErrorCode::kHeapExhausted).defaultMessage);
      result.detail = "the V8 heap limit of " + std::to_string(options_.limits.heapBytes >> 20) +
                      " MB was reached running " + fn + "; the isolate is retired";
    } else if (expiry == Watchdog::Expiry::kCpu) {
      result.status = Status(ErrorCode::kCodeTimeout, errorInfo(ErrorCode::kCodeTimeout).defaultMessage);
      result.detail = "the CPU time limit of " + std::to_string(request.cpuMs) + " ms was exceeded running " + fn;
    } else if (expiry == Watchdog::Expiry::kWall) {
      result.status = Status(ErrorCode::kCodeTimeout, errorInfo(ErrorCode::kCodeTimeout).defaultMessage);
      result.detail = "the wall time limit of " + std::to_string(request.wallMs) + " ms was exceeded running " + fn;
    } else {
      result.status = Status(ErrorCode::kInternal, errorInfo(ErrorCode::kInternal).defaultMessage);
      result.detail = "execution of " + fn + " was terminated for no known reason";
    }
  }
  stamp();
  return result;
}

Status AppIsolate::Impl::findFunction(v8::Local<v8::Context> context, const std::string& name,
                                      v8::Local<v8::Function>* fn, v8::Local<v8::Value>* receiver) {
  v8::Local<v8::String> key;
  if (!name.empty() && name == lastFunctionName_ && !lastFunctionKey_.IsEmpty()) {
    key = lastFunctionKey_.Get(isolate_);
  } else if (!name.empty() && name.size() <= static_cast<size_t>(v8::String::kMaxLength) &&
             v8::String::NewFromUtf8(isolate_, name.data(), v8::NewStringType::kInternalized,
                                     static_cast<int>(name.size()))
                 .ToLocal(&key)) {
    lastFunctionName_ = name;
    lastFunctionKey_.Reset(isolate_, key);
  }
  if (!key.IsEmpty()) {
    for (const v8::Global<v8::Value>& entry : entryExports_) {
      v8::Local<v8::Value> exports = entry.Get(isolate_);
      if (!exports->IsObject()) continue;
      v8::Local<v8::Object> obj = exports.As<v8::Object>();
      // Own properties only: never Object.prototype's or another inherited name.
      v8::Maybe<bool> has = obj->HasOwnProperty(context, key);
      v8::Local<v8::Value> value;
      if (has.IsNothing() || (has.FromJust() && !obj->Get(context, key).ToLocal(&value))) {
        return Status(ErrorCode::kScriptError, "Looking up " + quotedName(name) + " in the bundle's exports threw");
      }
      if (!has.FromJust()) continue;
      if (!value->IsFunction()) {
        return Status(ErrorCode::kNoSuchFunction, "The bundle exports " + quotedName(name) + " but not as a function");
      }
      *fn = value.As<v8::Function>();
      *receiver = obj;
      return Status();
    }
  }
  return Status(ErrorCode::kNoSuchFunction, "No function " + quotedName(name) + " is exported by the bundle");
}

// InvocationRequest::envelope: `extra`'s members as JSON.stringify writes
// them, then `value`: the host's own text when `valueJson` is a string it
// answered, else the value serialised.
ToJson AppIsolate::Impl::writeEnvelope(v8::Local<v8::Context> context, v8::Local<v8::Array> envelope,
                                       size_t maxBytes, std::string* out) {
  v8::Local<v8::Value> value;
  v8::Local<v8::Value> text;
  v8::Local<v8::Value> extra;
  if (!envelope->Get(context, 0).ToLocal(&value) || !envelope->Get(context, 1).ToLocal(&text) ||
      !envelope->Get(context, 2).ToLocal(&extra)) {
    return ToJson::kThrew;
  }
  if (extra->IsUndefined()) {
    *out = "{";
  } else {
    if (!extra->IsObject() || extra->IsArray()) return ToJson::kInvalid;
    ToJson written = v8ToJsonText(context, extra, out, maxBytes);
    if (written != ToJson::kOk) return written;
    if (out->size() < 2 || out->front() != '{') return ToJson::kInvalid;  // a toJSON made it something else
    out->pop_back();  // '}'
    if (out->size() > 1) *out += ',';
  }
  *out += "\"value\":";
  const std::string* answered = text->IsString() ? hostApi_.answeredText(text.As<v8::String>()) : nullptr;
  if (answered != nullptr) {
    *out += *answered;
  } else {
    std::string valueText;
    ToJson written = v8ToJsonText(context, value, &valueText, maxBytes);
    if (written == ToJson::kUndefined) {
      valueText = "null";
    } else if (written != ToJson::kOk) {
      return written;
    }
    *out += valueText;
  }
  *out += '}';
  return out->size() > maxBytes ? ToJson::kTooLarge : ToJson::kOk;
}

void AppIsolate::Impl::settle(v8::Local<v8::Context> context, v8::TryCatch& tryCatch,
                              v8::MaybeLocal<v8::Value> returned, bool envelope, Run& run,
                              InvocationResult& result) {
  if (run.stopped()) return;
  auto scriptError = [&](v8::Local<v8::Value> exception, v8::Local<v8::Message> message, const std::string& prefix) {
    JsErrorText error = describeJsError(context, exception, message);
    result.status = Status(ErrorCode::kScriptError, truncateUtf8(prefix + error.message, kMaxErrorMessageBytes));
    result.detail = std::move(error.detail);
  };
  v8::Local<v8::Value> value;
  if (!returned.ToLocal(&value)) {
    if (tryCatch.HasCaught()) {
      scriptError(tryCatch.Exception(), tryCatch.Message(), "");
    } else {
      result.status = Status(ErrorCode::kInternal, errorInfo(ErrorCode::kInternal).defaultMessage);
    }
    return;
  }
  if (value->IsPromise()) {
    v8::Local<v8::Promise> promise = value.As<v8::Promise>();
    switch (promise->State()) {
      case v8::Promise::kPending:
        result.status = Status(ErrorCode::kNeverSettles, errorInfo(ErrorCode::kNeverSettles).defaultMessage);
        result.detail = "the promise was still pending after every microtask ran; with no timers and only "
                        "settled host calls, nothing can settle it later";
        return;
      case v8::Promise::kRejected:
        scriptError(promise->Result(), v8::Local<v8::Message>(), "");
        return;
      case v8::Promise::kFulfilled:
        value = promise->Result();
        break;
    }
  }
  std::string json;
  const size_t maxBytes = options_.limits.resultBytes;
  ToJson written = envelope && value->IsArray() ? writeEnvelope(context, value.As<v8::Array>(), maxBytes, &json)
                                                : v8ToJsonText(context, value, &json, maxBytes);
  switch (written) {
    case ToJson::kOk:
      result.valueJson = std::move(json);
      break;
    case ToJson::kUndefined:
      result.valueJson = "null";
      break;
    case ToJson::kThrew:
      if (run.stopped()) return;
      scriptError(tryCatch.Exception(), tryCatch.Message(), "The result is not JSON-serializable: ");
      tryCatch.Reset();
      break;
    case ToJson::kInvalid:
      result.status = Status(ErrorCode::kScriptError,
                             "The result cannot be represented as JSON (a lone surrogate, or nested deeper than " +
                                 std::to_string(kMaxJsonDepth) + ")");
      break;
    case ToJson::kTooLarge:
      result.status = Status(ErrorCode::kScriptError,
                             "The result is larger than " + std::to_string(maxBytes >> 20) + " MB as JSON");
      result.detail = "the result is over the limit of " + std::to_string(maxBytes) + " bytes of JSON text";
      break;
  }
}

void AppIsolate::Impl::reportRejections(v8::Local<v8::Context> context, v8::Local<v8::Value> returned,
                                        InvocationResult& result) {
  // Describing may run JS that rejects more promises; work on a snapshot.
  std::vector<Rejection> pending = std::move(rejections_);
  rejections_.clear();
  for (const Rejection& r : pending) {
    v8::Local<v8::Promise> promise = r.promise.Get(isolate_);
    if (!returned.IsEmpty() && promise == returned) continue;  // the result itself: settle() reported it
    JsErrorText error = describeJsError(context, r.reason.Get(isolate_), v8::Local<v8::Message>());
    if (isolate_->IsExecutionTerminating()) return;
    std::string text = error.message;
    if (!error.location.empty()) text += " (at " + error.location + ")";
    result.unhandledRejections.push_back(std::move(text));
  }
  if (untrackedRejections_ > 0) {
    result.unhandledRejections.push_back("... and " + std::to_string(untrackedRejections_) + " more");
  }
}

}  // namespace ck::sandbox
