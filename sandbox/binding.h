#pragma once

// Declare-once bindings: a C++ class exposed to JavaScript is a plain class
// with ordinary parameter types plus one table (a JsClass<T> specialisation);
// the templates here generate the glue. Internal to sandbox/ (includes V8).
//
//   class Greeter {
//    public:
//     std::string greet(std::string name, std::optional<int64_t> times);
//     Result<nlohmann::json> lookup(std::string key);  // settles a promise
//   };
//   template <> struct JsClass<Greeter> {
//     static constexpr const char* kName = "Greeter";
//     static constexpr auto kMethods = std::tuple{
//         method<&Greeter::greet>("greet", "name", "times"),
//         asyncMethod<&Greeter::lookup>("lookup", "key"),
//     };
//   };
//   v8::Local<v8::Object> obj = templates.wrap(context, &greeter);
//
// Every type that crosses, in one place (JsConvert below):
//
//   C++ parameter      JS argument (no coercion; anything else is a TypeError)
//   std::string        a string (lone surrogates become U+FFFD)
//   double             a number
//   int64_t            an integral number within +-(2^53 - 1)
//   bool               a boolean
//   nlohmann::json     a JSON-serialisable value (V8's own JSON.stringify; at most kMaxJsonDepth deep)
//   std::optional<T>   undefined, null or missing -> std::nullopt; otherwise as T
//
//   C++ result         JS value
//   void / Status      undefined
//   T above            the matching JS value (std::nullopt -> undefined, json via V8's JSON.parse)
//   Result<T>          T, or an Error with `code` and `message` from the Status
//
// What the glue guarantees:
// - The receiver is checked, never trusted: a method runs only on an object
//   made by wrap() for its own class (V8 signature check, template instance
//   check, a per-class tag in an internal field), whose instance has not been
//   invalidate()d. Otherwise: TypeError "Greeter.greet: illegal invocation".
// - Argument errors name the argument: "Greeter.greet: argument 1 (name)
//   must be a string", "... argument 1 (name) is missing".
// - Expected failures (an error Status) become an Error with numeric `code`
//   and the Status's message.
// - A C++ exception never crosses into V8: the trampoline catches everything
//   and JS sees "internal error, ref <id>" (code kInternal); the full text
//   goes to the BindingTemplates' internal-error sink with the same ref.
// - asyncMethod: the call never throws; it returns an already settled promise
//   (fulfilled with the result, or rejected with any of the errors above).
// - When the isolate is terminating, nothing more is thrown or settled.

#include <v8.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "sandbox/json_v8.h"

