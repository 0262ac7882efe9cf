#pragma once

// Internal to sandbox/: the process-wide V8 platform and the clock JS sees.
// Includes no V8 header; the public entry point is initializeV8() in
// app_isolate.h.

#include <cstdint>

namespace v8 {
class Isolate;
class Platform;
}  // namespace v8

namespace ck::sandbox {

// The V8 flags set before V8::Initialize, space-separated. Process-wide:
// every isolate of the process gets them.
extern const char* const kV8Flags;

// The default platform that the process-wide platform wraps. Needed for
// v8::platform::PumpMessageLoop and NotifyIsolateShutdown, which cast their
// argument to libplatform's own class. REQUIRES: initializeV8() ran.
v8::Platform* defaultPlatform();

// Runs the foreground tasks V8 posted for `isolate` (GC finalisation,
// compile jobs) without waiting. On the isolate's thread, inside its scope.
void pumpForegroundTasks(v8::Isolate* isolate);

// What Date.now() and new Date() return on the calling thread.
//
// JS never sees a fine clock: while a FrozenClock is alive on a thread, the
// time is frozen at the value it was created with (whole milliseconds), so a
// busy loop measures nothing; refresh() moves it forward (after a host call,
// the only place the outside world can have changed). Without one, the time
// is the wall clock floored to whole milliseconds. There is no
// performance.now() or other high-resolution timer.
class FrozenClock {
 public:
  FrozenClock();
  ~FrozenClock();
  FrozenClock(const FrozenClock&) = delete;
  FrozenClock& operator=(const FrozenClock&) = delete;

  // Freezes the calling thread's JS clock at the current wall time.
  static void refresh();
  // The calling thread's JS time in milliseconds since the Unix epoch.
  static double nowMs();

 private:
  double saved_;  // the enclosing value, restored on destruction (nesting)
};

}  // namespace ck::sandbox
