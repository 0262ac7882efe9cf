#include "sandbox/v8_platform.h"

#include <libplatform/libplatform.h>
#include <v8.h>

#include <chrono>
#include <memory>
#include <mutex>

#include "sandbox/app_isolate.h"

namespace ck::sandbox {

// Why each flag:
//   --no-expose-wasm                 no WebAssembly global (the codegen callback also refuses wasm)
//   --no-harmony-sharedarraybuffer   no SharedArrayBuffer global
//   --no-harmony-atomics             no Atomics global (useless without shared memory)
//   --no-experimental-wasm-threads   no shared WebAssembly.Memory, the other way to a SharedArrayBuffer
//   --disallow-code-generation-from-strings  eval/Function refused process-wide, beneath the
//                                    per-context AllowCodeGenerationFromStrings(false)
//   --regexp-interpret-all           regular expressions run in V8's bytecode interpreter and are
//                                    never compiled to machine code: with the small code range of
//                                    each isolate (isolate_setup.cc), a few thousand live compiled
//                                    RegExps exhaust it and V8 aborts the process. Without them
//                                    the machine code of an isolate is bounded by its bundle's
//                                    size. Regex-heavy code runs about 5x slower; catastrophic
//                                    patterns stay terminable.
const char* const kV8Flags =
    "--no-expose-wasm --no-harmony-sharedarraybuffer --no-harmony-atomics "
    "--no-experimental-wasm-threads --disallow-code-generation-from-strings "
    "--regexp-interpret-all";

namespace {

thread_local double tFrozenMs = 0;  // 0: the clock of this thread is not frozen

double wallClockMs() {
  auto since = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(since).count());
}

// The process-wide platform: libplatform's default platform with every call
// forwarded, except the clock JS reads (see FrozenClock).
class SandboxPlatform final : public v8::Platform {
 public:
  explicit SandboxPlatform(std::unique_ptr<v8::Platform> inner) : inner_(std::move(inner)) {}

  v8::Platform* inner() const { return inner_.get(); }

  v8::PageAllocator* GetPageAllocator() override { return inner_->GetPageAllocator(); }
  v8::ZoneBackingAllocator* GetZoneBackingAllocator() override { return inner_->GetZoneBackingAllocator(); }
  void OnCriticalMemoryPressure() override { inner_->OnCriticalMemoryPressure(); }
  bool OnCriticalMemoryPressure(size_t length) override { return inner_->OnCriticalMemoryPressure(length); }
  int NumberOfWorkerThreads() override { return inner_->NumberOfWorkerThreads(); }
  std::shared_ptr<v8::TaskRunner> GetForegroundTaskRunner(v8::Isolate* isolate) override {
    return inner_->GetForegroundTaskRunner(isolate);
  }
  void CallOnWorkerThread(std::unique_ptr<v8::Task> task) override { inner_->CallOnWorkerThread(std::move(task)); }
  void CallBlockingTaskOnWorkerThread(std::unique_ptr<v8::Task> task) override {
    inner_->CallBlockingTaskOnWorkerThread(std::move(task));
  }
  void CallLowPriorityTaskOnWorkerThread(std::unique_ptr<v8::Task> task) override {
    inner_->CallLowPriorityTaskOnWorkerThread(std::move(task));
  }
  void CallDelayedOnWorkerThread(std::unique_ptr<v8::Task> task, double delaySeconds) override {
    inner_->CallDelayedOnWorkerThread(std::move(task), delaySeconds);
  }
  bool IdleTasksEnabled(v8::Isolate* isolate) override { return inner_->IdleTasksEnabled(isolate); }
  std::unique_ptr<v8::JobHandle> PostJob(v8::TaskPriority priority, std::unique_ptr<v8::JobTask> task) override {
    return inner_->PostJob(priority, std::move(task));
  }
  double MonotonicallyIncreasingTime() override { return inner_->MonotonicallyIncreasingTime(); }
  double CurrentClockTimeMillis() override { return FrozenClock::nowMs(); }
  StackTracePrinter GetStackTracePrinter() override { return inner_->GetStackTracePrinter(); }
  v8::TracingController* GetTracingController() override { return inner_->GetTracingController(); }
  void DumpWithoutCrashing() override { inner_->DumpWithoutCrashing(); }
  v8::HighAllocationThroughputObserver* GetHighAllocationThroughputObserver() override {
    return inner_->GetHighAllocationThroughputObserver();
  }

 private:
  std::unique_ptr<v8::Platform> inner_;
};

// Never destroyed: V8 cannot be re-initialised after disposal, and worker
// threads may still run at exit.
SandboxPlatform* gPlatform = nullptr;
std::once_flag gInitOnce;

}  // namespace

void initializeV8() {
  std::call_once(gInitOnce, [] {
    v8::V8::SetFlagsFromString(kV8Flags);
    gPlatform = new SandboxPlatform(v8::platform::NewDefaultPlatform());
    v8::V8::InitializePlatform(gPlatform);
    v8::V8::Initialize();
  });
}

v8::Platform* defaultPlatform() { return gPlatform->inner(); }

void pumpForegroundTasks(v8::Isolate* isolate) {
  while (v8::platform::PumpMessageLoop(defaultPlatform(), isolate, v8::platform::MessageLoopBehavior::kDoNotWait)) {
  }
}

FrozenClock::FrozenClock() : saved_(tFrozenMs) { tFrozenMs = wallClockMs(); }
FrozenClock::~FrozenClock() { tFrozenMs = saved_; }

void FrozenClock::refresh() {
  if (tFrozenMs != 0) tFrozenMs = wallClockMs();
}

double FrozenClock::nowMs() { return tFrozenMs != 0 ? tFrozenMs : wallClockMs(); }

}  // namespace ck::sandbox
