#include "tools/dev_json_place.h"

#include <vector>

#include <fmt/format.h>

namespace ck::tools {
namespace {

// The steps of a path: keys, and "[n]" for array elements.
std::optional<std::vector<std::string>> splitJsonPath(std::string_view path) {
  std::vector<std::string> steps;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string_view::npos || close == i + 1) return std::nullopt;
      for (size_t k = i + 1; k < close; ++k) {
        if (path[k] < '0' || path[k] > '9') return std::nullopt;
      }
      steps.emplace_back(path.substr(i, close - i + 1));
      i = close + 1;
      if (i < path.size() && path[i] == '.') ++i;
      continue;
    }
    size_t end = path.find_first_of(".[", i);
    if (end == std::string_view::npos) end = path.size();
    if (end == i) return std::nullopt;
    for (size_t k = i; k < end; ++k) {
      if (path[k] == ' ' || path[k] == '"' || path[k] == ':') return std::nullopt;
    }
    steps.emplace_back(path.substr(i, end - i));
    i = end;
    if (i < path.size() && path[i] == '.') ++i;
  }
  if (steps.empty()) return std::nullopt;
  return steps;
}

// Walks a valid JSON text keeping the path it is at; remembers where the
// deepest step of `target` it reaches begins.
class PathScanner {
 public:
  PathScanner(std::string_view text, const std::vector<std::string>& target) : text_(text), target_(target) {}

  std::optional<size_t> find() {
    value();
    return found_;
  }

 private:
  void ws() {
    while (i_ < text_.size() && (text_[i_] == ' ' || text_[i_] == '\t' || text_[i_] == '\n' || text_[i_] == '\r')) {
      ++i_;
    }
  }
  bool onTarget() const {
    if (path_.size() > target_.size()) return false;
    for (size_t k = 0; k < path_.size(); ++k) {
      if (path_[k] != target_[k]) return false;
    }
    return true;
  }
  void entered(size_t at) {
    if (onTarget() && path_.size() > foundDepth_) {
      foundDepth_ = path_.size();
      found_ = at;
    }
  }
  std::string string() {
    std::string out;
    ++i_;  // the opening quote
    while (i_ < text_.size() && text_[i_] != '"') {
      if (text_[i_] == '\\') ++i_;
      if (i_ < text_.size()) out += text_[i_++];
    }
    ++i_;  // the closing quote
    return out;
  }
  void value() {
    ws();
    if (i_ >= text_.size()) return;
    char c = text_[i_];
    if (c == '{') return object();
    if (c == '[') return array();
    if (c == '"') {
      string();
      return;
    }
    while (i_ < text_.size() && text_[i_] != ',' && text_[i_] != '}' && text_[i_] != ']') ++i_;
  }
  void object() {
    ++i_;
    for (;;) {
      ws();
      if (i_ >= text_.size() || text_[i_] == '}') break;
      size_t at = i_;
      path_.push_back(string());
      entered(at);
      ws();
      ++i_;  // ':'
      value();
      path_.pop_back();
      ws();
      if (i_ < text_.size() && text_[i_] == ',') ++i_;
    }
    ++i_;
  }
  void array() {
    ++i_;
    for (size_t n = 0;; ++n) {
      ws();
      if (i_ >= text_.size() || text_[i_] == ']') break;
      path_.push_back(fmt::format("[{}]", n));
      entered(i_);
      value();
      path_.pop_back();
      ws();
      if (i_ < text_.size() && text_[i_] == ',') ++i_;
    }
    ++i_;
  }

  std::string_view text_;
  const std::vector<std::string>& target_;
  size_t i_ = 0;
  std::vector<std::string> path_;
  size_t foundDepth_ = 0;
  std::optional<size_t> found_;
};

}  // namespace

TextPlace placeOfOffset(std::string_view text, size_t offset) {
  TextPlace place;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++place.line;
      place.column = 1;
    } else {
      ++place.column;
    }
  }
  return place;
}

std::optional<TextPlace> placeOfPath(std::string_view text, std::string_view path) {
  std::optional<std::vector<std::string>> steps = splitJsonPath(path);
  if (!steps) return std::nullopt;
  std::optional<size_t> at = PathScanner(text, *steps).find();
  if (!at) return std::nullopt;
  return placeOfOffset(text, *at);
}

std::string withJsonPlace(const std::string& file, std::string_view text, const std::string& message) {
  size_t colon = message.find(": ");
  if (colon != std::string::npos) {
    if (std::optional<TextPlace> place = placeOfPath(text, std::string_view(message).substr(0, colon))) {
      return fmt::format("{}:{}:{}: {}", file, place->line, place->column, message);
    }
  }
  return file + ": " + message;
}

}  // namespace ck::tools
