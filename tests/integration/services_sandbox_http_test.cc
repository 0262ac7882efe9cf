// Hostile service code over HTTP: the cases of the in-process sandbox suite
// (sandbox/hostile_test.cc, sandbox/heap_test.cc) deployed as Backendless
// services and reached through /{appId}/{apiKey}/services/..., with the
// server core in-process on port 0. Each case checks the status and code a
// client gets, then that the same app still answers a normal call.

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/integration/in_process_server.h"

namespace ck::testing {
namespace {

using nlohmann::json;

// What both apps run to see whether built-ins were tampered with.
const char* kCheckPrototypes = R"JS(
function checkPrototypes() {
  const a = [1, 2];
  a.push(3);
  return [({}).polluted === undefined, ({}).isAdmin === undefined, [].evil === undefined,
          a.map((x) => x * 2).join(','), JSON.stringify({ a: 1 }), String({}),
          typeof Promise.resolve(1).then(() => 2).then];
}
)JS";

const char* kEvil = R"JS(
class Evil {
  ok() { return 'ok'; }

  /** @executionTimeoutInSeconds 1 */
  loop() { for (;;) {} }

  /** @executionTimeoutInSeconds 1 */
  loopCatch() { for (;;) { try { while (true) {} } catch (e) {} } }

  /** @executionTimeoutInSeconds 1 */
  microtasks() { const spin = () => { Promise.resolve().then(spin); }; spin(); return 1; }

  heap() { const keep = []; for (;;) keep.push(new Array(10000).fill(keep.length)); }

  heapAtModuleLevel() { globalThis.kept = []; for (;;) globalThis.kept.push({ a: [1, 2, 3] }); }

  buffers() { const keep = []; for (;;) keep.push(new ArrayBuffer(1 << 20)); }

  recurse() { const f = (n) => f(n + 1) + 1; return f(0); }

  recurseCaught() {
    const f = (n) => f(n + 1) + 1;
    try { f(0); } catch (e) { return e.name + ': ' + e.message; }
  }

  escapes() {
    const fsName = ['f', 's'].join('');  // not a literal: the deploy only checks literal requires
    const attempts = {
      requireFs: () => require(fsName),
      requireChildProcess: () => require('child_' + 'process'),
      requireAbsolute: () => require('/etc/' + 'passwd'),
      process: () => process.env,
      eval: () => eval('1 + 1'),
      indirectEval: () => (0, eval)('globalThis'),
      Function: () => Function('return this')(),
      newFunction: () => new Function('return this')(),
      ctorOfFn: () => (() => {}).constructor('return this')(),
      asyncCtor: () => (async () => {}).constructor('return this'),
    };
    const out = {};
    for (const [k, f] of Object.entries(attempts)) {
      try { f(); out[k] = 'ran'; } catch (e) { out[k] = e.name; }
    }
    return out;
  }

  globals() {
    return [typeof process, typeof require === 'function' ? 'module require' : typeof require,
            typeof WebAssembly, typeof SharedArrayBuffer, typeof Atomics, typeof setTimeout,
            typeof globalThis.global, typeof Buffer, Object.keys(globalThis).includes('Host')];
  }

  async dynamicImport() {
    try { await import('fs'); return 'imported'; } catch (e) { return e.name; }
  }

  async host() {
    const out = {};
    out.ownKeys = Reflect.ownKeys(Host).map(String);
    out.protoKeys = Reflect.ownKeys(Object.getPrototypeOf(Host)).map(String);
    out.frozen = Object.isFrozen(Host) && Object.isFrozen(Object.getPrototypeOf(Host));
    try { Host.call.constructor('return this')(); out.callCtor = 'ran'; } catch (e) { out.callCtor = e.name; }
    try { globalThis.Host = null; out.replace = 'ran'; } catch (e) { out.replace = e.name; }
    out.stillThere = typeof Host.call;
    const code = async (op, args) => { try { await Host.call(op, args); return 'answered'; } catch (e) { return e.code; } };
    out.unknownOp = await code('process.exec', { cmd: 'id' });
    out.notAnOp = await code('../data.find', {});
    out.badAs = await code('data.find', { table: 'Mine', as: 'admin' });
    // An anonymous caller has no grant on Mine: acting as the caller does not widen it.
    out.asCaller = await code('data.find', { table: 'Mine', as: 'caller' });
    out.asServer = await code('data.find', { table: 'Mine', as: 'server' });
    return out;
  }

