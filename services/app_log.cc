#include "services/app_log.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

namespace ck::services {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kFile = "app.log";
constexpr const char* kOld = "app.log.1";

// `text` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string cutUtf8(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  text.resize(n);
  text += " [cut]";
  return text;
}

bool parseLine(const std::string& text, AppLogLine* out) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return false;
  try {
    out->seq = j.at("seq").get<int64_t>();
    out->timeMs = j.at("timeMs").get<int64_t>();
    out->level = j.at("level").get<std::string>();
    out->source = j.at("source").get<std::string>();
    out->invocationId = j.at("invocationId").get<std::string>();
    out->message = j.at("message").get<std::string>();
  } catch (const json::exception&) {
    return false;
  }
  return true;
}

void readFile(const fs::path& path, const AppLogQuery& query, std::vector<AppLogLine>* out) {
  std::ifstream in(path);
  std::string text;
  AppLogLine line;
  while (std::getline(in, text)) {
    if (!parseLine(text, &line)) continue;
    if (line.seq <= query.afterSeq || line.timeMs < query.sinceMs) continue;
    out->push_back(std::move(line));
  }
}

}  // namespace

json AppLogLine::toJson() const {
  return {{"seq", seq},      {"timeMs", timeMs},   {"level", level},
          {"source", source}, {"invocationId", invocationId}, {"message", message}};
}

std::string appLogDir(const std::string& dataDir, std::string_view appId) {
  return (fs::path(dataDir) / "apps" / std::string(appId) / "logs").string();
}

std::vector<AppLogLine> readAppLog(const std::string& dir, const AppLogQuery& query) {
  std::vector<AppLogLine> lines;
  readFile(fs::path(dir) / kOld, query, &lines);
  readFile(fs::path(dir) / kFile, query, &lines);
  std::stable_sort(lines.begin(), lines.end(), [](const AppLogLine& a, const AppLogLine& b) { return a.seq < b.seq; });
  if (lines.size() > query.limit) lines.resize(query.limit);
  return lines;
}

std::string redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  constexpr std::string_view kMark = "[redacted]";
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + kMark.size())) {
    text.replace(at, secret.size(), kMark);
  }
  return text;
}

AppLog::AppLog(std::string dir, const Clock& clock, AppLogConfig config)
    : dir_(std::move(dir)), clock_(clock), config_(config) {}

void AppLog::openLocked() {
  opened_ = true;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  size_ = fs::exists(fs::path(dir_) / kFile, ec) ? fs::file_size(fs::path(dir_) / kFile, ec) : 0;
  if (ec) size_ = 0;
  // The last sequence number on disk, so numbers keep rising after a restart.
  std::vector<AppLogLine> all = readAppLog(dir_, AppLogQuery{.limit = SIZE_MAX});
  seq_ = all.empty() ? 0 : all.back().seq;
}

void AppLog::write(std::string_view level, std::string_view source, std::string_view invocationId,
                   std::string message, std::string_view secret) {
  // Redact before cutting, so a token cut in half cannot leave a prefix.
  message = cutUtf8(redact(std::move(message), secret), config_.maxMessageBytes);
  std::lock_guard lock(mu_);
  if (!opened_) openLocked();
  AppLogLine line{++seq_, clock_.nowMs(), std::string(level), std::string(source),
                  redact(std::string(invocationId), secret), std::move(message)};
  std::string text = line.toJson().dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  std::error_code ec;
  if (size_ + text.size() > config_.maxFileBytes && size_ > 0) {
    fs::rename(fs::path(dir_) / kFile, fs::path(dir_) / kOld, ec);
    size_ = 0;
  }
  std::ofstream out(fs::path(dir_) / kFile, std::ios::app | std::ios::binary);
  if (!out) return;
  out << text;
  out.flush();
  if (out) size_ += text.size();
}

}  // namespace ck::services
