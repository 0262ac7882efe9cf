#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace ck::testing {

// A child process started with fork/exec for end-to-end tests: its stdout and
// stderr go to files the test can read. The destructor kills it (SIGKILL) if
// it is still running, so a failing test leaves nothing behind.
class ChildProcess {
 public:
  ChildProcess(const std::string& binary, const std::vector<std::string>& args, const std::string& outputPrefix);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Waits for the exit; returns the exit status (or 128 + signal), or -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  std::string stdoutText() const;
  std::string stderrText() const;

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string outPath_;
  std::string errPath_;
};

// Path of the cloudkeep binary under test (set by CMake).
std::string cloudkeepBinary();

// A fresh temporary folder, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Reads a file; empty when missing.
std::string readFile(const std::string& path);
// Writes `text` to `path`, making its folders.
void writeFile(const std::string& path, const std::string& text);

// One run of the cloudkeep binary to its end (at most a minute).
struct RunOutcome {
  int code = -1;  // the exit status, -1 when it did not end in time
  std::string out;
  std::string err;
};
RunOutcome runCloudkeep(const std::vector<std::string>& args, const std::string& outputPrefix);

// The admin token kept in <dataDir>/admin.token, without its newline.
std::string readAdminToken(const std::string& dataDir);

// Polls `pred` every 20 ms until it holds or `timeout` passes.
template <typename Pred>
bool waitFor(Pred pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    struct timespec ts {0, 20'000'000};
    nanosleep(&ts, nullptr);
  }
  return pred();
}

}  // namespace ck::testing
