#pragma once

// Internal to sandbox/: compiling CommonJS-style functions with a
// process-wide V8 code cache.

#include <v8.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ck::sandbox {

// V8 code caches of the functions the sandbox compiles (its prelude, bundle
// files), shared by every isolate of the process, so an isolate after the
// first skips parsing and bytecode generation for the same source.
//
// Keyed by the full source text and the wrapper's parameter names (a hash
// alone is not enough: V8 only checks the source's length before trusting a
// cache) and stamped with ScriptCompiler::CachedDataVersionTag(). A cache V8
// rejects is dropped. The cache is made after the function's first run, so
// it holds the inner functions that run compiled lazily. Bounded by
// kMaxBytes; past it, nothing new is stored.
//
// Thread-safe; compilation itself happens outside the lock.
class CodeCache {
 public:
  static constexpr size_t kMaxBytes = 64u << 20;

  struct Stats {
    uint64_t hits = 0;      // compiled from a cache V8 accepted
    uint64_t misses = 0;    // compiled from source
    uint64_t rejected = 0;  // a cache V8 refused (then compiled from source)
    uint64_t stored = 0;
    size_t bytes = 0;
  };

  // A compiled function and whether it still needs storing after its first run.
  struct Compiled {
    v8::Local<v8::Function> function;
    bool fromCache = false;
  };

  static CodeCache& shared();

  // Compiles `source` (whose UTF-8 text is `text`) as the body of a function
  // with `params`, named `name` in stack traces. Empty on a syntax error
  // (pending in the caller's TryCatch) or termination.
  v8::MaybeLocal<v8::Function> compile(v8::Local<v8::Context> context, std::string_view name, std::string_view text,
                                       const std::vector<std::string>& params, bool* fromCache);

  // Stores the cache of `function`, compiled by compile() with the same
  // text and params, unless it is there already. Call after its first run.
  void store(std::string_view text, const std::vector<std::string>& params, v8::Local<v8::Function> function);

  // Off: compile() never consumes and store() never stores (for measuring
  // the cold path). On by default.
  void setEnabled(bool enabled) { enabled_ = enabled; }
  Stats stats();
  void clear();

 private:
  struct Entry {
    uint32_t versionTag;
    std::shared_ptr<const std::vector<uint8_t>> data;
  };
  static std::string keyOf(std::string_view text, const std::vector<std::string>& params);

  std::atomic<bool> enabled_{true};
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
  Stats stats_;                                     // GUARDED_BY(mu_)
};

}  // namespace ck::sandbox
