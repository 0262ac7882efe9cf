// The JavaScript lane's costs through the full worker path (queue, JS worker,
// isolate, result), measured in-process on services::Invoker:
//   - round trips of a trivial function, one at a time, and throughput with
//     many in flight, each with and without one host (binding) call;
//   - the first invocation of an app on a cold worker (isolate, context,
//     bundle load, call);
//   - resident memory per warm app isolate.
// Prints the median over rounds of each figure. Run by tools/bench/sandbox.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "services/invoker.h"

namespace {

using ck::services::Invoker;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// `Host.call(op, args)` is the binding every SDK call goes through; the
// host answers `echo` with its arguments.
const char* kTrivial = R"JS(
exports.noop = () => 1;
exports.withHost = async () => (await Host.call("echo", [1]))[0];
)JS";

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double rssBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0;
  long resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// Counts completions; the bench thread waits on it.
class Latch {
 public:
  void done(bool ok) {
    std::lock_guard lock(mu_);
    ++finished_;
    if (!ok) ++failed_;
    cv_.notify_all();
  }
  // Waits until at most `inFlight` of `submitted` are unfinished.
  void waitBelow(size_t submitted, size_t inFlight) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return submitted - finished_ <= inFlight; });
  }
  size_t failed() {
    std::lock_guard lock(mu_);
    return failed_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t finished_ = 0;
  size_t failed_ = 0;
};

// Runs `count` invocations of `function` keeping `window` in flight; returns
// invocations per second.
double run(Invoker& invoker, const std::string& app, const std::string& function, size_t count, size_t window) {
  Latch latch;
  auto start = Clock::now();
  for (size_t i = 0; i < count; ++i) {
    latch.waitBelow(i, window - 1);
    invoker.invoke(app, function, json::array(), [&latch](ck::Result<json> r) { latch.done(r.ok()); });
  }
  latch.waitBelow(count, 0);
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  if (latch.failed() > 0) {
    std::fprintf(stderr, "sandbox_bench: %zu invocations of %s failed\n", latch.failed(), function.c_str());
    std::exit(1);
  }
  return static_cast<double>(count) / secs;
}

// One invocation, waited for; returns its latency in ms.
double once(Invoker& invoker, const std::string& app, const std::string& function) {
  Latch latch;
  auto start = Clock::now();
  std::string error;
  invoker.invoke(app, function, json::array(), [&](ck::Result<json> r) {
    if (!r.ok()) error = r.status().message();
    latch.done(r.ok());
  });
  latch.waitBelow(1, 0);
  if (!error.empty()) {
    std::fprintf(stderr, "sandbox_bench: %s failed: %s\n", function.c_str(), error.c_str());
    std::exit(1);
  }
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void install(Invoker& invoker, const std::string& app, const std::string& source) {
  ck::Status st = invoker.setAppCode(app, {{"main.js", source}}, {"main.js"});
  if (!st.ok()) {
    std::fprintf(stderr, "sandbox_bench: cannot install code: %s\n", st.message().c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  size_t calls = 20'000;
  size_t apps = 50;
  size_t workers = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    size_t value = std::strtoul(argv[i + 1], nullptr, 10);
    if (flag == "--rounds") rounds = static_cast<int>(value);
    else if (flag == "--calls") calls = value;
    else if (flag == "--apps") apps = value;
    else if (flag == "--workers") workers = value;
    else {
      std::fprintf(stderr, "usage: sandbox_bench [--rounds N] [--calls N] [--apps N] [--workers N]\n");
      return 2;
    }
  }
  ck::NullLogger log;
  std::string source = kTrivial;

  // Round trips and throughput.
  std::vector<double> seqNoop, seqHost, parNoop, parHost;
  {
    Invoker one({.workers = 1}, log);
    install(one, "bench", source);
    Invoker many({.workers = workers, .appConcurrency = workers}, log);
    install(many, "bench", source);
    for (Invoker* inv : {&one, &many}) {
      for (const char* fn : {"noop", "withHost"}) run(*inv, "bench", fn, calls / 10, 64);  // warm up
    }
    for (int r = 0; r < rounds; ++r) {
      seqNoop.push_back(1e6 / run(one, "bench", "noop", calls / 4, 1));
      seqHost.push_back(1e6 / run(one, "bench", "withHost", calls / 4, 1));
      parNoop.push_back(run(many, "bench", "noop", calls, 64));
      parHost.push_back(run(many, "bench", "withHost", calls, 64));
    }
  }

  // Cold first invocations, and memory per warm isolate, on one worker.
  std::vector<double> cold, rssPerApp;
  {
    Invoker one({.workers = 1}, log);
    install(one, "warm", source);
    once(one, "warm", "noop");
    size_t next = 0;
    for (int r = 0; r < rounds; ++r) {
      double before = rssBytes();
      std::vector<std::string> ids;
      for (size_t i = 0; i < apps; ++i) {
        std::string id = fmt::format("cold-{}", next++);
        install(one, id, source);
        cold.push_back(once(one, id, "noop"));
        ids.push_back(id);
      }
      rssPerApp.push_back((rssBytes() - before) / static_cast<double>(apps) / (1024.0 * 1024.0));
      for (const std::string& id : ids) one.removeAppCode(id);
      once(one, "warm", "noop");  // the worker drops the removed apps' isolates first
    }
  }

  std::printf("JS lane through services::Invoker (queue, worker, isolate, result); medians of %d rounds\n", rounds);
  std::printf("%-58s %12s\n", "measure", "median");
  std::printf("%-58s %9.1f us\n", "round trip, trivial function, 1 worker, 1 in flight", median(seqNoop));
  std::printf("%-58s %9.1f us\n", "round trip, with one host call", median(seqHost));
  std::printf("%-58s %9.0f /s\n", fmt::format("throughput, trivial, {} workers, 64 in flight", workers).c_str(),
              median(parNoop));
  std::printf("%-58s %9.0f /s\n", "throughput, with one host call", median(parHost));
  std::printf("%-58s %9.2f ms\n", fmt::format("first invocation of an app on a cold worker (n={})", cold.size()).c_str(),
              median(cold));
  std::printf("%-58s %9.2f MB\n", fmt::format("RSS per warm app isolate ({} apps on 1 worker)", apps).c_str(),
              median(rssPerApp));
  return 0;
}
