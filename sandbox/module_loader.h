#pragma once

// Internal to sandbox/: CommonJS modules over a Bundle.

#include <v8.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "sandbox/bundle.h"
#include "sandbox/code_cache.h"

namespace ck::sandbox {

// Loads a bundle's files as CommonJS modules in one context, Node style: each
// file is the body of a function of (exports, require, module, __filename,
// __dirname), compiled with its bundle path as the script name (so stack
// traces and syntax errors name the file and line; lines are not shifted by
// a wrapper). __filename and __dirname are bundle-relative ("services/a.js",
// "services"). `.json` files load as their parsed value.
//
// require(id) accepts only relative paths inside the bundle (module_path.h);
// anything else throws an Error with `code` 'MODULE_NOT_FOUND' and a
// message naming the requiring file. Modules are cached per loader (one per
// context), including while they load (cycles see the partial exports, as in
// Node); a module whose body throws is dropped from the cache.
//
// Lives on the isolate's thread; must be destroyed before the isolate is
// disposed, and outlive every require function it made.
class ModuleLoader {
 public:
  ModuleLoader(v8::Isolate* isolate, std::shared_ptr<const Bundle> bundle, CodeCache& cache);
  ModuleLoader(const ModuleLoader&) = delete;
  ModuleLoader& operator=(const ModuleLoader&) = delete;

  // Loads the module at bundle path `path` (and what it requires) and
  // returns its module.exports. Empty with the exception pending in the
  // caller's TryCatch (a compile error, a throw at load, termination).
  // REQUIRES: `path` is a file of the bundle.
  v8::MaybeLocal<v8::Value> load(v8::Local<v8::Context> context, const std::string& path);

  const Bundle& bundle() const { return *bundle_; }

  // Stores the code caches of the modules compiled from source so far.
  // Called after the first invocation rather than right after loading, so
  // the caches also hold the functions that invocation compiled lazily
  // (from a cache made at load, V8 compiles them slower than from source).
  void storeCodeCaches();

 private:
  static const std::vector<std::string>& wrapperParams();
  static void requireCallback(const v8::FunctionCallbackInfo<v8::Value>& info);
  v8::MaybeLocal<v8::Function> makeRequire(v8::Local<v8::Context> context, const std::string& fromPath);
  v8::MaybeLocal<v8::Value> loadJson(v8::Local<v8::Context> context, const std::string& path,
                                     const std::string& text);

  v8::Isolate* isolate_;
  std::shared_ptr<const Bundle> bundle_;
  CodeCache& cache_;
  std::unordered_map<std::string, v8::Global<v8::Object>> modules_;  // path -> module object
  struct Uncached {
    const std::string* text;  // in bundle_
    v8::Global<v8::Function> fn;
  };
  std::vector<Uncached> uncached_;  // compiled from source, cache not stored yet
};

}  // namespace ck::sandbox
