#include "sandbox/module_loader.h"

#include "sandbox/json_v8.h"
#include "sandbox/module_path.h"

namespace ck::sandbox {

namespace {

bool setData(v8::Local<v8::Context> context, v8::Local<v8::Object> obj, std::string_view key,
             v8::Local<v8::Value> value) {
  v8::Local<v8::String> k;
  return jsString(context->GetIsolate(), key).ToLocal(&k) && obj->CreateDataProperty(context, k, value).FromMaybe(false);
}

v8::MaybeLocal<v8::Value> getProp(v8::Local<v8::Context> context, v8::Local<v8::Object> obj, std::string_view key) {
  v8::Local<v8::String> k;
  if (!jsString(context->GetIsolate(), key).ToLocal(&k)) return {};
  return obj->Get(context, k);
}

void throwError(v8::Isolate* isolate, const std::string& message, const char* code) {
  v8::Local<v8::String> text;
  if (!jsString(isolate, message).ToLocal(&text)) return;
  v8::Local<v8::Value> error = v8::Exception::Error(text);
  v8::Local<v8::String> codeValue;
  if (code != nullptr && error->IsObject() && jsString(isolate, code).ToLocal(&codeValue)) {
    (void)setData(isolate->GetCurrentContext(), error.As<v8::Object>(), "code", codeValue);
  }
  isolate->ThrowException(error);
}

}  // namespace

ModuleLoader::ModuleLoader(v8::Isolate* isolate, std::shared_ptr<const Bundle> bundle, CodeCache& cache)
    : isolate_(isolate), bundle_(std::move(bundle)), cache_(cache) {}

const std::vector<std::string>& ModuleLoader::wrapperParams() {
  static const std::vector<std::string> params{"exports", "require", "module", "__filename", "__dirname"};
  return params;
}

v8::MaybeLocal<v8::Function> ModuleLoader::makeRequire(v8::Local<v8::Context> context, const std::string& fromPath) {
  // The callback's data is not reachable from JS.
  v8::Local<v8::String> from;
  if (!jsString(isolate_, fromPath).ToLocal(&from)) return {};
  v8::Local<v8::Value> parts[] = {v8::External::New(isolate_, this), from};
  v8::Local<v8::Array> data = v8::Array::New(isolate_, parts, 2);
  return v8::Function::New(context, &ModuleLoader::requireCallback, data, 1, v8::ConstructorBehavior::kThrow);
}

void ModuleLoader::requireCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  try {
    v8::Local<v8::Array> data = info.Data().As<v8::Array>();
    v8::Local<v8::Value> self;
    v8::Local<v8::Value> from;
    if (!data->Get(context, 0).ToLocal(&self) || !data->Get(context, 1).ToLocal(&from)) return;
    auto* loader = static_cast<ModuleLoader*>(self.As<v8::External>()->Value());
    std::string fromPath = utf8(isolate, from.As<v8::String>());
    if (info.Length() < 1 || !info[0]->IsString()) {
      v8::Local<v8::String> msg;
      if (jsString(isolate, "require: argument 1 (id) must be a string").ToLocal(&msg)) {
        isolate->ThrowException(v8::Exception::TypeError(msg));
      }
      return;
    }
    std::string specifier = utf8(isolate, info[0].As<v8::String>());
    Result<std::string> path = resolveModule(*loader->bundle_, moduleDir(fromPath), specifier);
    if (!path.ok()) {
      throwError(isolate, path.status().message() + " (required from '" + fromPath + "')", "MODULE_NOT_FOUND");
      return;
    }
    v8::Local<v8::Value> exports;
    if (loader->load(context, *path).ToLocal(&exports)) info.GetReturnValue().Set(exports);
  } catch (const std::exception&) {
    throwError(isolate, "require: internal error", nullptr);
  }
}