  async otherApp(otherAppId) {
    // Nothing a script passes names another app: these read this app's tables.
    const attempts = [
      () => Host.call('data.find', { table: 'Secret', appId: otherAppId, app: otherAppId }),
      () => Host.call('data.find', { table: otherAppId + '.Secret' }),
      () => Backendless.Data.of('Secret').find(),
    ];
    const out = [];
    for (const a of attempts) {
      try { out.push(await a()); } catch (e) { out.push(e.code); }
    }
    return out;
  }

  async plantMine() { await Backendless.Data.of('Mine').save({ x: 1 }); return 'planted'; }

  throwString() { throw 'a string with a secret'; }
  throwNumber() { throw 42; }
  throwNull() { throw null; }
  throwUndefined() { throw undefined; }
  throwObject() { throw { code: 4242, message: 'not an Error', httpStatus: 409 }; }
  throwSymbol() { throw Symbol('s'); }
  async rejectString() { await null; throw 'rejected'; }
  /** @executionTimeoutInSeconds 1 */
  throwLoopingToString() { throw { toString() { for (;;) {} } }; }
  throwProxy() { throw new Proxy({}, { get() { throw new Error('trap'); } }); }

  maxString() { return 'x'.repeat(2 ** 30); }
  doubling() { let s = 'x'; for (;;) s += s; }
  largeString() { return 'x'.repeat(15 << 20); }
  bigString() { return 'x'.repeat(32 << 20); }
  bigArray() { return new Array(1 << 20).fill('0123456789abcdef0123456789abcdef'); }
  bigUnicode() { return '\u00e9'.repeat(9 << 20); }
  /** @executionTimeoutInSeconds 1 */
  toJsonLoop() { return { toJSON() { for (;;) {} } }; }

  // Class code is strict: each refused change throws a TypeError, counted.
  pollute() {
    const attempts = [
      () => { Object.prototype.polluted = 'yes'; },
      () => { Array.prototype.map = function () { return 'hijacked'; }; },
      () => { Array.prototype.push = function () { return -1; }; },
      () => { JSON.stringify = () => 'hijacked'; },
      () => { Promise.prototype.then = function () { return 'hijacked'; }; },
      () => { Object.prototype.toString = () => 'hijacked'; },
      () => { Object.setPrototypeOf(Array.prototype, { evil: true }); },
      () => { Object.defineProperty(Object.prototype, 'isAdmin', { get() { return true; } }); },
      () => { delete Array.prototype.forEach; },
      () => { globalThis.Backendless = null; },
    ];
    let refused = 0;
    for (const a of attempts) { try { a(); } catch (e) { if (e instanceof TypeError) refused++; } }
    return refused + '/' + attempts.length;
  }

  check() { return checkPrototypes(); }
}

Backendless.ServerCode.addService(Evil);
)JS";

const char* kClean = R"JS(
class Clean {
  ok() { return 'ok'; }
  check() { return checkPrototypes(); }
  async plantSecret() { await Backendless.Data.of('Secret').save({ secret: 'of app B' }); return 'planted'; }
  async secrets() { return (await Backendless.Data.of('Secret').find()).length; }
}
Backendless.ServerCode.addService(Clean);
)JS";

// What checkPrototypes() / Clean.check() answer in a clean context.
const json kCleanPrototypes = {true, true, true, "2,4,6", "{\"a\":1}", "[object Object]", "function"};

class ServicesSandboxHttpTest : public InProcessServerTest {
 protected:
  void configure(runtime::Config& config) override { config.jsWorkers = 3; }

  struct TestApp {
    std::string id;
    std::string base;  // /<appId>/<REST key>
  };

  void SetUp() override {
    InProcessServerTest::SetUp();
    a_ = createApp("evil");
    b_ = createApp("clean");
    deploy(a_, "Evil", std::string(kCheckPrototypes) + kEvil);
    deploy(b_, "Clean", std::string(kCheckPrototypes) + kClean);
  }

  TestApp createApp(const std::string& name) {
    HttpResult r = call("POST", "/admin/apps", json({{"name", name}}).dump());
    EXPECT_EQ(r.status, 201) << r.body;
    json app = json::parse(r.body, nullptr, false);
    if (app.is_discarded() || !app.contains("id")) return {};
    return {app["id"], "/" + app["id"].get<std::string>() + "/" + app["keys"]["REST"].get<std::string>()};
  }

