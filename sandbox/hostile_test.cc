// Hostile code against AppIsolate. Every case is followed by a normal
// invocation that must still work: on the same isolate, or on a fresh one
// when the first was retired.

#include <gtest/gtest.h>

#include "sandbox/app_isolate.h"
#include "sandbox/isolate_test_util.h"

namespace ck::sandbox {
namespace {

using nlohmann::json;
using testing::createIsolate;
using testing::FakeHost;
using testing::makeBundle;
using testing::outcome;
using testing::request;

constexpr uint64_t kCpuMs = 150;

Limits smallLimits() {
  Limits l;
  l.cpuMs = 1000;  // for loading
  l.wallMs = 3000;
  l.heapBytes = 32u << 20;
  l.arrayBufferBytes = 16u << 20;
  l.resultBytes = 1u << 20;
  return l;
}

const char* kHostileJs = R"JS(
'use strict';
exports.ok = () => 'ok';
exports.loop = () => { while (true) {} };
exports.loopFinally = () => { try { while (true) {} } finally { while (true) {} } };
exports.loopCatch = () => { for (;;) { try { while (true) {} } catch (e) {} } };
exports.microtasks = () => { const spin = () => { Promise.resolve().then(spin); }; spin(); return 1; };
exports.microtaskChain = () => { const spin = () => Promise.resolve().then(spin); spin(); return 1; };
exports.never = () => new Promise(() => {});
exports.neverAsync = async () => { await new Promise(() => {}); };
exports.regex = () => /(a+)+$/.test('a'.repeat(40) + 'b');
exports.arrayBuffers = () => { const keep = []; for (;;) keep.push(new ArrayBuffer(1 << 20)); };
exports.oneBigBuffer = () => { try { new Uint8Array(1e9); return 'allocated'; } catch (e) { return e.name + ': ' + e.message; } };
exports.recurse = () => { const f = (n) => f(n + 1) + 1; return f(0); };
exports.recurseCaught = () => { const f = (n) => f(n + 1) + 1; try { f(0); } catch (e) { return e.name + ': ' + e.message; } };
exports.codegen = () => {
  const attempts = {
    eval: () => eval('1 + 1'),
    indirectEval: () => (0, eval)('1 + 1'),
    Function: () => Function('return 1')(),
    newFunction: () => new Function('return 1')(),
    ctorOfFn: () => (function () {}).constructor('return 1')(),
    async: () => (async function () {}).constructor('return 1'),
    generator: () => (function* () {}).constructor('yield 1'),
    asyncGenerator: () => (async function* () {}).constructor('yield 1'),
  };
  const out = {};
  for (const [k, f] of Object.entries(attempts)) {
    try { f(); out[k] = 'ran'; } catch (e) { out[k] = e.name; }
  }
  return out;
};
exports.codegenMessage = () => { try { eval('1'); } catch (e) { return e.message; } };
exports.absent = () => [typeof WebAssembly, typeof SharedArrayBuffer, typeof Atomics, typeof WeakRef,
                        typeof FinalizationRegistry, typeof globalThis.require, typeof process, typeof setTimeout,
                        typeof RegExp.$1, Object.keys(globalThis).includes('Host')];
exports.dynamicImport = async () => { try { await import('./other.js'); return 'imported'; } catch (e) { return e.message; } };
exports.getterLoop = undefined;
Object.defineProperty(exports, 'getterLoop', { enumerable: true, get() { while (true) {} } });
exports.toJsonLoop = () => ({ toJSON() { while (true) {} } });
exports.burnInHost = () => { Host.call('burn', { ms: 200 }); return 'finished'; };
exports.sleepInHost = async () => { await Host.call('sleep', { ms: 400 }); return 'woke'; };
exports.leaveContinuation = () => { Promise.resolve().then(() => { globalThis.leaked = 'ran later'; }); while (true) {} };
exports.leaked = () => globalThis.leaked === undefined ? 'clean' : globalThis.leaked;
exports.repeat = (s, n) => s.repeat(n);
exports.thrownBig = () => { throw { big: 'x'.repeat(1 << 20) }; };
exports.busy = (n) => { let x = 0; for (let i = 0; i < n; i++) x += i % 7; return x; };
)JS";

// Tampering runs in sloppy mode (assignments fail silently) and in strict
// mode (they throw, and the catch counts them); then `check` looks.
const char* kTamperJs = R"JS(
exports.tamperSloppy = () => {
  Object.prototype.polluted = 'yes';
  Array.prototype.map = function () { return 'hijacked'; };
  JSON.stringify = () => 'hijacked';
  JSON.parse = () => 'hijacked';
  try { Object.prototype.toString = () => 'hijacked'; } catch (e) {}  // tamed: throws even here
  Promise.prototype.then = function () { return 'hijacked'; };
  Function.prototype.call = () => 'hijacked';
  Host.call = () => 'hijacked';
  Object.getPrototypeOf(Host).call = () => 'hijacked';
  globalThis.Host = { call: () => 'hijacked' };
  globalThis.JSON = { stringify: () => 'hijacked' };
  Date.now = () => 0;
  Math.random = () => 4;
  Error.prepareStackTrace = () => 'hijacked';
  Object.getPrototypeOf(function* () {}).prototype.next = () => 'hijacked';
  Object.getPrototypeOf(Int8Array).prototype.fill = () => 'hijacked';
  Object.getPrototypeOf([][Symbol.iterator]()).next = () => 'hijacked';
  Array.prototype[0] = 'hijacked';
  delete Array.prototype.forEach;
  return 'tried';
};
exports.tamperStrict = () => {
  'use strict';
  const attempts = [
    () => { Object.prototype.polluted = 'yes'; },
    () => { Array.prototype.map = () => 'hijacked'; },
    () => { JSON.stringify = () => 'hijacked'; },
    () => { Host.call = () => 'hijacked'; },
    () => { globalThis.Host = {}; },
    () => { Object.defineProperty(Array.prototype, 'map', { value: () => 'hijacked' }); },
    () => { Object.setPrototypeOf(Object.prototype, {}); },
    () => { Object.prototype.toString = () => 'hijacked'; },
    () => { delete Array.prototype.forEach; },
    () => { Object.getPrototypeOf(async function () {}).constructor = null; },
  ];
  let threw = 0;
  for (const a of attempts) { try { a(); } catch (e) { if (e instanceof TypeError) threw++; } }
  return threw + '/' + attempts.length;
};
exports.check = async () => {
  const out = [];
  out.push([1, 2].map((x) => x * 2).join(','));
  out.push(JSON.stringify({ a: 1 }));
  out.push(JSON.parse('{"b":2}').b);
  out.push(({}).polluted === undefined);
  out.push(Object.prototype.toString.call([]));
  out.push(String({}));
  out.push(typeof Host.call === 'function' && Host.call !== undefined);
  out.push((await Host.call('echo', { x: 1 })).args.x);
  out.push(typeof Date.now() === 'number' && Date.now() > 1e12);
  out.push(Math.random() < 1);
  out.push(new Int8Array(2).fill(3).join(','));
  out.push([...[1, 2]].length);
  out.push([][0] === undefined);
  out.push(typeof Array.prototype.forEach);
  out.push(new Error('e').stack.startsWith('Error: e'));
  return out;
};
exports.overrideMistake = () => {
  'use strict';
  // Transpiled-class patterns that assign over frozen built-ins' properties.
  function Base() {}
  function Sub() { Base.call(this); }
  Sub.prototype = Object.create(Base.prototype);
  Sub.prototype.constructor = Sub;
  Sub.prototype.toString = function () { return 'a Sub'; };
  function MyError(m) { this.message = m; }
  MyError.prototype = Object.create(Error.prototype);
  MyError.prototype.name = 'MyError';
  const o = {};
  o.valueOf = () => 7;
  return [String(new Sub()), new Sub().constructor === Sub, new MyError('m').name, o + 1,
          String(Object.prototype.toString), Object.prototype.toString.call(null)];
};
exports.resultWithReplacedStringify = () => ({ nested: [1, { two: 2 }] });
)JS";

