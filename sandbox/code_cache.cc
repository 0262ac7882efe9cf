#include "sandbox/code_cache.h"

#include "sandbox/json_v8.h"

namespace ck::sandbox {

CodeCache& CodeCache::shared() {
  static CodeCache* instance = new CodeCache();  // never destroyed: workers may compile during exit
  return *instance;
}

std::string CodeCache::keyOf(std::string_view text, const std::vector<std::string>& params) {
  std::string key;
  for (const std::string& p : params) {
    key += p;
    key.push_back(',');
  }
  key.push_back('\0');
  key.append(text);
  return key;
}

v8::MaybeLocal<v8::Function> CodeCache::compile(v8::Local<v8::Context> context, std::string_view name,
                                                std::string_view text, const std::vector<std::string>& params,
                                                bool* fromCache) {
  v8::Isolate* isolate = context->GetIsolate();
  *fromCache = false;
  v8::Local<v8::String> source;
  v8::Local<v8::String> resourceName;
  if (!jsString(isolate, text).ToLocal(&source) || !jsString(isolate, name).ToLocal(&resourceName)) return {};
  std::vector<v8::Local<v8::String>> paramNames;
  for (const std::string& p : params) {
    v8::Local<v8::String> s;
    if (!jsString(isolate, p).ToLocal(&s)) return {};
    paramNames.push_back(s);
  }

  std::shared_ptr<const std::vector<uint8_t>> cached;
  std::string key;
  if (enabled_) {
    key = keyOf(text, params);
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.versionTag == v8::ScriptCompiler::CachedDataVersionTag()) {
      cached = it->second.data;
    }
  }

  v8::ScriptOrigin origin(isolate, resourceName);
  v8::ScriptCompiler::CachedData* data = nullptr;
  if (cached) {
    data = new v8::ScriptCompiler::CachedData(cached->data(), static_cast<int>(cached->size()),
                                              v8::ScriptCompiler::CachedData::BufferNotOwned);
  }
  v8::ScriptCompiler::Source compileSource(source, origin, data);  // owns `data`
  v8::MaybeLocal<v8::Function> fn = v8::ScriptCompiler::CompileFunction(
      context, &compileSource, paramNames.size(), paramNames.data(), 0, nullptr,
      cached ? v8::ScriptCompiler::kConsumeCodeCache : v8::ScriptCompiler::kNoCompileOptions);

  std::lock_guard lock(mu_);
  if (!cached) {
    stats_.misses++;
  } else if (compileSource.GetCachedData()->rejected) {
    stats_.rejected++;
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.data == cached) {
      stats_.bytes -= it->second.data->size();
      entries_.erase(it);
    }
  } else {
    stats_.hits++;
    *fromCache = true;
  }
  return fn;
}

void CodeCache::store(std::string_view text, const std::vector<std::string>& params, v8::Local<v8::Function> function) {
  if (!enabled_) return;
  std::string key = keyOf(text, params);
  {
    std::lock_guard lock(mu_);
    if (entries_.count(key) != 0 || stats_.bytes + text.size() > kMaxBytes) return;
  }
  std::unique_ptr<v8::ScriptCompiler::CachedData> data(v8::ScriptCompiler::CreateCodeCacheForFunction(function));
  if (!data || data->length <= 0) return;
  auto bytes = std::make_shared<std::vector<uint8_t>>(data->data, data->data + data->length);
  std::lock_guard lock(mu_);
  if (entries_.count(key) != 0 || stats_.bytes + bytes->size() > kMaxBytes) return;
  stats_.bytes += bytes->size();
  stats_.stored++;
  entries_.emplace(std::move(key), Entry{v8::ScriptCompiler::CachedDataVersionTag(), std::move(bytes)});
}

CodeCache::Stats CodeCache::stats() {
  std::lock_guard lock(mu_);
  return stats_;
}

void CodeCache::clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
  stats_.bytes = 0;
}

}  // namespace ck::sandbox