  void deploy(const TestApp& app, const std::string& service, const std::string& source) {
    json policy = {{"name", service},
                   {"rules", {{{"grant", {"invoke"}}, {"roles", {"NotAuthenticatedUser"}}, {"on", "service:" + service}}}}};
    json body = {{"files", {{"services/" + service + ".js", source}}}, {"policy", policy}};
    HttpResult r = call("POST", "/admin/apps/" + app.id + "/deploy", body.dump());
    ASSERT_EQ(r.status, 200) << r.body;
  }

  HttpResult invoke(const TestApp& app, const std::string& path, const std::string& body = "") {
    return call("POST", app.base + "/services/" + path, body, /*admin=*/false, 60'000);
  }
  HttpResult evil(const std::string& method, const std::string& body = "") {
    return invoke(a_, "Evil/" + method, body);
  }

  // The status and the error code of an answer; "200 <body>" when it succeeded.
  static std::string outcome(const HttpResult& r) {
    if (r.status == 200) return "200 " + (r.body.size() <= 1000 ? r.body : std::to_string(r.body.size()) + " bytes");
    json body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    std::string code = body.is_object() && body.contains("code") ? body["code"].dump() : "no code: " + r.body.substr(0, 200);
    return std::to_string(r.status) + " " + code;
  }

  // The app still serves a normal call after whatever came before.
  void expectHealthy(const TestApp& app, const std::string& service) {
    HttpResult r = invoke(app, service + "/ok");
    EXPECT_EQ(outcome(r), "200 \"ok\"");
  }
  void expectEvilHealthy() { expectHealthy(a_, "Evil"); }

  TestApp a_;
  TestApp b_;
};

TEST_F(ServicesSandboxHttpTest, LoopsAnswer15000AfterTheCpuLimit) {
  for (const char* method : {"loop", "loopCatch", "microtasks"}) {
    auto start = std::chrono::steady_clock::now();
    HttpResult r = evil(method);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(outcome(r), "504 15000") << method;
    EXPECT_NE(r.body.find("Cloud Code execution time exceeded"), std::string::npos) << r.body;
    // @executionTimeoutInSeconds 1: the CPU limit, not the 5 s default nor the wall limit.
    EXPECT_GE(ms, 900.0) << method;
    EXPECT_LT(ms, 4000.0) << method;
    expectEvilHealthy();
  }
}

TEST_F(ServicesSandboxHttpTest, HeapExhaustionEndsTheInvocationNotTheServer) {
  for (const char* method : {"heap", "heapAtModuleLevel"}) {
    HttpResult r = evil(method);
    EXPECT_EQ(outcome(r), "500 100710") << method;
    EXPECT_NE(r.body.find("Cloud Code ran out of memory"), std::string::npos) << r.body;
    // A fresh isolate answers next, and the other app never noticed.
    expectEvilHealthy();
    expectHealthy(b_, "Clean");
  }
  // ArrayBuffers count against their own budget and fail inside the code.
  HttpResult r = evil("buffers");
  EXPECT_EQ(outcome(r), "500 100700") << r.body;
  expectEvilHealthy();
}

TEST_F(ServicesSandboxHttpTest, UnboundedRecursionIsAScriptError) {
  EXPECT_EQ(outcome(evil("recurse")), "500 100700");
  expectEvilHealthy();
  EXPECT_EQ(outcome(evil("recurseCaught")), "200 \"RangeError: Maximum call stack size exceeded\"");
  expectEvilHealthy();
}

TEST_F(ServicesSandboxHttpTest, EscapesAndCodeGenerationAreRefused) {
  HttpResult r = evil("escapes");
  ASSERT_EQ(r.status, 200) << r.body;
  json out = json::parse(r.body);
  for (const char* k : {"requireFs", "requireChildProcess", "requireAbsolute"}) EXPECT_EQ(out[k], "Error") << k;
  EXPECT_EQ(out["process"], "ReferenceError");
  for (const char* k : {"eval", "indirectEval", "Function", "newFunction", "ctorOfFn", "asyncCtor"}) {
    EXPECT_EQ(out[k], "EvalError") << k;
  }
  r = evil("globals");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json::parse(R"(["undefined", "module require", "undefined", "undefined",
      "undefined", "undefined", "undefined", "undefined", false])"));
  EXPECT_EQ(outcome(evil("dynamicImport")), "200 \"Error\"");
  expectEvilHealthy();

