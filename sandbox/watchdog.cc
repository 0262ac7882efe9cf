#include "sandbox/watchdog.h"

#include <time.h>

#include <algorithm>
#include <stdexcept>
#include <system_error>

namespace ck::sandbox {

namespace {

using Clock = std::chrono::steady_clock;

int64_t clockNs(clockid_t clock) {
  timespec ts{};
  if (clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Never sleep less than this between checks of an almost spent CPU budget.
constexpr std::chrono::microseconds kMinCheckInterval{200};

// The calling thread's last threadCpuNs() reading, and the monotonic time
// (vDSO, no system call) it was taken at; cpuNs < 0: none yet.
struct CpuReading {
  int64_t cpuNs = -1;
  int64_t atNs = 0;
};
thread_local CpuReading lastReading;

}  // namespace

int64_t threadCpuNs() {
  const int64_t cpu = clockNs(CLOCK_THREAD_CPUTIME_ID);
  lastReading = {cpu, clockNs(CLOCK_MONOTONIC)};
  return cpu;
}

int64_t recentThreadCpuNs() {
  if (lastReading.cpuNs >= 0) {
    const int64_t age = clockNs(CLOCK_MONOTONIC) - lastReading.atNs;
    if (age >= 0 && age <= kCpuReadingReuseNs) return lastReading.cpuNs + age;
  }
  return threadCpuNs();
}

Watchdog::Watchdog() : thread_([this] { run(); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Watchdog& Watchdog::shared() {
  static Watchdog* instance = new Watchdog();  // never destroyed: armed threads may outlive statics
  return *instance;
}

Watchdog::Entries::iterator Watchdog::add(Entry entry) {
  // The earliest this entry can expire: its CPU budget cannot be spent
  // faster than wall time passes.
  Clock::time_point earliest =
      std::min(entry.wallDeadline, Clock::now() + std::chrono::nanoseconds(entry.cpuBudgetNs));
  Entries::iterator it;
  bool wake;
  {
    std::lock_guard lock(mu_);
    it = entries_.insert(entries_.end(), std::move(entry));
    wake = earliest < wakeAt_;
    if (wake) wakeAt_ = earliest;
  }
  if (wake) cv_.notify_all();
  return it;
}

Watchdog::Expiry Watchdog::remove(Entries::iterator it) {
  std::lock_guard lock(mu_);
  Expiry expiry = it->expiry;
  entries_.erase(it);
  return expiry;
}

Watchdog::Expiry Watchdog::peek(Entries::const_iterator it) {
  std::lock_guard lock(mu_);
  return it->expiry;
}

void Watchdog::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    Clock::time_point now = Clock::now();
    Clock::time_point wake = now + std::chrono::hours(1);
    for (Entry& e : entries_) {
      if (e.expiry != Expiry::kNone) {
        if (now >= e.nextFire) {
          e.onExpire();
          e.nextFire = now + kRefireInterval;
        }
        wake = std::min(wake, e.nextFire);
        continue;
      }
      int64_t cpuLeftNs = e.cpuBudgetNs - (clockNs(e.cpuClock) - e.cpuStartNs);
      if (now >= e.wallDeadline || cpuLeftNs <= 0) {
        e.expiry = now >= e.wallDeadline ? Expiry::kWall : Expiry::kCpu;
        e.onExpire();
        e.nextFire = now + kRefireInterval;
        wake = std::min(wake, e.nextFire);
        continue;
      }
      auto cpuLeft = std::max<Clock::duration>(std::chrono::nanoseconds(cpuLeftNs), kMinCheckInterval);
      wake = std::min({wake, now + cpuLeft, e.wallDeadline});
    }
    wakeAt_ = wake;
    cv_.wait_until(lock, wake);
  }
}

Watchdog::Arm::Arm(Watchdog& watchdog, uint64_t cpuMs, uint64_t wallMs, std::function<void()> onExpire)
    : watchdog_(watchdog) {
  Entry entry;
  int rc = pthread_getcpuclockid(pthread_self(), &entry.cpuClock);
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "pthread_getcpuclockid");
  entry.cpuStartNs = recentThreadCpuNs();  // the same clock as entry.cpuClock: this thread's
  cpuStartNs_ = entry.cpuStartNs;
  // Budgets beyond a day are treated as a day (no overflow of the arithmetic).
  constexpr uint64_t kDayMs = 86'400'000;
  entry.cpuBudgetNs = static_cast<int64_t>(std::min(cpuMs, kDayMs)) * 1'000'000;
  entry.wallDeadline = Clock::now() + std::chrono::milliseconds(std::min(wallMs, kDayMs));
  entry.onExpire = std::move(onExpire);
  it_ = watchdog_.add(std::move(entry));
}

Watchdog::Expiry Watchdog::Arm::expiry() { return armed_ ? watchdog_.peek(it_) : result_; }

Watchdog::Expiry Watchdog::Arm::disarm() {
  if (armed_) {
    result_ = watchdog_.remove(it_);
    armed_ = false;
  }
  return result_;
}

}  // namespace ck::sandbox
