// JsWorkers' scheduling with fake executors (no V8): queues, caps, fairness,
// code replacement, retirement, failures, thread affinity and stopping.
#include "sandbox/js_workers.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace ck::sandbox {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kDeadline = std::chrono::seconds(10);

// Shared state of the fake executors, and what the tests observe of them.
// What an executor does is chosen by the invoked function's name:
//   "echo"    returns {"args", "code": the bundle version, "executor": its serial}
//   "block"   waits until the gate named args[0] opens, then answers as echo
//   "retire"  answers as echo, then reports retired()
//   "throw"   throws
class FakeWorld {
 public:
  struct Record {
    std::string app;
    std::thread::id created;
    std::thread::id destroyed;
    std::set<std::thread::id> invokedOn;
    bool alive = true;
  };

  void open(const std::string& gate) {
    std::lock_guard lock(mu_);
    open_.insert(gate);
    cv_.notify_all();
  }
  // Whether `n` invocations reached `gate` before the deadline.
  bool waitEntered(const std::string& gate, int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, Clock::now() + kDeadline, [&] { return entered_[gate] >= n; });
  }
  int entered(const std::string& gate) {
    std::lock_guard lock(mu_);
    return entered_[gate];
  }
  void failCreation(const std::string& app, Status status) {
    std::lock_guard lock(mu_);
    failures_[app] = std::move(status);
  }
  void throwOnCreation(const std::string& app) {
    std::lock_guard lock(mu_);
    throwing_.insert(app);
  }
  int creations(const std::string& app) {
    std::lock_guard lock(mu_);
    return creations_[app];
  }
  int maxRunning(const std::string& app) {
    std::lock_guard lock(mu_);
    return maxRunning_[app];
  }
  int maxLivePerWorkerAndApp() {
    std::lock_guard lock(mu_);
    return maxLive_;
  }
  std::vector<Record> records() {
    std::lock_guard lock(mu_);
    return records_;
  }
  bool waitDestroyed(size_t serial) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, Clock::now() + kDeadline,
                          [&] { return serial < records_.size() && !records_[serial].alive; });
  }

 private:
  friend class FakeExecutor;
  friend class FakeFactory;

  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> open_;
  std::map<std::string, int> entered_;
  std::map<std::string, Status> failures_;
  std::set<std::string> throwing_;
  std::map<std::string, int> creations_;
  std::map<std::string, int> running_;
  std::map<std::string, int> maxRunning_;
  std::map<std::pair<std::thread::id, std::string>, int> live_;
  int maxLive_ = 0;
  std::vector<Record> records_;
};

class FakeExecutor final : public Executor {
 public:
  FakeExecutor(FakeWorld& world, std::string app, std::string code, size_t serial)
      : world_(world), app_(std::move(app)), code_(std::move(code)), serial_(serial) {}

  ~FakeExecutor() override {
    std::lock_guard lock(world_.mu_);
    FakeWorld::Record& r = world_.records_[serial_];
    r.destroyed = std::this_thread::get_id();
    r.alive = false;
    --world_.live_[{r.created, app_}];
    world_.cv_.notify_all();
  }

  InvocationResult invoke(const InvocationRequest& request) override {
    {
      std::unique_lock lock(world_.mu_);
      world_.records_[serial_].invokedOn.insert(std::this_thread::get_id());
      int now = ++world_.running_[app_];
      world_.maxRunning_[app_] = std::max(world_.maxRunning_[app_], now);
      if (request.function == "block") {
        std::string gate = request.args.at(0).get<std::string>();
        ++world_.entered_[gate];
        world_.cv_.notify_all();
        world_.cv_.wait(lock, [&] { return world_.open_.count(gate) > 0; });
      }
      --world_.running_[app_];
    }
    if (request.function == "throw") throw std::runtime_error("fake executor failure");
    if (request.function == "retire") retired_ = true;
    InvocationResult r;
    r.valueJson = json{{"args", request.args}, {"code", code_}, {"executor", serial_}}.dump();
    return r;
  }

  bool retired() const override { return retired_; }

 private:
  FakeWorld& world_;
  std::string app_;
  std::string code_;
  size_t serial_;
  bool retired_ = false;
};

class FakeFactory final : public ExecutorFactory {
 public:
  explicit FakeFactory(FakeWorld& world) : world_(world) {}

