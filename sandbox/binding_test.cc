#include "sandbox/binding.h"

#include <gtest/gtest.h>
#include <v8.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sandbox/app_isolate.h"

namespace ck::sandbox {
namespace {

using nlohmann::json;

// Test classes, declared with the binding layer as production classes are.
class Calc {
 public:
  double add(double a, double b) { return a + b; }
  std::string greet(std::string name, std::optional<std::string> greeting) {
    return greeting.value_or("hello") + ", " + name;
  }
  int64_t twice(int64_t n) { return 2 * n; }
  bool negate(bool b) { return !b; }
  json echo(json v) { return {{"got", v}}; }
  Result<json> lookup(std::string key) {
    if (key == "a") return json(1);
    return Status(ErrorCode::kEntityNotFound, "no such key: " + key);
  }
  Result<std::string> fetch(std::string key) {
    if (key == "a") return std::string("A");
    return Status(ErrorCode::kEntityNotFound, "no such key: " + key);
  }
  Status check(bool ok) { return ok ? Status() : Status(ErrorCode::kInvalidArgument, "not ok"); }
  std::optional<std::string> maybe(bool has) const {
    if (has) return "yes";
    return std::nullopt;
  }
  void count() { calls++; }
  void boom() { throw std::runtime_error("secret detail /etc/shadow"); }
  Result<json> asyncBoom() { throw std::runtime_error("secret async detail"); }

  int calls = 0;
};

class Other {
 public:
  std::string name() { return "other"; }
};

}  // namespace

template <>
struct JsClass<Calc> {
  static constexpr const char* kName = "Calc";
  static constexpr auto kMethods = std::tuple{
      method<&Calc::add>("add", "a", "b"),
      method<&Calc::greet>("greet", "name", "greeting"),
      method<&Calc::twice>("twice", "n"),
      method<&Calc::negate>("negate", "b"),
      method<&Calc::echo>("echo", "value"),
      method<&Calc::lookup>("lookup", "key"),
      asyncMethod<&Calc::fetch>("fetch", "key"),
      method<&Calc::check>("check", "ok"),
      method<&Calc::maybe>("maybe", "has"),
      method<&Calc::count>("count"),
      method<&Calc::boom>("boom"),
      asyncMethod<&Calc::asyncBoom>("asyncBoom"),
  };
};

template <>
struct JsClass<Other> {
  static constexpr const char* kName = "Other";
  static constexpr auto kMethods = std::tuple{method<&Other::name>("name")};
};

namespace {

// One isolate and context with `calc`, `calc2` (a second Calc) and `other`
// as globals. run() evaluates a snippet and describes its completion.
class BindingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    initializeV8();
    allocator_.reset(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
    v8::Isolate::CreateParams params;
    params.array_buffer_allocator = allocator_.get();
    isolate_ = v8::Isolate::New(params);
    isolate_->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
    templates_ = std::make_unique<BindingTemplates>(isolate_, [this](std::string_view ref, std::string_view what) {
      sunk_.push_back(std::string(ref) + " " + std::string(what));
    });
    v8::Isolate::Scope isolateScope(isolate_);
    v8::HandleScope scope(isolate_);
    v8::Local<v8::Context> context = v8::Context::New(isolate_);
    context_.Reset(isolate_, context);
    v8::Context::Scope contextScope(context);
    auto global = context->Global();
    auto set = [&](const char* name, v8::Local<v8::Object> obj) {
      ASSERT_TRUE(global->Set(context, jsString(isolate_, name).ToLocalChecked(), obj).FromJust());
    };
    set("calc", templates_->wrap(context, &calc_).ToLocalChecked());
    set("calc2", templates_->wrap(context, &calc2_).ToLocalChecked());
    set("other", templates_->wrap(context, &other_).ToLocalChecked());
  }

  void TearDown() override {
    context_.Reset();
    templates_.reset();
    isolate_->Dispose();
  }

