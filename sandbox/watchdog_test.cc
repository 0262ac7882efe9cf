#include "sandbox/watchdog.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace ck::sandbox {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Spins on the calling thread until `flag` is set or `limit` passes; returns
// whether the flag was set.
bool spinUntil(const std::atomic<int>& flag, milliseconds limit) {
  auto end = steady_clock::now() + limit;
  while (flag.load() == 0) {
    if (steady_clock::now() > end) return false;
  }
  return true;
}

TEST(Watchdog, FiresOnTheCpuBudgetOfTheArmedThread) {
  Watchdog w;
  std::atomic<int> fired{0};
  auto start = threadCpuNs();
  Watchdog::Arm arm(w, 30, 10'000, [&] { fired++; });
  ASSERT_TRUE(spinUntil(fired, milliseconds(3000)));
  double cpuMs = (threadCpuNs() - start) / 1e6;
  EXPECT_GE(cpuMs, 29.0);
  EXPECT_LT(cpuMs, 1000.0);
  EXPECT_EQ(arm.expiry(), Watchdog::Expiry::kCpu);
  EXPECT_EQ(arm.disarm(), Watchdog::Expiry::kCpu);
}

TEST(Watchdog, SleepingDoesNotSpendTheCpuBudget) {
  Watchdog w;
  std::atomic<int> fired{0};
  Watchdog::Arm arm(w, 20, 10'000, [&] { fired++; });
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(fired.load(), 0);
  EXPECT_EQ(arm.disarm(), Watchdog::Expiry::kNone);
}

TEST(Watchdog, FiresOnTheWallBudgetWhileTheThreadSleeps) {
  Watchdog w;
  std::atomic<int> fired{0};
  auto start = steady_clock::now();
  Watchdog::Arm arm(w, 10'000, 50, [&] { fired++; });
  while (fired.load() == 0 && steady_clock::now() - start < milliseconds(3000)) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_GE(steady_clock::now() - start, milliseconds(50));
  EXPECT_EQ(arm.disarm(), Watchdog::Expiry::kWall);
}

TEST(Watchdog, RefiresUntilDisarmedAndNeverAfter) {
  Watchdog w;
  std::atomic<int> fired{0};
  {
    Watchdog::Arm arm(w, 10'000, 10, [&] { fired++; });
    std::this_thread::sleep_for(milliseconds(60));
    EXPECT_GE(fired.load(), 3);  // once at 10 ms, then every 2 ms
    arm.disarm();
  }
  int after = fired.load();
  std::this_thread::sleep_for(milliseconds(30));
  EXPECT_EQ(fired.load(), after);
}

TEST(Watchdog, AShortBudgetArmedAfterALongOneStillFiresOnTime) {
  Watchdog w;
  std::atomic<int> longFired{0};
  std::atomic<int> shortFired{0};
  Watchdog::Arm longArm(w, 60'000, 60'000, [&] { longFired++; });
  std::this_thread::sleep_for(milliseconds(20));  // the watchdog now sleeps towards the long deadline
  auto start = steady_clock::now();
  Watchdog::Arm shortArm(w, 60'000, 30, [&] { shortFired++; });
  while (shortFired.load() == 0 && steady_clock::now() - start < milliseconds(3000)) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_LT(steady_clock::now() - start, milliseconds(1000));
  EXPECT_EQ(shortArm.disarm(), Watchdog::Expiry::kWall);
  EXPECT_EQ(longArm.disarm(), Watchdog::Expiry::kNone);
  EXPECT_EQ(longFired.load(), 0);
}

TEST(Watchdog, ManyThreadsEachGetTheirOwnBudget) {
  Watchdog w;
  std::atomic<int> cpuExpired{0};
  std::atomic<int> untouched{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; i++) {
    threads.emplace_back([&, i] {
      std::atomic<int> fired{0};
      Watchdog::Arm arm(w, i % 2 == 0 ? 20 : 5'000, 10'000, [&] { fired++; });
      if (i % 2 == 0) {
        if (spinUntil(fired, milliseconds(5000)) && arm.disarm() == Watchdog::Expiry::kCpu) cpuExpired++;
      } else {
        std::this_thread::sleep_for(milliseconds(50));
        if (arm.disarm() == Watchdog::Expiry::kNone) untouched++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(cpuExpired.load(), 2);
  EXPECT_EQ(untouched.load(), 2);
}

}  // namespace
// recentThreadCpuNs: within kCpuReadingReuseNs of a reading, that reading
// plus the wall time since, never behind the clock (the system call
// spared); past it, the clock is read again.
TEST(ThreadCpu, ARecentReadingIsReusedAheadOfTheClockNeverBehind) {
  auto wallNs = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
  for (int i = 0; i < 1000; ++i) {
    const int64_t t0 = wallNs();
    const int64_t reading = threadCpuNs();
    const int64_t recent = recentThreadCpuNs();
    const int64_t t1 = wallNs();
    const int64_t after = threadCpuNs();
    const int64_t t2 = wallNs();
    ASSERT_GE(recent, reading);
    ASSERT_LE(recent - reading, t1 - t0) << "ahead by no more than the wall time since the reading";
    ASSERT_LE(after - recent, t2 - t0) << "not behind the clock";
  }
  const int64_t before = threadCpuNs();
  const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(kCpuReadingReuseNs + 1'000'000);
  volatile uint64_t sink = 0;
  while (std::chrono::steady_clock::now() < until) sink = sink + 1;  // CPU spent, no reading taken
  const int64_t t0 = wallNs();
  const int64_t fresh = recentThreadCpuNs();  // the last reading is too old: a new one
  const int64_t now = threadCpuNs();
  EXPECT_GT(fresh, before);
  EXPECT_LE(now - fresh, wallNs() - t0) << "the spin's CPU time is seen";
}

}  // namespace ck::sandbox