  Result<std::unique_ptr<Executor>> create(const std::string& appId, const AppCode& code) override {
    size_t serial;
    {
      std::lock_guard lock(world_.mu_);
      ++world_.creations_[appId];
      if (world_.throwing_.count(appId)) throw std::runtime_error("fake factory bug");
      if (auto it = world_.failures_.find(appId); it != world_.failures_.end()) return it->second;
      serial = world_.records_.size();
      FakeWorld::Record r;
      r.app = appId;
      r.created = std::this_thread::get_id();
      world_.records_.push_back(r);
      int live = ++world_.live_[{r.created, appId}];
      world_.maxLive_ = std::max(world_.maxLive_, live);
    }
    return std::unique_ptr<Executor>(std::make_unique<FakeExecutor>(world_, appId, code.bundle->version, serial));
  }

 private:
  FakeWorld& world_;
};

// Collects results by tag, with the thread each `done` ran on.
class Results {
 public:
  std::function<void(InvocationResult)> callback(std::string tag) {
    return [this, tag](InvocationResult r) {
      std::lock_guard lock(mu_);
      order_.push_back(tag);
      results_[tag] = std::move(r);
      threads_[tag] = std::this_thread::get_id();
      cv_.notify_all();
    };
  }
  bool waitFor(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, Clock::now() + kDeadline, [&] { return results_.size() >= n; });
  }
  bool waitFor(const std::string& tag) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, Clock::now() + kDeadline, [&] { return results_.count(tag) > 0; });
  }
  bool has(const std::string& tag) {
    std::lock_guard lock(mu_);
    return results_.count(tag) > 0;
  }
  InvocationResult get(const std::string& tag) {
    std::lock_guard lock(mu_);
    return results_.at(tag);
  }
  std::thread::id thread(const std::string& tag) {
    std::lock_guard lock(mu_);
    return threads_.at(tag);
  }
  std::vector<std::string> order() {
    std::lock_guard lock(mu_);
    return order_;
  }
  size_t size() {
    std::lock_guard lock(mu_);
    return results_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, InvocationResult> results_;
  std::map<std::string, std::thread::id> threads_;
  std::vector<std::string> order_;
};

std::shared_ptr<const AppCode> code(const std::string& version) {
  auto bundle = std::make_shared<Bundle>();
  bundle->version = version;
  bundle->files["main.js"] = "exports.f = () => 1";
  bundle->entries = {"main.js"};
  auto c = std::make_shared<AppCode>();
  c->bundle = std::move(bundle);
  return c;
}

InvocationRequest call(const std::string& function, json args = json::array()) {
  InvocationRequest r;
  r.function = function;
  r.args = std::move(args);
  return r;
}

InvocationRequest blockOn(const std::string& gate) { return call("block", json::array({gate})); }

