#include "runtime/http/stream_buffer.h"

#include <algorithm>
#include <cstring>

namespace ck::http {

StreamBuffer::StreamBuffer(size_t capacity, std::optional<uint64_t> declaredLength,
                           std::function<void()> onDrained)
    : capacity_(capacity), declared_(declaredLength), onDrained_(std::move(onDrained)) {}

bool StreamBuffer::push(const char* data, size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_ || !error_.ok()) return true;
  if (n > 0) {
    chunks_.emplace_back(data, n);
    buffered_ += n;
    cv_.notify_one();
  }
  if (buffered_ >= capacity_) loopPaused_ = true;
  return !loopPaused_;
}

void StreamBuffer::finish() {
  std::lock_guard<std::mutex> lock(mu_);
  finished_ = true;
  cv_.notify_all();
}

void StreamBuffer::fail(Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  // Only the first failure counts, and a complete body stays readable.
  if (!error_.ok() || finished_) return;
  error_ = std::move(status);
  chunks_.clear();
  buffered_ = 0;
  cv_.notify_all();
}

bool StreamBuffer::full() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loopPaused_;
}

Result<size_t> StreamBuffer::read(char* out, size_t cap) {
  if (cap == 0) return Status(ErrorCode::kInvalidArgument, "read() needs room for at least one byte");
  bool wakeLoop = false;
  size_t copied = 0;
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return buffered_ > 0 || finished_ || !error_.ok(); });
    if (!error_.ok()) return error_;
    while (copied < cap && !chunks_.empty()) {
      std::string& front = chunks_.front();
      size_t n = std::min(cap - copied, front.size() - frontOffset_);
      std::memcpy(out + copied, front.data() + frontOffset_, n);
      copied += n;
      frontOffset_ += n;
      buffered_ -= n;
      if (frontOffset_ == front.size()) {
        chunks_.pop_front();
        frontOffset_ = 0;
      }
    }
    if (loopPaused_ && buffered_ <= capacity_ / 2) {
      loopPaused_ = false;
      wakeLoop = true;
    }
  }
  if (wakeLoop && onDrained_) onDrained_();
  return copied;
}

}  // namespace ck::http
