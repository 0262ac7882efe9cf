#include "sandbox/limited_allocator.h"

#include <cstdlib>
#include <cstring>

namespace ck::sandbox {

bool LimitedAllocator::reserve(size_t length) {
  size_t used = used_.load(std::memory_order_relaxed);
  do {
    if (length > budget_ || used > budget_ - length) return false;
  } while (!used_.compare_exchange_weak(used, used + length, std::memory_order_relaxed));
  return true;
}

void* LimitedAllocator::Allocate(size_t length) {
  if (!reserve(length)) return nullptr;
  void* data = std::calloc(length == 0 ? 1 : length, 1);
  if (data == nullptr) release(length);
  return data;
}

void* LimitedAllocator::AllocateUninitialized(size_t length) {
  if (!reserve(length)) return nullptr;
  void* data = std::malloc(length == 0 ? 1 : length);
  if (data == nullptr) release(length);
  return data;
}

void LimitedAllocator::Free(void* data, size_t length) {
  if (data == nullptr) return;
  std::free(data);
  release(length);
}

void* LimitedAllocator::Reallocate(void* data, size_t oldLength, size_t newLength) {
  if (newLength > oldLength) {
    if (!reserve(newLength - oldLength)) return nullptr;
  }
  void* grown = std::realloc(data, newLength == 0 ? 1 : newLength);
  if (grown == nullptr) {
    if (newLength > oldLength) release(newLength - oldLength);
    return nullptr;
  }
  if (newLength > oldLength) std::memset(static_cast<char*>(grown) + oldLength, 0, newLength - oldLength);
  if (newLength < oldLength) release(oldLength - newLength);
  return grown;
}

}  // namespace ck::sandbox