v8::MaybeLocal<v8::Value> ModuleLoader::loadJson(v8::Local<v8::Context> context, const std::string& path,
                                                 const std::string& text) {
  v8::Local<v8::String> source;
  if (!jsString(isolate_, text).ToLocal(&source)) return {};
  v8::TryCatch tryCatch(isolate_);
  v8::Local<v8::Value> value;
  if (v8::JSON::Parse(context, source).ToLocal(&value)) return value;
  if (tryCatch.HasTerminated() || !tryCatch.CanContinue()) {
    tryCatch.ReThrow();
    return {};
  }
  std::string why = "invalid JSON";
  v8::Local<v8::Value> error = tryCatch.Exception();
  v8::Local<v8::Value> message;
  if (error->IsObject() &&
      error.As<v8::Object>()->Get(context, jsString(isolate_, "message").ToLocalChecked()).ToLocal(&message) &&
      message->IsString()) {
    why = utf8(isolate_, message.As<v8::String>());
  }
  v8::Local<v8::String> msg;
  if (jsString(isolate_, path + ": " + truncateUtf8(why, 500)).ToLocal(&msg)) {
    tryCatch.Reset();
    isolate_->ThrowException(v8::Exception::SyntaxError(msg));
    tryCatch.ReThrow();
  }
  return {};
}

v8::MaybeLocal<v8::Value> ModuleLoader::load(v8::Local<v8::Context> context, const std::string& path) {
  v8::EscapableHandleScope scope(isolate_);
  auto cached = modules_.find(path);
  if (cached != modules_.end()) {
    v8::Local<v8::Value> exports;
    if (!getProp(context, cached->second.Get(isolate_), "exports").ToLocal(&exports)) return {};
    return scope.Escape(exports);
  }
  auto file = bundle_->files.find(path);
  if (file == bundle_->files.end()) {
    throwError(isolate_, "Cannot find module '" + path + "' in the bundle", "MODULE_NOT_FOUND");
    return {};
  }
  const std::string& text = file->second;

  v8::Local<v8::Object> module = v8::Object::New(isolate_);
  v8::Local<v8::Object> exports = v8::Object::New(isolate_);
  v8::Local<v8::String> filename;
  v8::Local<v8::String> dirname;
  if (!jsString(isolate_, path).ToLocal(&filename) || !jsString(isolate_, moduleDir(path)).ToLocal(&dirname) ||
      !setData(context, module, "id", filename) || !setData(context, module, "filename", filename) ||
      !setData(context, module, "loaded", v8::False(isolate_)) || !setData(context, module, "exports", exports)) {
    return {};
  }

  if (path.ends_with(".json")) {
    v8::Local<v8::Value> value;
    if (!loadJson(context, path, text).ToLocal(&value) || !setData(context, module, "exports", value)) return {};
    modules_.emplace(path, v8::Global<v8::Object>(isolate_, module));
    return scope.Escape(value);
  }

  bool fromCache = false;
  v8::Local<v8::Function> fn;
  if (!cache_.compile(context, path, text, wrapperParams(), &fromCache).ToLocal(&fn)) return {};
  v8::Local<v8::Function> require;
  if (!makeRequire(context, path).ToLocal(&require)) return {};

  modules_.emplace(path, v8::Global<v8::Object>(isolate_, module));
  v8::Local<v8::Value> args[] = {exports, require, module, filename, dirname};
  if (fn->Call(context, exports, 5, args).IsEmpty()) {
    modules_.erase(path);
    return {};
  }
  if (!fromCache) uncached_.push_back({&text, v8::Global<v8::Function>(isolate_, fn)});
  v8::Local<v8::Value> result;
  if (!setData(context, module, "loaded", v8::True(isolate_)) || !getProp(context, module, "exports").ToLocal(&result)) {
    return {};
  }
  return scope.Escape(result);
}

}  // namespace ck::sandbox

namespace ck::sandbox {

void ModuleLoader::storeCodeCaches() {
  v8::HandleScope scope(isolate_);
  for (const Uncached& u : uncached_) cache_.store(*u.text, wrapperParams(), u.fn.Get(isolate_));
  uncached_.clear();
}

}  // namespace ck::sandbox