  // "value: <JSON>" | "throws: <Name>: <message> [code=<code>]" |
  // "fulfilled: <JSON>" | "rejected: ..." for a promise, judged BEFORE any
  // microtask runs (the promises must already be settled).
  std::string run(const std::string& source) {
    v8::Isolate::Scope isolateScope(isolate_);
    v8::HandleScope scope(isolate_);
    v8::Local<v8::Context> context = context_.Get(isolate_);
    v8::Context::Scope contextScope(context);
    v8::TryCatch tryCatch(isolate_);
    v8::Local<v8::Script> script = v8::Script::Compile(context, jsString(isolate_, source).ToLocalChecked()).ToLocalChecked();
    v8::Local<v8::Value> result;
    std::string out;
    if (!script->Run(context).ToLocal(&result)) {
      out = "throws: " + describe(context, tryCatch.Exception());
    } else if (result->IsPromise()) {
      auto promise = result.As<v8::Promise>();
      switch (promise->State()) {
        case v8::Promise::kPending: out = "pending"; break;
        case v8::Promise::kFulfilled: out = "fulfilled: " + toJson(context, promise->Result()); break;
        case v8::Promise::kRejected: out = "rejected: " + describe(context, promise->Result()); break;
      }
    } else {
      out = "value: " + toJson(context, result);
    }
    isolate_->PerformMicrotaskCheckpoint();
    return out;
  }

  std::string toJson(v8::Local<v8::Context> context, v8::Local<v8::Value> v) {
    json j;
    ToJson r = v8ToJson(context, v, &j);
    if (r == ToJson::kUndefined) return "undefined";
    return r == ToJson::kOk ? j.dump() : "<not json>";
  }