namespace ck::sandbox {

// ---- Value conversions: the complete list of exposed types -----------------

template <typename T>
struct JsConvert;  // no definition: a type not listed here does not compile

template <>
struct JsConvert<std::string> {
  static constexpr const char* kExpected = "a string";
  static bool fromJs(v8::Local<v8::Context> context, v8::Local<v8::Value> value, std::string* out);
  static v8::MaybeLocal<v8::Value> toJs(v8::Local<v8::Context> context, const std::string& value);
};

template <>
struct JsConvert<double> {
  static constexpr const char* kExpected = "a number";
  static bool fromJs(v8::Local<v8::Context> context, v8::Local<v8::Value> value, double* out);
  static v8::MaybeLocal<v8::Value> toJs(v8::Local<v8::Context> context, double value);
};

template <>
struct JsConvert<int64_t> {
  static constexpr const char* kExpected = "an integer";
  static bool fromJs(v8::Local<v8::Context> context, v8::Local<v8::Value> value, int64_t* out);
  // REQUIRES nothing: values beyond 2^53 lose precision, as JS numbers do.
  static v8::MaybeLocal<v8::Value> toJs(v8::Local<v8::Context> context, int64_t value);
};

template <>
struct JsConvert<bool> {
  static constexpr const char* kExpected = "a boolean";
  static bool fromJs(v8::Local<v8::Context> context, v8::Local<v8::Value> value, bool* out);
  static v8::MaybeLocal<v8::Value> toJs(v8::Local<v8::Context> context, bool value);
};

template <>
struct JsConvert<nlohmann::json> {
  static constexpr const char* kExpected = "JSON-serializable";
  // Runs the value's toJSON methods and getters (JS code) inside the call.
  static bool fromJs(v8::Local<v8::Context> context, v8::Local<v8::Value> value, nlohmann::json* out);
  static v8::MaybeLocal<v8::Value> toJs(v8::Local<v8::Context> context, const nlohmann::json& value);
};

template <typename T>
struct JsConvert<std::optional<T>> {
  static constexpr const char* kExpected = JsConvert<T>::kExpected;
  static bool fromJs(v8::Local<v8::Context> context, v8::Local<v8::Value> value, std::optional<T>* out) {
    if (value->IsUndefined() || value->IsNull()) {
      out->reset();
      return true;
    }
    T inner;
    if (!JsConvert<T>::fromJs(context, value, &inner)) return false;
    *out = std::move(inner);
    return true;
  }
  static v8::MaybeLocal<v8::Value> toJs(v8::Local<v8::Context> context, const std::optional<T>& value) {
    if (!value) return v8::Undefined(context->GetIsolate());
    return JsConvert<T>::toJs(context, *value);
  }
};

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

// ---- Method declarations ------------------------------------------------------

template <auto Fn>
struct MethodTraits;
template <typename C, typename R, typename... A, R (C::*F)(A...)>
struct MethodTraits<F> {
  using Class = C;
  using Return = R;
  using Args = std::tuple<std::decay_t<A>...>;
  static constexpr size_t kArity = sizeof...(A);
};
template <typename C, typename R, typename... A, R (C::*F)(A...) const>
struct MethodTraits<F> {
  using Class = C;
  using Return = R;
  using Args = std::tuple<std::decay_t<A>...>;
  static constexpr size_t kArity = sizeof...(A);
};

enum class CallStyle { kSync, kAsync };

template <auto Fn, CallStyle Style>
struct Method {
  static constexpr auto kFn = Fn;
  static constexpr CallStyle kStyle = Style;
  const char* name;
  std::array<const char*, MethodTraits<Fn>::kArity> params;  // names, for error messages
};

// A method that returns its result (or throws its error) synchronously.
template <auto Fn, typename... Names>
constexpr Method<Fn, CallStyle::kSync> method(const char* name, Names... params) {
  static_assert(sizeof...(Names) == MethodTraits<Fn>::kArity, "name every parameter of the method");
  return {name, {params...}};
}

// A method whose JS call returns an already settled promise.
template <auto Fn, typename... Names>
constexpr Method<Fn, CallStyle::kAsync> asyncMethod(const char* name, Names... params) {
  static_assert(sizeof...(Names) == MethodTraits<Fn>::kArity, "name every parameter of the method");
  return {name, {params...}};
}

// Specialise for each exposed class: kName (what JS error messages call it)
// and kMethods (a std::tuple of method<>() / asyncMethod<>()).
template <typename T>
struct JsClass;

// ---- Templates and wrapping -----------------------------------------------------

// The binding templates of one isolate, made on first use of each class.
// Owned by whoever owns the isolate, used on its thread only; must be
// destroyed before the isolate is disposed and must outlive every JS call
// into a wrapped object. Not thread-safe.
class BindingTemplates {
 public:
  // Receives the full text of a C++ exception a binding threw, with the ref
  // JS was shown. Runs on the isolate's thread; must not throw.
  using InternalErrorSink = std::function<void(std::string_view ref, std::string_view what)>;

  explicit BindingTemplates(v8::Isolate* isolate, InternalErrorSink sink = nullptr)
      : isolate_(isolate), sink_(std::move(sink)) {}
  BindingTemplates(const BindingTemplates&) = delete;
  BindingTemplates& operator=(const BindingTemplates&) = delete;

  // A new JS object whose methods call `instance`. `instance` must outlive
  // the object's use from JS, or be invalidate()d before it dies.
  template <typename T>
  v8::MaybeLocal<v8::Object> wrap(v8::Local<v8::Context> context, T* instance);

  // Detaches a wrapped object from its instance: later calls throw
  // "<Class>.<method>: the object is no longer valid".
  static void invalidate(v8::Local<v8::Object> wrapped);

  // Called by the trampolines.
  template <typename T>
  T* unwrap(v8::Local<v8::Value> receiver, bool* invalidated);
  std::string reportInternalError(std::string_view what);

 private:
  static constexpr int kTagField = 0;
  static constexpr int kInstanceField = 1;
  static constexpr int kFieldCount = 2;

  template <typename T>
  static const void* tagOf() {
    static const char tag = 0;
    return &tag;
  }
  template <typename T>
  v8::Local<v8::FunctionTemplate> templateFor();
  template <typename T, size_t... I>
  void addMethods(v8::Local<v8::FunctionTemplate> tmpl, std::index_sequence<I...>);