// Polls until submit() refuses with kShuttingDown (probing an unknown app, so
// nothing runs while it is not yet stopping).
bool eventuallyRefused(JsWorkers& workers) {
  auto deadline = Clock::now() + kDeadline;
  while (Clock::now() < deadline) {
    ErrorCode code = ErrorCode::kOk;
    workers.submit("probe", call("echo"), [&](InvocationResult r) { code = r.status.code(); });
    if (code == ErrorCode::kShuttingDown) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

class JsWorkersTest : public ::testing::Test {
 protected:
  std::unique_ptr<JsWorkers> start(JsWorkersConfig config, std::vector<std::string> apps = {"A", "B", "C"}) {
    auto workers = std::make_unique<JsWorkers>(config, factory_, log_);
    for (const std::string& app : apps) workers->setApp(app, code(app + "-v1"));
    return workers;
  }

  FakeWorld world_;
  FakeFactory factory_{world_};
  MemoryLogger log_;
  Results results_;
};

TEST_F(JsWorkersTest, RunsOnAWorkerAndAnswersThere) {
  auto workers = start({.workers = 2});
  workers->submit("A", call("echo", {1, "two"}), results_.callback("a"));
  ASSERT_TRUE(results_.waitFor("a"));
  InvocationResult r = results_.get("a");
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.value()["args"], json::array({1, "two"}));
  EXPECT_EQ(r.value()["code"], "A-v1");
  EXPECT_NE(results_.thread("a"), std::this_thread::get_id());
}

TEST_F(JsWorkersTest, DefaultsFollowTheDesign) {
  auto workers = start({});
  EXPECT_EQ(workers->workers(), std::max<size_t>(4, std::thread::hardware_concurrency()));
  EXPECT_EQ(workers->appConcurrency(), workers->workers() - 1);
  auto one = start({.workers = 1});
  EXPECT_EQ(one->appConcurrency(), 1u);
}

TEST_F(JsWorkersTest, UnknownAppIsRefusedAtOnceOnTheCallersThread) {
  auto workers = start({.workers = 2});
  workers->submit("nope", call("echo"), results_.callback("x"));
  ASSERT_TRUE(results_.has("x"));  // before submit returned
  EXPECT_EQ(results_.thread("x"), std::this_thread::get_id());
  EXPECT_EQ(results_.get("x").status.code(), ErrorCode::kAppNotFound);
  EXPECT_NE(results_.get("x").status.message().find("nope"), std::string::npos);
}

TEST_F(JsWorkersTest, FullQueueIsRefusedAtOnceWithAClearError) {
  auto workers = start({.workers = 2, .appQueueLimit = 2, .appConcurrency = 1});
  workers->submit("A", blockOn("g"), results_.callback("running"));
  ASSERT_TRUE(world_.waitEntered("g", 1));
  workers->submit("A", call("echo"), results_.callback("q1"));
  workers->submit("A", call("echo"), results_.callback("q2"));
  EXPECT_EQ(workers->load("A").queued, 2u);
  workers->submit("A", call("echo"), results_.callback("over"));
  ASSERT_TRUE(results_.has("over"));
  EXPECT_EQ(results_.thread("over"), std::this_thread::get_id());
  InvocationResult over = results_.get("over");
  EXPECT_EQ(over.status.code(), ErrorCode::kAppBusy);
  EXPECT_EQ(over.status.httpStatus(), 429);
  EXPECT_NE(over.status.message().find("2 invocations waiting"), std::string::npos) << over.status.message();
  // Another app's queue is its own.
  workers->submit("B", call("echo"), results_.callback("b"));
  ASSERT_TRUE(results_.waitFor("b"));
  EXPECT_TRUE(results_.get("b").status.ok());

  world_.open("g");
  ASSERT_TRUE(results_.waitFor(5));
  for (const char* tag : {"running", "q1", "q2"}) EXPECT_TRUE(results_.get(tag).status.ok()) << tag;
}

TEST_F(JsWorkersTest, ConcurrencyCapHoldsPerApp) {
  auto workers = start({.workers = 4, .appConcurrency = 2});
  for (int i = 0; i < 6; ++i) workers->submit("A", blockOn("g" + std::to_string(i)), results_.callback(std::to_string(i)));
  // FIFO within the app: the first two run, four wait although two workers idle.
  ASSERT_TRUE(world_.waitEntered("g0", 1));
  ASSERT_TRUE(world_.waitEntered("g1", 1));
  EXPECT_EQ(workers->load("A").running, 2u);
  EXPECT_EQ(workers->load("A").queued, 4u);
  // The idle workers still serve other apps.
  workers->submit("B", call("echo"), results_.callback("b"));
  ASSERT_TRUE(results_.waitFor("b"));
  EXPECT_EQ(world_.entered("g2"), 0);
  // Each release lets exactly the next one in.
  for (int i = 0; i < 6; ++i) {
    world_.open("g" + std::to_string(i));
    if (i + 2 < 6) {
      ASSERT_TRUE(world_.waitEntered("g" + std::to_string(i + 2), 1));
    }
  }
  ASSERT_TRUE(results_.waitFor(7));
  EXPECT_EQ(world_.maxRunning("A"), 2);
}

TEST_F(JsWorkersTest, OneAppHoldingEveryWorkerButOneDoesNotStallOthers) {
  auto workers = start({.workers = 4});  // cap 3
  for (int i = 0; i < 10; ++i) workers->submit("A", blockOn("loop"), results_.callback("a" + std::to_string(i)));
  ASSERT_TRUE(world_.waitEntered("loop", 3));
  EXPECT_EQ(workers->load("A").running, 3u);
  EXPECT_EQ(workers->load("A").queued, 7u);
  auto start = Clock::now();
  for (int i = 0; i < 20; ++i) {
    workers->submit(i % 2 ? "B" : "C", call("echo", {i}), results_.callback("o" + std::to_string(i)));
  }
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(results_.waitFor("o" + std::to_string(i)));
    EXPECT_TRUE(results_.get("o" + std::to_string(i)).status.ok());
  }
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(world_.entered("loop"), 3);  // A stayed at its cap throughout
  world_.open("loop");
  ASSERT_TRUE(results_.waitFor(30));
  EXPECT_EQ(world_.maxRunning("A"), 3);
}

TEST_F(JsWorkersTest, AppsTakeTurnsRoundRobin) {
  auto workers = start({.workers = 1}, {"X", "A", "B", "C"});
  workers->submit("X", blockOn("x"), results_.callback("x"));
  ASSERT_TRUE(world_.waitEntered("x", 1));
  for (const char* tag : {"A1", "A2", "A3", "B1", "C1", "B2"}) {
    workers->submit(std::string(1, tag[0]), call("echo"), results_.callback(tag));
  }
  world_.open("x");
  ASSERT_TRUE(results_.waitFor(7));
  // A's backlog does not make B and C wait behind all of it.
  EXPECT_EQ(results_.order(), (std::vector<std::string>{"x", "A1", "B1", "C1", "A2", "B2", "A3"}));
}