  std::string describe(v8::Local<v8::Context> context, v8::Local<v8::Value> error) {
    if (!error->IsObject()) return "non-object " + toJson(context, error);
    auto obj = error.As<v8::Object>();
    auto get = [&](const char* key) {
      v8::Local<v8::Value> v = obj->Get(context, jsString(isolate_, key).ToLocalChecked()).ToLocalChecked();
      return v;
    };
    std::string s = utf8(isolate_, get("name")->ToString(context).ToLocalChecked()) + ": " +
                    utf8(isolate_, get("message")->ToString(context).ToLocalChecked());
    v8::Local<v8::Value> code = get("code");
    if (!code->IsUndefined()) s += " code=" + toJson(context, code);
    return s;
  }

  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator_;
  v8::Isolate* isolate_ = nullptr;
  v8::Global<v8::Context> context_;
  std::unique_ptr<BindingTemplates> templates_;
  std::vector<std::string> sunk_;
  Calc calc_;
  Calc calc2_;
  Other other_;
};

TEST_F(BindingTest, ConvertsArgumentsAndResults) {
  EXPECT_EQ(run("calc.add(1, 2.5)"), "value: 3.5");
  EXPECT_EQ(run("calc.greet('bob')"), "value: \"hello, bob\"");
  EXPECT_EQ(run("calc.greet('bob', null)"), "value: \"hello, bob\"");
  EXPECT_EQ(run("calc.greet('bob', undefined)"), "value: \"hello, bob\"");
  EXPECT_EQ(run("calc.greet('bob', 'hi')"), "value: \"hi, bob\"");
  EXPECT_EQ(run("calc.greet('\\u00e9\\ud83d\\ude00')"), "value: \"hello, \xc3\xa9\xf0\x9f\x98\x80\"");
  EXPECT_EQ(run("calc.twice(-21)"), "value: -42");
  EXPECT_EQ(run("calc.twice(2**53 - 1) === 2 * (2**53 - 1)"), "value: true");
  EXPECT_EQ(run("calc.negate(false)"), "value: true");
  EXPECT_EQ(run("calc.echo({a: [1, 'x', null, true], b: {c: 2}})"), "value: {\"got\":{\"a\":[1,\"x\",null,true],\"b\":{\"c\":2}}}");
  EXPECT_EQ(run("calc.echo(null)"), "value: {\"got\":null}");
  EXPECT_EQ(run("calc.echo({get x() { return 7 }, f() {}, u: undefined})"), "value: {\"got\":{\"x\":7}}");
  EXPECT_EQ(run("calc.echo(new Date(0))"), "value: {\"got\":\"1970-01-01T00:00:00.000Z\"}");
  EXPECT_EQ(run("calc.maybe(true)"), "value: \"yes\"");
  EXPECT_EQ(run("calc.maybe(false)"), "value: undefined");
  EXPECT_EQ(run("calc.check(true)"), "value: undefined");
  EXPECT_EQ(run("calc.count(); calc.count(); calc2.count()"), "value: undefined");
  EXPECT_EQ(calc_.calls, 2);
  EXPECT_EQ(calc2_.calls, 1);
  EXPECT_EQ(run("other.name()"), "value: \"other\"");
  EXPECT_EQ(run("calc.add.length + calc.greet.length"), "value: 4");
}

TEST_F(BindingTest, WrongTypesNameTheArgument) {
  EXPECT_EQ(run("calc.add('1', 2)"), "throws: TypeError: Calc.add: argument 1 (a) must be a number");
  EXPECT_EQ(run("calc.add(1, {})"), "throws: TypeError: Calc.add: argument 2 (b) must be a number");
  EXPECT_EQ(run("calc.add(1, undefined)"), "throws: TypeError: Calc.add: argument 2 (b) must be a number");
  EXPECT_EQ(run("calc.greet(42)"), "throws: TypeError: Calc.greet: argument 1 (name) must be a string");
  EXPECT_EQ(run("calc.greet(new String('x'))"), "throws: TypeError: Calc.greet: argument 1 (name) must be a string");
  EXPECT_EQ(run("calc.greet('x', 5)"), "throws: TypeError: Calc.greet: argument 2 (greeting) must be a string");
  EXPECT_EQ(run("calc.twice(1.5)"), "throws: TypeError: Calc.twice: argument 1 (n) must be an integer");
  EXPECT_EQ(run("calc.twice(2**53)"), "throws: TypeError: Calc.twice: argument 1 (n) must be an integer");
  EXPECT_EQ(run("calc.twice(NaN)"), "throws: TypeError: Calc.twice: argument 1 (n) must be an integer");
  EXPECT_EQ(run("calc.twice(1n)"), "throws: TypeError: Calc.twice: argument 1 (n) must be an integer");
  EXPECT_EQ(run("calc.negate(0)"), "throws: TypeError: Calc.negate: argument 1 (b) must be a boolean");
  const char* kNotJson = "throws: TypeError: Calc.echo: argument 1 (value) must be JSON-serializable";
  EXPECT_EQ(run("calc.echo(undefined)"), kNotJson);
  EXPECT_EQ(run("calc.echo(() => 1)"), kNotJson);
  EXPECT_EQ(run("calc.echo(Symbol('s'))"), kNotJson);
  EXPECT_EQ(run("calc.echo(10n)"), kNotJson);
  EXPECT_EQ(run("const o = {}; o.self = o; calc.echo(o)"), kNotJson);
  EXPECT_EQ(run("calc.echo({toJSON() { throw new Error('mine') }})"), kNotJson);
  EXPECT_EQ(run("let deep = []; for (let i = 0; i < 2000; i++) deep = [deep]; calc.echo(deep)"), kNotJson);
}

TEST_F(BindingTest, MissingArgumentsAreNamed) {
  EXPECT_EQ(run("calc.add(1)"), "throws: TypeError: Calc.add: argument 2 (b) is missing");
  EXPECT_EQ(run("calc.add()"), "throws: TypeError: Calc.add: argument 1 (a) is missing");
  EXPECT_EQ(run("calc.echo()"), "throws: TypeError: Calc.echo: argument 1 (value) is missing");
  EXPECT_EQ(run("calc.add(1, 2, 3)"), "value: 3");  // extra arguments are ignored, as in JS
}

TEST_F(BindingTest, ErrorStatusesBecomeErrorsWithCode) {
  EXPECT_EQ(run("calc.lookup('a')"), "value: 1");
  EXPECT_EQ(run("calc.lookup('b')"), "throws: Error: no such key: b code=1000");
  EXPECT_EQ(run("calc.check(false)"), "throws: Error: not ok code=100600");
  EXPECT_EQ(run("try { calc.lookup('b') } catch (e) { e instanceof Error && e.code === 1000 }"), "value: true");
}

TEST_F(BindingTest, AsyncMethodsReturnSettledPromises) {
  EXPECT_EQ(run("calc.fetch('a')"), "fulfilled: \"A\"");
  EXPECT_EQ(run("calc.fetch('zz')"), "rejected: Error: no such key: zz code=1000");
  // Argument errors reject too: an async-style call never throws.
  EXPECT_EQ(run("calc.fetch(1)"), "rejected: TypeError: Calc.fetch: argument 1 (key) must be a string");
  EXPECT_EQ(run("calc.fetch()"), "rejected: TypeError: Calc.fetch: argument 1 (key) is missing");
  EXPECT_EQ(run("calc.fetch('a') instanceof Promise"), "value: true");
  EXPECT_EQ(run("calc.fetch.call({}, 'a')"), "throws: TypeError: Illegal invocation");
}

TEST_F(BindingTest, CppExceptionsBecomeInternalErrorsWithoutTheirText) {
  std::string thrown = run("calc.boom()");
  EXPECT_EQ(thrown.rfind("throws: Error: internal error, ref ", 0), 0u) << thrown;
  EXPECT_NE(thrown.find("code=100500"), std::string::npos) << thrown;
  EXPECT_EQ(thrown.find("secret"), std::string::npos) << thrown;
  ASSERT_EQ(sunk_.size(), 1u);
  EXPECT_NE(sunk_[0].find("secret detail /etc/shadow"), std::string::npos);
  // The sink's ref is the one JS saw.
  std::string ref = sunk_[0].substr(0, sunk_[0].find(' '));
  EXPECT_NE(thrown.find("ref " + ref + " "), std::string::npos) << thrown << " vs " << ref;

  std::string rejected = run("calc.asyncBoom()");
  EXPECT_EQ(rejected.rfind("rejected: Error: internal error, ref ", 0), 0u) << rejected;
  EXPECT_EQ(rejected.find("secret"), std::string::npos);
  ASSERT_EQ(sunk_.size(), 2u);
  EXPECT_NE(sunk_[1].find("secret async detail"), std::string::npos);
  // The isolate is fine afterwards.
  EXPECT_EQ(run("calc.add(2, 2)"), "value: 4");
}

TEST_F(BindingTest, ReceiversAreCheckedNotTrusted) {
  const char* kIllegal = "throws: TypeError: Illegal invocation";
  EXPECT_EQ(run("const f = calc.add; f(1, 2)"), kIllegal);
  EXPECT_EQ(run("calc.add.call({}, 1, 2)"), kIllegal);
  EXPECT_EQ(run("calc.add.call(Object.create(calc), 1, 2)"), kIllegal);
  EXPECT_EQ(run("calc.add.call(other, 1, 2)"), kIllegal);
  EXPECT_EQ(run("other.name.call(calc)"), kIllegal);
  EXPECT_EQ(run("calc.add.call(new Proxy(calc, {}), 1, 2)"), kIllegal);
  EXPECT_EQ(run("Reflect.apply(calc.add, 5, [1, 2])"), kIllegal);
  EXPECT_EQ(run("new calc.add(1, 2)"), "throws: TypeError: calc.add is not a constructor");
  EXPECT_EQ(run("new (Object.getPrototypeOf(calc).constructor)()"), "throws: TypeError: Illegal constructor");
  EXPECT_EQ(run("Object.getPrototypeOf(calc).constructor()"), "throws: TypeError: Illegal constructor");
  // The other instance of the same class is still its own receiver.
  EXPECT_EQ(run("calc.count.call(calc2)"), "value: undefined");
  EXPECT_EQ(calc2_.calls, 1);
  EXPECT_EQ(calc_.calls, 0);
}

TEST_F(BindingTest, InvalidatedObjectsFailLoudly) {
  {
    v8::Isolate::Scope isolateScope(isolate_);
    v8::HandleScope scope(isolate_);
    v8::Local<v8::Context> context = context_.Get(isolate_);
    v8::Local<v8::Value> calc =
        context->Global()->Get(context, jsString(isolate_, "calc").ToLocalChecked()).ToLocalChecked();
    BindingTemplates::invalidate(calc.As<v8::Object>());
  }
  EXPECT_EQ(run("calc.add(1, 2)"), "throws: TypeError: Calc.add: the object is no longer valid");
  EXPECT_EQ(run("calc.fetch('a')"), "rejected: TypeError: Calc.fetch: the object is no longer valid");
  EXPECT_EQ(run("calc2.add(1, 2)"), "value: 3");
}

}  // namespace
}  // namespace ck::sandbox