  // A literal require of a Node module is refused at deploy, naming the file and line.
  json body = {{"files", {{"services/Evil.js", "\nconst fs = require('fs');\n"}}}};
  r = call("POST", "/admin/apps/" + a_.id + "/deploy", body.dump());
  EXPECT_EQ(outcome(r), "400 100701");
  EXPECT_NE(r.body.find("services/Evil.js:2"), std::string::npos) << r.body;
  expectEvilHealthy();
}

TEST_F(ServicesSandboxHttpTest, TheHostObjectGivesNoMoreThanItsOperations) {
  ASSERT_EQ(outcome(evil("plantMine")), "200 \"planted\"");
  HttpResult r = evil("host");
  ASSERT_EQ(r.status, 200) << r.body;
  // Nothing but `call` on a frozen prototype; unknown ops are 100501, a
  // made-up "as" 100600, and acting as an anonymous caller finds no grant.
  EXPECT_EQ(json::parse(r.body), json::parse(R"({
    "ownKeys": [], "protoKeys": ["call", "callRows", "constructor"], "frozen": true, "callCtor": "EvalError",
    "replace": "TypeError", "stillThere": "function", "unknownOp": 100501, "notAnOp": 100501,
    "badAs": 100600, "asCaller": 1013, "asServer": "answered"})"));
  expectEvilHealthy();
}

TEST_F(ServicesSandboxHttpTest, NoOperationReachesAnotherApp) {
  ASSERT_EQ(outcome(invoke(b_, "Clean/plantSecret")), "200 \"planted\"");
  ASSERT_EQ(outcome(invoke(b_, "Clean/secrets")), "200 1");
  HttpResult r = evil("otherApp", json(b_.id).dump());
  // A has no Secret table (1009) and a dotted name is no table name (1009 too): never B's row.
  EXPECT_EQ(outcome(r), "200 [1009,1009,1009]");
  EXPECT_EQ(r.body.find("of app B"), std::string::npos) << r.body;
  expectEvilHealthy();
}

TEST_F(ServicesSandboxHttpTest, ThrowingValuesThatAreNotErrorsIsAScriptError) {
  for (const char* method : {"throwString", "throwNumber", "throwNull", "throwUndefined", "throwObject",
                             "throwSymbol", "rejectString", "throwProxy"}) {
    HttpResult r = evil(method);
    EXPECT_EQ(outcome(r), "500 100700") << method << ": " << r.body;
    // The client sees the safe message with a reference, never the value.
    EXPECT_NE(r.body.find("Cloud Code raised an error, ref "), std::string::npos) << method << ": " << r.body;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("not an Error"), std::string::npos) << r.body;
    expectEvilHealthy();
  }
  // Describing the thrown value runs none of its code.
  EXPECT_EQ(outcome(evil("throwLoopingToString")), "500 100700");
  expectEvilHealthy();
}

TEST_F(ServicesSandboxHttpTest, HugeResultsMeetALimit) {
  EXPECT_EQ(outcome(evil("maxString")), "500 100700");  // RangeError: Invalid string length
  expectEvilHealthy();
  std::string doubling = outcome(evil("doubling"));
  EXPECT_TRUE(doubling == "500 100700" || doubling == "500 100710") << doubling;
  expectEvilHealthy();
  EXPECT_EQ(outcome(evil("toJsonLoop")), "504 15000");
  expectEvilHealthy();
  // Up to 16 MB of JSON is answered; more is refused inside the sandbox.
  HttpResult r = evil("largeString");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), (15u << 20) + 2);
  for (const char* method : {"bigString", "bigArray", "bigUnicode"}) {
    r = evil(method);
    EXPECT_EQ(outcome(r), "500 100700") << method;
    EXPECT_EQ(r.body.find("xxxx"), std::string::npos);
    expectEvilHealthy();
  }
}

TEST_F(ServicesSandboxHttpTest, PollutedPrototypesOfOneAppReachNeitherItsNextCallNorAnotherApp) {
  const std::string clean = "200 " + kCleanPrototypes.dump();
  EXPECT_EQ(outcome(evil("check")), clean);
  EXPECT_EQ(outcome(invoke(b_, "Clean/check")), clean);
  for (int i = 0; i < 4; i++) {  // on every JS worker the app's calls may land on
    EXPECT_EQ(outcome(evil("pollute")), "200 \"10/10\"");
  }
  EXPECT_EQ(outcome(invoke(b_, "Clean/check")), clean);
  for (int i = 0; i < 4; i++) EXPECT_EQ(outcome(evil("check")), clean);
  expectEvilHealthy();
  expectHealthy(b_, "Clean");
}

}  // namespace
}  // namespace ck::testing