class HostileTest : public ::testing::Test {
 protected:
  void SetUp() override { iso_ = fresh(); }

  std::unique_ptr<AppIsolate> fresh() {
    auto r = createIsolate(host_, makeBundle({{"hostile.js", kHostileJs}, {"tamper.js", kTamperJs}},
                                             {"hostile.js", "tamper.js"}),
                           smallLimits());
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::move(r).value() : nullptr;
  }

  InvocationResult run(const char* fn, json args = json::array(), uint64_t cpuMs = kCpuMs, uint64_t wallMs = 2000) {
    return iso_->invoke(request(fn, std::move(args), cpuMs, wallMs));
  }

  // The isolate (or its replacement, when retired) still serves normal calls.
  void expectHealthy() {
    if (iso_->retired()) iso_ = fresh();
    ASSERT_TRUE(iso_);
    EXPECT_EQ(outcome(run("ok")), "ok: \"ok\"");
  }

  void expectTimeout(const char* fn) {
    InvocationResult r = run(fn);
    EXPECT_EQ(outcome(r), "kCodeTimeout: Cloud Code execution time exceeded") << fn << ": " << r.detail;
    EXPECT_GE(r.cpuMs, kCpuMs * 0.9) << fn;
    EXPECT_LT(r.wallMs, 2000.0) << fn;
    EXPECT_FALSE(iso_->retired());
    expectHealthy();
  }

