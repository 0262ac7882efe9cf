#pragma once

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ck {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// One key/value of a log line. Values are text or integers; never put a token,
// password or key in one.
struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v), quoted(true) {}
  LogField(std::string_view k, const char* v) : key(k), value(v), quoted(true) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v), quoted(true) {}
  LogField(std::string_view k, int64_t v) : key(k), value(std::to_string(v)), quoted(false) {}
  LogField(std::string_view k, int v) : LogField(k, static_cast<int64_t>(v)) {}
  LogField(std::string_view k, uint64_t v) : key(k), value(std::to_string(v)), quoted(false) {}
  LogField(std::string_view k, double v);
  std::string_view key;
  std::string value;
  bool quoted;
};

using LogFields = std::initializer_list<LogField>;

// Where log lines go. A constant message plus fields; implementations are
// thread-safe. Owned by whoever wires the process (main, or a test).
class Logger {
 public:
  virtual ~Logger() = default;
  virtual void log(LogLevel level, std::string_view message, LogFields fields) = 0;
  virtual bool enabled(LogLevel level) const = 0;
  // Writes out lines held back for a batching thread (LogBatchScope).
  virtual void flush() {}

  void debug(std::string_view m, LogFields f = {}) { log(LogLevel::kDebug, m, f); }
  void info(std::string_view m, LogFields f = {}) { log(LogLevel::kInfo, m, f); }
  void warn(std::string_view m, LogFields f = {}) { log(LogLevel::kWarn, m, f); }
  void error(std::string_view m, LogFields f = {}) { log(LogLevel::kError, m, f); }
};

// While one lives on a thread, the lines that thread logs may wait in the
// logger until flush() instead of costing a write each. The HTTP loop thread
// batches and flushes once per loop iteration, before it waits for events:
// under load its access lines go out a batch per write, and when idle
// nothing waits. A line logged on any other thread writes out what waits
// first, so lines keep their order. Nesting is not supported.
class LogBatchScope {
 public:
  LogBatchScope();
  ~LogBatchScope();
  LogBatchScope(const LogBatchScope&) = delete;
  LogBatchScope& operator=(const LogBatchScope&) = delete;
  static bool active();  // on the calling thread
};

enum class LogFormat { kHuman, kJson };

// Writes one line per entry to a stdio stream (stderr by default), as
// `2026-11-28T16:00:00.123Z info  message key=value ...` or as a JSON object.
class StreamLogger final : public Logger {
 public:
  StreamLogger(std::FILE* out, LogLevel min, LogFormat format)
      : out_(out), min_(min), format_(format) {}
  void log(LogLevel level, std::string_view message, LogFields fields) override;
  bool enabled(LogLevel level) const override { return level >= min_; }
  void flush() override;

  static constexpr size_t kMaxHeldBytes = 64 << 10;  // a batch past this is written at once

 private:
  void writeHeldLocked();

  std::mutex mu_;
  std::string held_;  // GUARDED_BY(mu_): batched lines not yet written
  std::FILE* out_;  // GUARDED_BY(mu_) for writes
  LogLevel min_;
  LogFormat format_;
};

// Keeps entries in memory; for tests.
class MemoryLogger final : public Logger {
 public:
  struct Entry {
    LogLevel level;
    std::string message;
    std::vector<std::pair<std::string, std::string>> fields;
  };
  void log(LogLevel level, std::string_view message, LogFields fields) override;
  bool enabled(LogLevel) const override { return true; }
  std::vector<Entry> entries() const;
  std::string dump() const;  // every entry as text, for assertions on content

 private:
  mutable std::mutex mu_;
  std::vector<Entry> entries_;  // GUARDED_BY(mu_)
};

// Discards everything.
class NullLogger final : public Logger {
 public:
  void log(LogLevel, std::string_view, LogFields) override {}
  bool enabled(LogLevel) const override { return false; }
};

const char* logLevelName(LogLevel level);
bool parseLogLevel(std::string_view text, LogLevel* out);

}  // namespace ck
