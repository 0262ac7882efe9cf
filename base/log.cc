#include "base/log.h"

#include <chrono>
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

std::string isoNow() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
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
    j["ts"] = isoNow();
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
    line = fmt::format("{} {:<5} {}", isoNow(), logLevelName(level), message);
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