  FakeHost host_;
  std::unique_ptr<AppIsolate> iso_;
};

TEST_F(HostileTest, InfiniteLoopsAreTerminated) {
  expectTimeout("loop");
  EXPECT_NE(run("loop").detail.find("CPU time limit of 150 ms"), std::string::npos);
  expectTimeout("loopFinally");
  expectTimeout("loopCatch");
}

TEST_F(HostileTest, InfiniteMicrotaskLoopIsTerminated) {
  expectTimeout("microtasks");
  // A loop whose promises chain on each other also grows the heap; it ends
  // at whichever limit comes first.
  InvocationResult r = run("microtaskChain");
  EXPECT_TRUE(r.status.code() == ErrorCode::kCodeTimeout || r.status.code() == ErrorCode::kHeapExhausted)
      << outcome(r);
  expectHealthy();
}

TEST_F(HostileTest, CatastrophicRegexIsTerminated) { expectTimeout("regex"); }

TEST_F(HostileTest, LoopingGettersAndToJsonAreInsideTheBudget) {
  expectTimeout("getterLoop");
  expectTimeout("toJsonLoop");
}

TEST_F(HostileTest, PromiseThatNeverSettlesEndsAtOnce) {
  for (const char* fn : {"never", "neverAsync"}) {
    InvocationResult r = run(fn);
    EXPECT_EQ(outcome(r), "kNeverSettles: Cloud Code returned a promise that can never settle") << fn;
    EXPECT_LT(r.wallMs, 100.0) << fn;
    expectHealthy();
  }
}

TEST_F(HostileTest, ArrayBufferBombHitsTheAllocatorBudget) {
  InvocationResult r = run("arrayBuffers");
  EXPECT_EQ(outcome(r), "kScriptError: RangeError: Array buffer allocation failed") << r.detail;
  expectHealthy();
  EXPECT_EQ(outcome(run("oneBigBuffer")), "ok: \"RangeError: Array buffer allocation failed\"");
  expectHealthy();
}

TEST_F(HostileTest, DeepRecursionIsARangeError) {
  EXPECT_EQ(outcome(run("recurse")), "kScriptError: RangeError: Maximum call stack size exceeded");
  expectHealthy();
  EXPECT_EQ(outcome(run("recurseCaught")), "ok: \"RangeError: Maximum call stack size exceeded\"");
  expectHealthy();
}

