#include "sandbox/thread_stack.h"

#include <pthread.h>

namespace ck::sandbox {

namespace {

// The low end of the calling thread's stack, 0 when unknown.
uintptr_t stackLow() {
  thread_local uintptr_t low = [] {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return uintptr_t{0};
    void* addr = nullptr;
    size_t size = 0;
    uintptr_t result = 0;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0) result = reinterpret_cast<uintptr_t>(addr);
    pthread_attr_destroy(&attr);
    return result;
  }();
  return low;
}

}  // namespace

uintptr_t jsStackLimit(size_t bytes) {
  auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  uintptr_t limit = here > bytes ? here - bytes : 0;
  uintptr_t low = stackLow();
  if (low != 0 && limit < low + kStackGuardMargin) limit = low + kStackGuardMargin;
  return limit;
}

}  // namespace ck::sandbox
