#include "base/log.h"

#include <chrono>
#include <cstdint>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ck {

LogField::LogField(std::string_view k, double v) : key(k), value(fmt::format("{}", v)), quoted(false) {}

const char* logLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

bool parseLogLevel(std::string_view text, LogLevel* out) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (text == logLevelName(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

namespace {

thread_local bool tBatching = false;

}  // namespace

LogBatchScope::LogBatchScope() { tBatching = true; }
LogBatchScope::~LogBatchScope() { tBatching = false; }
bool LogBatchScope::active() { return tBatching; }

namespace {

// Appends the time now as 2026-11-29T10:53:20.123Z (UTC). The text up to
// the seconds is kept per thread and written again only when the second
// changes: gmtime_r and formatting the whole stamp cost about 5K
// instructions, on every access line.
void appendIsoNow(std::string& out) {
  thread_local int64_t cachedSecs = INT64_MIN;
  thread_local std::string cachedPrefix;  // "2026-11-29T10:53:20"
  const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  const int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;  // floor, so the millis are 0..999
  if (secs != cachedSecs) {
    const auto t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    cachedPrefix = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                               tm.tm_hour, tm.tm_min, tm.tm_sec);
    cachedSecs = secs;
  }
  const int64_t milli = ms - secs * 1000;
  out += cachedPrefix;
  out += '.';
  out += static_cast<char>('0' + milli / 100);
  out += static_cast<char>('0' + milli / 10 % 10);
  out += static_cast<char>('0' + milli % 10);
  out += 'Z';
}

// Human format quotes values that contain spaces, quotes or are empty.
void appendHumanValue(std::string& line, const LogField& f) {
  bool plain = !f.value.empty() && f.value.find_first_of(" \"=\n\t") == std::string::npos;
  if (!f.quoted || plain) {
    line += f.value;
    return;
  }
  line += nlohmann::json(f.value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void StreamLogger::log(LogLevel level, std::string_view message, LogFields fields) {
  if (!enabled(level)) return;
  std::string line;
  if (format_ == LogFormat::kJson) {
    nlohmann::json j;
    std::string ts;
    appendIsoNow(ts);
    j["ts"] = std::move(ts);
    j["level"] = logLevelName(level);
    j["msg"] = std::string(message);
    for (const LogField& f : fields) {
      std::string key(f.key);
      if (f.quoted) {
        j[key] = f.value;
      } else {
        j[key] = nlohmann::json::parse(f.value, nullptr, false);
      }
    }
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line.reserve(64 + message.size());
    appendIsoNow(line);
    line += ' ';
    const std::string_view levelName = logLevelName(level);
    line += levelName;
    if (levelName.size() < 5) line.append(5 - levelName.size(), ' ');  // names padded to five
    line += ' ';
    line += message;
    for (const LogField& f : fields) {
      line += ' ';
      line += f.key;
      line += '=';
      appendHumanValue(line, f);
    }
  }
  line += '\n';
  std::lock_guard lock(mu_);
  held_ += line;
  if (!LogBatchScope::active() || held_.size() >= kMaxHeldBytes) writeHeldLocked();
}

void StreamLogger::flush() {
  std::lock_guard lock(mu_);
  writeHeldLocked();
}

void StreamLogger::writeHeldLocked() {
  if (held_.empty()) return;
  std::fwrite(held_.data(), 1, held_.size(), out_);
  std::fflush(out_);
  held_.clear();
}

void MemoryLogger::log(LogLevel level, std::string_view message, LogFields fields) {
  Entry e{level, std::string(message), {}};
  for (const LogField& f : fields) e.fields.emplace_back(std::string(f.key), f.value);
  std::lock_guard lock(mu_);
  entries_.push_back(std::move(e));
}

std::vector<MemoryLogger::Entry> MemoryLogger::entries() const {
  std::lock_guard lock(mu_);
  return entries_;
}

std::string MemoryLogger::dump() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const Entry& e : entries_) {
    out += logLevelName(e.level);
    out += ' ';
    out += e.message;
    for (const auto& [k, v] : e.fields) out += fmt::format(" {}={}", k, v);
    out += '\n';
  }
  return out;
}

}  // namespace ck