  v8::Isolate* isolate_;
  InternalErrorSink sink_;
  std::unordered_map<const void*, v8::Global<v8::FunctionTemplate>> templates_;
  uint64_t nextRef_ = 0;
};

namespace binding_detail {

// Builders of the errors the glue throws or rejects with. Empty when V8
// cannot allocate (the isolate is terminating or out of memory).
v8::MaybeLocal<v8::Value> typeError(v8::Isolate* isolate, std::string_view message);
v8::MaybeLocal<v8::Value> statusError(v8::Local<v8::Context> context, const Status& status);

void constructorCallback(const v8::FunctionCallbackInfo<v8::Value>& info);

// The outcome of one call, before it is thrown/returned or settled.
struct Outcome {
  bool ok = false;
  v8::Local<v8::Value> value;  // the result when ok, else the error (empty: terminating)
};

// The outcome for a C++ exception: "internal error, ref <id>"; the text
// goes to the registry's sink only. Never throws.
Outcome internalError(v8::Isolate* isolate, BindingTemplates& registry, const std::string& what) noexcept;

// Sends `outcome` to JS as a return value / exception (sync) or as a settled
// promise (async).
void deliver(const v8::FunctionCallbackInfo<v8::Value>& info, CallStyle style, const Outcome& outcome);

template <typename T>
struct IsResult : std::false_type {};
template <typename T>
struct IsResult<Result<T>> : std::true_type {};

template <typename R>
Outcome resultToJs(v8::Local<v8::Context> context, R&& result) {
  using D = std::decay_t<R>;
  if constexpr (std::is_same_v<D, Status>) {
    if (!result.ok()) return {false, statusError(context, result).FromMaybe(v8::Local<v8::Value>())};
    return {true, v8::Undefined(context->GetIsolate())};
  } else if constexpr (IsResult<D>::value) {
    if (!result.ok()) return {false, statusError(context, result.status()).FromMaybe(v8::Local<v8::Value>())};
    return resultToJs(context, std::move(result).value());
  } else {
    Outcome out;
    out.ok = JsConvert<D>::toJs(context, result).ToLocal(&out.value);
    return out;
  }
}

template <typename T, typename M, size_t... I>
Outcome callWithArgs(const v8::FunctionCallbackInfo<v8::Value>& info, v8::TryCatch& tryCatch, T* self, const M& m,
                     std::index_sequence<I...>) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  using Traits = MethodTraits<M::kFn>;
  typename Traits::Args args;
  Outcome failed;
  auto argError = [&](size_t i, std::string_view problem) {
    return typeError(isolate, std::string(JsClass<T>::kName) + "." + m.name + ": argument " + std::to_string(i + 1) +
                                  " (" + m.params[i] + ") " + std::string(problem))
        .FromMaybe(v8::Local<v8::Value>());
  };
  auto convert = [&](auto index, auto& slot) {
    constexpr size_t i = decltype(index)::value;
    using A = std::decay_t<decltype(slot)>;
    if (static_cast<size_t>(info.Length()) <= i && !IsOptional<A>::value) {
      failed.value = argError(i, "is missing");
      return false;
    }
    if (!JsConvert<A>::fromJs(context, info[static_cast<int>(i)], &slot)) {
      if (tryCatch.HasTerminated()) return false;
      tryCatch.Reset();  // e.g. a throwing toJSON: the argument error says more
      failed.value = argError(i, std::string("must be ") + JsConvert<A>::kExpected);
      return false;
    }
    return true;
  };
  (void)convert;
  (void)argError;
  bool converted = (convert(std::integral_constant<size_t, I>{}, std::get<I>(args)) && ...);
  if (!converted) return failed;
  if constexpr (std::is_void_v<typename Traits::Return>) {
    (self->*M::kFn)(std::move(std::get<I>(args))...);
    return {true, v8::Undefined(isolate)};
  } else {
    return resultToJs(context, (self->*M::kFn)(std::move(std::get<I>(args))...));
  }
}

// The body of one call; never lets a C++ exception out.
template <typename T, size_t Index>
Outcome run(const v8::FunctionCallbackInfo<v8::Value>& info, v8::TryCatch& tryCatch) {
  using M = std::tuple_element_t<Index, std::decay_t<decltype(JsClass<T>::kMethods)>>;
  constexpr const M& m = std::get<Index>(JsClass<T>::kMethods);
  v8::Isolate* isolate = info.GetIsolate();
  auto* registry = static_cast<BindingTemplates*>(info.Data().As<v8::External>()->Value());
  std::string internal;
  try {
    bool invalidated = false;
    T* self = registry->unwrap<T>(info.This(), &invalidated);
    if (self == nullptr) {
      std::string message = std::string(JsClass<T>::kName) + "." + m.name +
                            (invalidated ? ": the object is no longer valid" : ": illegal invocation");
      return {false, typeError(isolate, message).FromMaybe(v8::Local<v8::Value>())};
    }
    return callWithArgs<T>(info, tryCatch, self, m, std::make_index_sequence<MethodTraits<M::kFn>::kArity>());
  } catch (const std::exception& e) {
    internal = e.what();
  } catch (...) {
    internal = "unknown exception";
  }
  return internalError(isolate, *registry, internal);
}

template <typename T, size_t Index>
void trampoline(const v8::FunctionCallbackInfo<v8::Value>& info) {
  using M = std::tuple_element_t<Index, std::decay_t<decltype(JsClass<T>::kMethods)>>;
  v8::Isolate* isolate = info.GetIsolate();
  v8::HandleScope scope(isolate);
  Outcome outcome;
  {
    v8::TryCatch tryCatch(isolate);
    outcome = run<T, Index>(info, tryCatch);
    if (tryCatch.HasCaught()) {
      if (!tryCatch.CanContinue() || tryCatch.HasTerminated()) {
        tryCatch.ReThrow();
        return;
      }
      outcome = {false, tryCatch.Exception()};
    }
  }
  deliver(info, M::kStyle, outcome);
}

}  // namespace binding_detail

