#include "runtime/http/worker_pool.h"

#include <uv.h>

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace ck::http {
namespace {

TEST(WorkerPoolTest, RunsWorkOffTheLoopAndDoneOnIt) {
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  std::thread::id loopThread = std::this_thread::get_id();
  {
    WorkerPool pool(&loop, 3);
    EXPECT_EQ(pool.threads(), 3u);
    std::atomic<int> worked{0};
    int done = 0;
    std::vector<int> order;
    std::atomic<bool> workOnLoop{false};
    for (int i = 0; i < 50; ++i) {
      pool.post(
          [&] {
            if (std::this_thread::get_id() == loopThread) workOnLoop = true;
            ++worked;
          },
          [&, i] {
            EXPECT_EQ(std::this_thread::get_id(), loopThread);
            ++done;
            order.push_back(i);
          });
    }
    // The loop stays alive while work is outstanding, then exits by itself.
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_EQ(worked.load(), 50);
    EXPECT_EQ(done, 50);
    EXPECT_FALSE(workOnLoop.load());

    // runOnLoop from inside work runs on the loop before that work's done.
    std::vector<std::string> events;
    pool.post([&] { pool.runOnLoop([&] { events.push_back("ran"); }); }, [&] { events.push_back("done"); });
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_EQ(events, (std::vector<std::string>{"ran", "done"}));
    pool.stop();
    pool.stop();  // idempotent
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST(WorkerPoolTest, StopFinishesQueuedWork) {
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  std::atomic<int> worked{0};
  int done = 0;
  {
    WorkerPool pool(&loop, 1);
    for (int i = 0; i < 5; ++i) {
      pool.post(
          [&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            ++worked;
          },
          [&] { ++done; });
    }
    pool.stop();  // without running the loop: stop runs the dones itself
    EXPECT_EQ(worked.load(), 5);
    EXPECT_EQ(done, 5);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

}  // namespace
}  // namespace ck::http
