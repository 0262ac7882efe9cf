#pragma once

#include <cstddef>
#include <cstdint>

namespace ck::sandbox {

// Per-invocation and per-isolate limits, with DESIGN.md's defaults.
struct Limits {
  uint64_t cpuMs = 5'000;                     // CPU time of the JS thread per invocation
  uint64_t wallMs = 10'000;                   // wall time per invocation (2x CPU, at most 60 s)
  size_t heapBytes = 128u << 20;              // V8 heap per isolate; exceeding it retires the isolate
  size_t arrayBufferBytes = 64u << 20;        // ArrayBuffer backing stores per isolate
  size_t stackBytes = 512u << 10;             // JS stack per invocation (the thread has more)
  // An invocation's result as JSON text: a larger one is refused
  // (kScriptError) instead of being copied through the host and answered.
  size_t resultBytes = 16u << 20;
};

}  // namespace ck::sandbox