template <typename T, size_t... I>
void BindingTemplates::addMethods(v8::Local<v8::FunctionTemplate> tmpl, std::index_sequence<I...>) {
  v8::Local<v8::External> data = v8::External::New(isolate_, this);
  v8::Local<v8::Signature> signature = v8::Signature::New(isolate_, tmpl);
  auto add = [&](const char* name, v8::FunctionCallback callback, int length) {
    v8::Local<v8::FunctionTemplate> fn = v8::FunctionTemplate::New(isolate_, callback, data, signature, length,
                                                                    v8::ConstructorBehavior::kThrow);
    tmpl->PrototypeTemplate()->Set(jsString(isolate_, name).ToLocalChecked(), fn);
  };
  (add(std::get<I>(JsClass<T>::kMethods).name, &binding_detail::trampoline<T, I>,
       static_cast<int>(std::get<I>(JsClass<T>::kMethods).params.size())),
   ...);
}

template <typename T>
v8::Local<v8::FunctionTemplate> BindingTemplates::templateFor() {
  auto it = templates_.find(tagOf<T>());
  if (it != templates_.end()) return it->second.Get(isolate_);
  v8::Local<v8::FunctionTemplate> tmpl =
      v8::FunctionTemplate::New(isolate_, &binding_detail::constructorCallback);
  tmpl->SetClassName(jsString(isolate_, JsClass<T>::kName).ToLocalChecked());
  tmpl->InstanceTemplate()->SetInternalFieldCount(kFieldCount);
  tmpl->ReadOnlyPrototype();
  addMethods<T>(tmpl, std::make_index_sequence<std::tuple_size_v<std::decay_t<decltype(JsClass<T>::kMethods)>>>());
  templates_.emplace(tagOf<T>(), v8::Global<v8::FunctionTemplate>(isolate_, tmpl));
  return tmpl;
}

template <typename T>
v8::MaybeLocal<v8::Object> BindingTemplates::wrap(v8::Local<v8::Context> context, T* instance) {
  v8::EscapableHandleScope scope(isolate_);
  v8::Local<v8::Object> obj;
  if (!templateFor<T>()->InstanceTemplate()->NewInstance(context).ToLocal(&obj)) return {};
  obj->SetInternalField(kTagField, v8::External::New(isolate_, const_cast<void*>(tagOf<T>())));
  obj->SetInternalField(kInstanceField, v8::External::New(isolate_, instance));
  return scope.Escape(obj);
}

template <typename T>
T* BindingTemplates::unwrap(v8::Local<v8::Value> receiver, bool* invalidated) {
  *invalidated = false;
  if (!receiver->IsObject()) return nullptr;
  v8::Local<v8::Object> obj = receiver.As<v8::Object>();
  if (obj->InternalFieldCount() != kFieldCount || !templateFor<T>()->HasInstance(obj)) return nullptr;
  v8::Local<v8::Value> tag = obj->GetInternalField(kTagField);
  if (!tag->IsExternal() || tag.As<v8::External>()->Value() != tagOf<T>()) return nullptr;
  v8::Local<v8::Value> instance = obj->GetInternalField(kInstanceField);
  if (!instance->IsExternal()) {
    *invalidated = true;
    return nullptr;
  }
  return static_cast<T*>(instance.As<v8::External>()->Value());
}

}  // namespace ck::sandbox
