#pragma once

#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

namespace ck::sandbox {

// A thread that enforces CPU-time and wall-time budgets on other threads.
//
// A thread arms the watchdog (Watchdog::Arm) before it runs JavaScript and
// disarms it after. When the armed thread's own CPU clock
// (pthread_getcpuclockid) has advanced by the CPU budget, or the wall budget
// has passed, the watchdog calls the arming's `onExpire` on its own thread,
// and again every kRefireInterval until disarmed (one TerminateExecution
// could otherwise be used up by host code that runs JS again).
//
// `onExpire` runs with the watchdog's mutex held: once disarm() returns, it is
// not running and never runs again for that arming. That is what keeps a
// termination from reaching the next invocation (the caller then cancels any
// termination still pending). `onExpire` must be short and must not arm or
// disarm.
//
// The CPU clock cannot be waited on, so the watchdog sleeps for the smallest
// remaining budget (a thread's CPU time cannot advance faster than the wall
// clock) and checks again: no polling while budgets are far from spent.
//
// Thread-safe. shared() is the process-wide instance (started on first use,
// never stopped); tests may make their own.
class Watchdog {
 public:
  enum class Expiry { kNone, kCpu, kWall };
  static constexpr std::chrono::milliseconds kRefireInterval{2};

  Watchdog();
  ~Watchdog();  // joins the thread. REQUIRES: nothing armed.
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  static Watchdog& shared();

  class Arm;

 private:
  struct Entry {
    clockid_t cpuClock;
    int64_t cpuStartNs;
    int64_t cpuBudgetNs;
    std::chrono::steady_clock::time_point wallDeadline;
    std::function<void()> onExpire;
    Expiry expiry = Expiry::kNone;
    std::chrono::steady_clock::time_point nextFire;
  };
  using Entries = std::list<Entry>;

  Entries::iterator add(Entry entry);
  Expiry remove(Entries::iterator it);
  Expiry peek(Entries::const_iterator it);
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  Entries entries_;    // GUARDED_BY(mu_)
  bool stop_ = false;  // GUARDED_BY(mu_)
  // When the thread will next look; an arming that cannot expire earlier
  // does not wake it (most invocations end long before their budgets).
  std::chrono::steady_clock::time_point wakeAt_;  // GUARDED_BY(mu_)
  std::thread thread_;
};

// One armed budget of the calling thread. Disarms on destruction.
class Watchdog::Arm {
 public:
  // Starts counting the calling thread's CPU time and the wall time now.
  Arm(Watchdog& watchdog, uint64_t cpuMs, uint64_t wallMs, std::function<void()> onExpire);
  ~Arm() { disarm(); }
  Arm(const Arm&) = delete;
  Arm& operator=(const Arm&) = delete;

  // Whether a budget has run out so far (onExpire has been called).
  Expiry expiry();
  // Stops the watch. Idempotent; returns which budget ran out first, if any.
  Expiry disarm();
  // The calling thread's CPU time when the watch started, or a little more
  // (recentThreadCpuNs(): at most kCpuReadingReuseNs more), so a budget is
  // never charged more than was used.
  int64_t cpuStartNs() const { return cpuStartNs_; }

 private:
  Watchdog& watchdog_;
  int64_t cpuStartNs_ = 0;
  bool armed_ = true;
  Expiry result_ = Expiry::kNone;
  Entries::iterator it_;
};

// CPU time consumed by the calling thread, in nanoseconds. A system call:
// a thread's CPU clock has no vDSO path.
int64_t threadCpuNs();

// threadCpuNs(), or, when the calling thread's last reading was taken at
// most kCpuReadingReuseNs of wall time ago, that reading plus the wall time
// since: CPU time cannot advance faster than wall time, so the value is
// never behind the clock and at most that much ahead. A JS worker starting
// invocations back to back reads the clock once per 2 ms, not once each
// (the system call was 2% of a short invocation's time); a watch started
// from it charges up to 2 ms less CPU than was used, never more.
inline constexpr int64_t kCpuReadingReuseNs = 2'000'000;
int64_t recentThreadCpuNs();

}  // namespace ck::sandbox
