#pragma once

#include <cstddef>
#include <cstdint>

namespace ck::sandbox {

// The lowest address JS may use on the calling thread: `bytes` below the
// caller's frame, but never within kStackGuardMargin of the end of the
// thread's stack (so a Limits::stackBytes larger than the thread's stack
// still gives a RangeError, not a segfault). For Isolate::SetStackLimit.
uintptr_t jsStackLimit(size_t bytes);

// Room left below the JS limit for V8's and the host's C++ frames.
constexpr size_t kStackGuardMargin = 64u << 10;

}  // namespace ck::sandbox
