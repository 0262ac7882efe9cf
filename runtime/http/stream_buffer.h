#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "runtime/http/message.h"

namespace ck::http {

// The bounded buffer behind a streaming request's BodyStream. The loop
// thread pushes what it parses; the handler's worker thread reads. When the
// buffer reaches `capacity` push() says so and the loop stops reading the
// socket; once the reader has drained it to half, `onDrained` runs (on the
// reader's thread) to have the loop resume. A push may overshoot capacity by
// one read's worth. Thread-safe; owned by the request's Exchange.
class StreamBuffer final : public BodyStream {
 public:
  StreamBuffer(size_t capacity, std::optional<uint64_t> declaredLength, std::function<void()> onDrained);

  // Loop thread. Returns false when the buffer is full: stop reading until
  // `onDrained` runs. Ignored after finish() or fail().
  bool push(const char* data, size_t n);
  // The body is complete: read() returns 0 once the buffer is empty.
  void finish();
  // The body will not complete (disconnect, limit): read() returns `status`,
  // even if bytes remain buffered. The first failure wins; no effect after
  // finish().
  void fail(Status status);
  // Whether push() has reported full and the reader has not drained it yet.
  bool full() const;

  Result<size_t> read(char* out, size_t cap) override;
  std::optional<uint64_t> declaredLength() const override { return declared_; }

 private:
  const size_t capacity_;
  const std::optional<uint64_t> declared_;
  const std::function<void()> onDrained_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;  // GUARDED_BY(mu_)
  size_t frontOffset_ = 0;          // GUARDED_BY(mu_): bytes of chunks_.front() already read
  size_t buffered_ = 0;             // GUARDED_BY(mu_)
  bool finished_ = false;           // GUARDED_BY(mu_)
  bool loopPaused_ = false;         // GUARDED_BY(mu_)
  Status error_;                    // GUARDED_BY(mu_)
};

}  // namespace ck::http