TEST_F(JsWorkersTest, NewCodeServesLaterInvocationsWhileRunningOnesFinishOnTheOld) {
  auto workers = start({.workers = 2, .appConcurrency = 2});
  workers->submit("A", blockOn("old"), results_.callback("old"));
  ASSERT_TRUE(world_.waitEntered("old", 1));
  workers->setApp("A", code("A-v2"));
  for (int i = 0; i < 5; ++i) {
    std::string tag = "new" + std::to_string(i);
    workers->submit("A", call("echo"), results_.callback(tag));
    ASSERT_TRUE(results_.waitFor(tag));
    EXPECT_EQ(results_.get(tag).value()["code"], "A-v2");
  }
  world_.open("old");
  ASSERT_TRUE(results_.waitFor("old"));
  EXPECT_EQ(results_.get("old").value()["code"], "A-v1");
  // The worker that ran the old code moves to the new one too.
  for (int i = 0; i < 6; ++i) {
    std::string tag = "after" + std::to_string(i);
    workers->submit("A", blockOn(tag), results_.callback(tag));
  }
  ASSERT_TRUE(world_.waitEntered("after0", 1));
  ASSERT_TRUE(world_.waitEntered("after1", 1));
  for (int i = 0; i < 6; ++i) world_.open("after" + std::to_string(i));
  ASSERT_TRUE(results_.waitFor(12));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(results_.get("after" + std::to_string(i)).value()["code"], "A-v2");
  // The v1 executor is gone (destroyed by its worker), without waiting for stop().
  std::vector<FakeWorld::Record> records = world_.records();
  ASSERT_FALSE(records.empty());
  EXPECT_TRUE(world_.waitDestroyed(0));
}

TEST_F(JsWorkersTest, RetiredExecutorIsReplaced) {
  auto workers = start({.workers = 1});
  workers->submit("A", call("echo"), results_.callback("first"));
  workers->submit("A", call("retire"), results_.callback("retiring"));
  workers->submit("A", call("echo"), results_.callback("fresh"));
  ASSERT_TRUE(results_.waitFor(3));
  EXPECT_EQ(results_.get("first").value()["executor"], 0);
  EXPECT_EQ(results_.get("retiring").value()["executor"], 0);
  EXPECT_EQ(results_.get("fresh").value()["executor"], 1);
  EXPECT_EQ(world_.creations("A"), 2);
  EXPECT_TRUE(world_.waitDestroyed(0));
}

TEST_F(JsWorkersTest, ExecutorCreationFailureIsTheInvocationsResult) {
  auto workers = start({.workers = 2});
  world_.failCreation("A", Status(ErrorCode::kBundleError, "main.js:3:7: SyntaxError: Unexpected token"));
  workers->submit("A", call("echo"), results_.callback("a1"));
  workers->submit("B", call("echo"), results_.callback("b"));
  ASSERT_TRUE(results_.waitFor(2));
  InvocationResult a = results_.get("a1");
  EXPECT_EQ(a.status.code(), ErrorCode::kBundleError);
  EXPECT_EQ(a.status.message(), "main.js:3:7: SyntaxError: Unexpected token");
  EXPECT_TRUE(results_.get("b").status.ok());
  // Each invocation tries again: a deploy of fixed code is picked up.
  workers->submit("A", call("echo"), results_.callback("a2"));
  ASSERT_TRUE(results_.waitFor("a2"));
  EXPECT_EQ(results_.get("a2").status.code(), ErrorCode::kBundleError);
  EXPECT_EQ(world_.creations("A"), 2);
}

TEST_F(JsWorkersTest, ThrowingFactoryOrExecutorIsAnInternalErrorAndTheWorkerSurvives) {
  auto workers = start({.workers = 1});
  world_.throwOnCreation("B");
  workers->submit("A", call("throw"), results_.callback("threw"));
  workers->submit("B", call("echo"), results_.callback("factory"));
  workers->submit("A", call("echo"), results_.callback("after"));
  ASSERT_TRUE(results_.waitFor(3));
  EXPECT_EQ(results_.get("threw").status.code(), ErrorCode::kInternal);
  EXPECT_EQ(results_.get("threw").status.message().find("fake"), std::string::npos);  // no internals
  EXPECT_EQ(results_.get("factory").status.code(), ErrorCode::kInternal);
  EXPECT_TRUE(results_.get("after").status.ok());
  EXPECT_NE(log_.dump().find("fake executor failure"), std::string::npos);
  EXPECT_NE(log_.dump().find("fake factory bug"), std::string::npos);
}