TEST_F(HostileTest, ResultsOverTheLimitAreRefused) {
  const char* kTooLarge = "kScriptError: The result is larger than 1 MB as JSON";
  // Megabytes of text take a while to build and measure under the sanitizers:
  // these runs get a CPU budget that is not the point of the test.
  constexpr uint64_t kBigCpuMs = 3000, kBigWallMs = 6000;
  InvocationResult r = run("repeat", {"x", 1 << 20}, kBigCpuMs, kBigWallMs);  // two quotes over
  EXPECT_EQ(outcome(r), kTooLarge);
  EXPECT_NE(r.detail.find("limit of 1048576 bytes"), std::string::npos) << r.detail;
  r = run("repeat", {"x", (1 << 20) - 2}, kBigCpuMs, kBigWallMs);
  ASSERT_TRUE(r.status.ok()) << outcome(r);
  EXPECT_EQ(r.value().get<std::string>().size(), (1u << 20) - 2);
  // Measured in UTF-8: 600,000 UTF-16 units, 1.2 MB.
  EXPECT_EQ(outcome(run("repeat", {"\u00e9", 600'000}, kBigCpuMs, kBigWallMs)), kTooLarge);
  expectHealthy();
  // A large thrown value is not copied into the detail either.
  r = run("thrownBig", json::array(), kBigCpuMs, kBigWallMs);
  EXPECT_EQ(r.status.code(), ErrorCode::kScriptError);
  EXPECT_NE(r.detail.find("thrown value: over 16384 bytes as JSON"), std::string::npos) << r.detail.substr(0, 300);
  expectHealthy();
}

TEST_F(HostileTest, CodeGenerationFromStringsIsRefused) {
  EXPECT_EQ(outcome(run("codegen")),
            R"(ok: {"Function":"EvalError","async":"EvalError","asyncGenerator":"EvalError","ctorOfFn":"EvalError",)"
            R"("eval":"EvalError","generator":"EvalError","indirectEval":"EvalError","newFunction":"EvalError"})");
  EXPECT_EQ(outcome(run("codegenMessage")), "ok: \"Code generation from strings (eval, Function) is disabled\"");
  expectHealthy();
}

TEST_F(HostileTest, NoWasmSharedMemoryWeakRefsOrHostGlobals) {
  EXPECT_EQ(outcome(run("absent")),
            R"(ok: ["undefined","undefined","undefined","undefined","undefined","undefined","undefined",)"
            R"("undefined","undefined",false])");
  EXPECT_EQ(outcome(run("dynamicImport")), "ok: \"import() is not supported; use require('./relative/path')\"");
  expectHealthy();
}

TEST_F(HostileTest, TamperingWithBuiltinsAndTheHostObjectDoesNotReachTheNextInvocation) {
  const char* kIntact =
      R"(ok: ["2,4","{\"a\":1}",2,true,"[object Array]","[object Object]",true,1,true,true,"3,3",2,true,)"
      R"("function",true])";
  EXPECT_EQ(outcome(run("check")), kIntact);
  EXPECT_EQ(outcome(run("tamperSloppy")), "ok: \"tried\"");
  EXPECT_EQ(outcome(run("check")), kIntact);
  EXPECT_EQ(outcome(run("tamperStrict")), "ok: \"10/10\"");
  EXPECT_EQ(outcome(run("check")), kIntact);
  // Results are converted with V8's own stringify, not the global one.
  EXPECT_EQ(outcome(run("resultWithReplacedStringify")), R"(ok: {"nested":[1,{"two":2}]})");
  expectHealthy();
}

TEST_F(HostileTest, AssigningOverFrozenBuiltinPropertiesWorksOnOwnObjects) {
  EXPECT_EQ(outcome(run("overrideMistake")),
            R"(ok: ["a Sub",true,"MyError",8,"function toString() { [native code] }","[object Null]"])");
  EXPECT_EQ(outcome(run("check")).find("hijacked"), std::string::npos);
}

TEST_F(HostileTest, StaleTerminationNeverHitsTheNextInvocation) {
  // The CPU budget runs out inside a host call, right before the function
  // returns: the watchdog's termination lands after the JS is done.
  for (int i = 0; i < 3; i++) {
    InvocationResult r = run("burnInHost");
    EXPECT_EQ(outcome(r), "kCodeTimeout: Cloud Code execution time exceeded");
    for (int k = 0; k < 50; k++) {
      ASSERT_EQ(outcome(run("ok")), "ok: \"ok\"") << "after round " << i << ", call " << k;
    }
  }
  // Budgets that run out anywhere from mid-loop to just after the end.
  int timeouts = 0;
  int finished = 0;
  for (int i = 0; i < 60; i++) {
    InvocationResult r = run("busy", {20'000 * (i % 30)}, /*cpuMs=*/1);
    if (r.status.code() == ErrorCode::kCodeTimeout) timeouts++;
    if (r.status.ok()) finished++;
    ASSERT_EQ(outcome(run("ok")), "ok: \"ok\"") << "after busy run " << i;
  }
  EXPECT_EQ(timeouts + finished, 60);
}

TEST_F(HostileTest, WallTimeLimitCoversTimeInTheHost) {
  InvocationResult r = run("sleepInHost", json::array(), /*cpuMs=*/1000, /*wallMs=*/100);
  EXPECT_EQ(outcome(r), "kCodeTimeout: Cloud Code execution time exceeded");
  EXPECT_NE(r.detail.find("wall time limit of 100 ms"), std::string::npos) << r.detail;
  expectHealthy();
}

TEST_F(HostileTest, ContinuationsOfATerminatedInvocationAreDropped) {
  expectTimeout("leaveContinuation");
  EXPECT_EQ(outcome(run("leaked")), "ok: \"clean\"");
}

TEST_F(HostileTest, LoopAtLoadTimeFailsCreate) {
  Limits limits = smallLimits();
  limits.cpuMs = 100;
  auto r = createIsolate(host_, makeBundle({{"main.js", "while (true) {}"}}, {"main.js"}), limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kCodeTimeout);
  EXPECT_EQ(r.status().message(), "Cloud Code execution time exceeded (CPU limit, while loading the bundle)");
  expectHealthy();
}

}  // namespace
}  // namespace ck::sandbox
