#pragma once

#include <atomic>
#include <cstdint>

namespace ck {

// The time source. Injected everywhere time matters so tests can move it.
// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, milliseconds since the Unix epoch (what clients see in
  // `created`, `updated`, ...).
  virtual int64_t nowMs() const = 0;
  // A monotonic clock in milliseconds, for timeouts and durations.
  virtual int64_t monotonicMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t nowMs() const override;
  int64_t monotonicMs() const override;
};

// A clock that only moves when told to; for tests.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t startMs = 1'700'000'000'000) : now_(startMs), mono_(0) {}
  int64_t nowMs() const override { return now_.load(); }
  int64_t monotonicMs() const override { return mono_.load(); }
  void advanceMs(int64_t ms) {
    now_ += ms;
    mono_ += ms;
  }

 private:
  std::atomic<int64_t> now_;
  std::atomic<int64_t> mono_;
};

}  // namespace ck