TEST_F(JsWorkersTest, ThrowingCallbackIsLoggedAndTheWorkerSurvives) {
  auto workers = start({.workers = 1});
  workers->submit("A", call("echo"), [](InvocationResult) { throw std::runtime_error("callback bug"); });
  workers->submit("A", call("echo"), results_.callback("after"));
  ASSERT_TRUE(results_.waitFor("after"));
  EXPECT_TRUE(results_.get("after").status.ok());
  EXPECT_NE(log_.dump().find("callback bug"), std::string::npos);
}

TEST_F(JsWorkersTest, ExecutorsLiveAndDieOnTheThreadThatUsesThem) {
  auto workers = start({.workers = 3});
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 60; ++i) {
      std::string app = std::string(1, "ABC"[i % 3]);
      workers->submit(app, call(i % 17 == 0 ? "retire" : "echo"), results_.callback(std::to_string(round * 60 + i)));
    }
    ASSERT_TRUE(results_.waitFor(static_cast<size_t>(round + 1) * 60));
    workers->setApp("B", code("B-v" + std::to_string(round + 2)));
  }
  workers->stop();
  std::vector<FakeWorld::Record> records = world_.records();
  ASSERT_GE(records.size(), 3u);
  for (const FakeWorld::Record& r : records) {
    EXPECT_FALSE(r.alive);
    EXPECT_EQ(r.destroyed, r.created);
    for (std::thread::id t : r.invokedOn) EXPECT_EQ(t, r.created);
    EXPECT_NE(r.created, std::this_thread::get_id());
  }
  EXPECT_EQ(world_.maxLivePerWorkerAndApp(), 1);
}

TEST_F(JsWorkersTest, StopFinishesQueuedAndRunningWorkThenRefuses) {
  auto workers = start({.workers = 2, .appConcurrency = 1});
  workers->submit("A", blockOn("a"), results_.callback("a-running"));
  workers->submit("B", blockOn("b"), results_.callback("b-running"));
  ASSERT_TRUE(world_.waitEntered("a", 1));
  ASSERT_TRUE(world_.waitEntered("b", 1));
  for (int i = 0; i < 4; ++i) workers->submit("A", call("echo"), results_.callback("a-queued" + std::to_string(i)));
  std::thread stopper([&] { workers->stop(); });
  // stop() refuses new work at once, while the old work is still held up.
  ASSERT_TRUE(eventuallyRefused(*workers));
  EXPECT_EQ(results_.size(), 0u);
  world_.open("a");
  world_.open("b");
  stopper.join();
  EXPECT_EQ(results_.size(), 6u);
  for (const char* tag : {"a-running", "b-running", "a-queued0", "a-queued3"}) {
    EXPECT_TRUE(results_.get(tag).status.ok()) << tag;
  }
  workers->stop();  // idempotent
}

TEST_F(JsWorkersTest, RemovedAppRefusesWaitingAndNewWorkAndDropsItsExecutors) {
  auto workers = start({.workers = 2, .appConcurrency = 1});
  workers->submit("A", call("echo"), results_.callback("warm"));
  ASSERT_TRUE(results_.waitFor("warm"));
  workers->submit("A", blockOn("a"), results_.callback("running"));
  ASSERT_TRUE(world_.waitEntered("a", 1));
  workers->submit("A", call("echo"), results_.callback("waiting"));
  workers->removeApp("A");
  ASSERT_TRUE(results_.has("waiting"));
  EXPECT_EQ(results_.get("waiting").status.code(), ErrorCode::kAppNotFound);
  workers->submit("A", call("echo"), results_.callback("later"));
  EXPECT_EQ(results_.get("later").status.code(), ErrorCode::kAppNotFound);
  EXPECT_EQ(workers->load("A").running, 1u);
  world_.open("a");
  ASSERT_TRUE(results_.waitFor("running"));
  EXPECT_TRUE(results_.get("running").status.ok());
  for (size_t i = 0; i < world_.records().size(); ++i) EXPECT_TRUE(world_.waitDestroyed(i));
  EXPECT_EQ(workers->load("A").running, 0u);
  // Installing code again brings it back.
  workers->setApp("A", code("A-v9"));
  workers->submit("A", call("echo"), results_.callback("back"));
  ASSERT_TRUE(results_.waitFor("back"));
  EXPECT_EQ(results_.get("back").value()["code"], "A-v9");
}

}  // namespace
}  // namespace ck::sandbox
