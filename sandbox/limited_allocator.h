#pragma once

#include <v8.h>

#include <atomic>
#include <cstddef>

namespace ck::sandbox {

// The ArrayBuffer allocator of one isolate: counts the bytes of live backing
// stores and refuses (returns nullptr) an allocation that would take the
// total over the budget, which JS sees as
// "RangeError: Array buffer allocation failed". ArrayBuffers live outside the
// V8 heap, so the heap limit does not bound them.
//
// V8 may free backing stores on its own threads, so the count is atomic.
// Shared with V8 (CreateParams::array_buffer_allocator_shared): V8 keeps it
// alive until the last backing store is freed, which can be after the
// isolate is disposed.
class LimitedAllocator final : public v8::ArrayBuffer::Allocator {
 public:
  explicit LimitedAllocator(size_t budgetBytes) : budget_(budgetBytes) {}

  void* Allocate(size_t length) override;
  void* AllocateUninitialized(size_t length) override;
  void Free(void* data, size_t length) override;
  void* Reallocate(void* data, size_t oldLength, size_t newLength) override;

  size_t usedBytes() const { return used_.load(std::memory_order_relaxed); }
  size_t budgetBytes() const { return budget_; }

 private:
  // Reserves `length` bytes of the budget; false when over it.
  bool reserve(size_t length);
  void release(size_t length) { used_.fetch_sub(length, std::memory_order_relaxed); }

  const size_t budget_;
  std::atomic<size_t> used_{0};
};

}  // namespace ck::sandbox
