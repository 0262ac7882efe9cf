#pragma once

// One app's log of its service code: what the code writes (console.*,
// Backendless.Logging loggers) and the errors of its invocations, each line
// with the invocation id, kept in a bounded rotating file under
// `<data>/apps/<id>/logs/` (DESIGN.md "Operations"; issue 6 item 5).

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"

namespace ck::services {

struct AppLogConfig {
  uint64_t maxFileBytes = 1u << 20;  // app.log rotates to app.log.1 past this: at most ~2x on disk
  size_t maxMessageBytes = 8u << 10; // a longer message is cut (on a UTF-8 boundary) and marked
};

// One line of an app's log.
struct AppLogLine {
  int64_t seq = 0;        // increasing per app, across rotations and restarts
  int64_t timeMs = 0;
  std::string level;      // "debug", "info", "warn", "error"
  std::string source;     // "console", "logger:<name>", "invocation"
  std::string invocationId;
  std::string message;
  nlohmann::json toJson() const;  // every field under its own name
};

// The folder of an app's log.
std::string appLogDir(const std::string& dataDir, std::string_view appId);

// Which lines to read: after `afterSeq`, at or after `sinceMs`, oldest
// first, at most `limit`.
struct AppLogQuery {
  int64_t afterSeq = 0;
  int64_t sinceMs = 0;
  size_t limit = 1000;
};
inline constexpr size_t kMaxAppLogQueryLimit = 10'000;

// Reads the log in `dir` (both files; a missing folder is an empty log).
// Lines that do not parse (a torn last write) are skipped.
std::vector<AppLogLine> readAppLog(const std::string& dir, const AppLogQuery& query);

// The writer of one app's log. Thread-safe (one mutex: lines from several
// JS workers never interleave). Every line has `secret` (the caller's
// user-token) replaced by "[redacted]" before it is written, and control
// characters other than newline and tab escaped by JSON. I/O failures are
// swallowed: a full disk must not fail an invocation (the line is lost).
class AppLog {
 public:
  AppLog(std::string dir, const Clock& clock, AppLogConfig config = {});
  AppLog(const AppLog&) = delete;
  AppLog& operator=(const AppLog&) = delete;

  void write(std::string_view level, std::string_view source, std::string_view invocationId, std::string message,
             std::string_view secret);
  const std::string& dir() const { return dir_; }

 private:
  void openLocked();

  const std::string dir_;
  const Clock& clock_;
  const AppLogConfig config_;
  std::mutex mu_;
  bool opened_ = false;   // GUARDED_BY(mu_): seq_ and size_ read from disk
  int64_t seq_ = 0;       // GUARDED_BY(mu_): the last line's
  uint64_t size_ = 0;     // GUARDED_BY(mu_): of app.log
};

// `text` with every occurrence of `secret` replaced by "[redacted]" (an
// empty secret changes nothing).
std::string redact(std::string text, std::string_view secret);

}  // namespace ck::services
