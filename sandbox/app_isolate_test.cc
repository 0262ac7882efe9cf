// AppIsolate as a host uses it: loading bundles, invoking exports, results
// and errors, require, the Host binding, the frozen clock, the code cache.

#include "sandbox/app_isolate.h"

#include <cstring>
#include <random>

#include <gtest/gtest.h>

#include "base/json_text.h"
#include "base/log.h"
#include "sandbox/code_cache.h"
#include "sandbox/isolate_test_util.h"

namespace ck::sandbox {
namespace {

using nlohmann::json;
using testing::createIsolate;
using testing::FakeHost;
using testing::makeBundle;
using testing::outcome;
using testing::request;

class AppIsolateTest : public ::testing::Test {
 protected:
  std::unique_ptr<AppIsolate> load(std::map<std::string, std::string> files,
                                   std::vector<std::string> entries = {"main.js"}) {
    auto r = createIsolate(host_, makeBundle(std::move(files), std::move(entries)), Limits{}, &log_);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::move(r).value() : nullptr;
  }
  Status loadError(std::map<std::string, std::string> files, std::vector<std::string> entries = {"main.js"}) {
    auto r = createIsolate(host_, makeBundle(std::move(files), std::move(entries)));
    EXPECT_FALSE(r.ok());
    return r.status();
  }

  FakeHost host_;
  MemoryLogger log_;
};

TEST_F(AppIsolateTest, InvokesExportsWithJsonArgumentsAndResults) {
  auto iso = load({{"main.js", R"(
    exports.add = (a, b) => a + b;
    exports.shape = (o) => ({ keys: Object.keys(o), n: o.n * 2, list: [1, 'two', null, true], nested: { u: undefined } });
    exports.nothing = () => {};
    exports.date = () => new Date(0);
    exports.later = async (x) => { await null; return x + 1; };
    exports.self = function () { return this === exports; };
    exports.fail = () => { for (let i = 0; i < 1e5; i++); throw new Error('no'); };
  )"}});
  ASSERT_TRUE(iso);
  InvocationResult r = iso->invoke(request("add", {1, 2.5}));
  EXPECT_EQ(outcome(r), "ok: 3.5");
  EXPECT_GT(r.wallMs, 0.0);
  EXPECT_GT(r.cpuMs, 0.0);
  // CPU time unasked: a success has none, a failure has it anyway.
  InvocationRequest unmeasured = request("add", {1, 2.5});
  unmeasured.measureCpu = false;
  r = iso->invoke(unmeasured);
  EXPECT_EQ(outcome(r), "ok: 3.5");
  EXPECT_EQ(r.cpuMs, 0.0);
  EXPECT_GT(r.wallMs, 0.0);
  unmeasured.function = "fail";
  r = iso->invoke(unmeasured);
  EXPECT_FALSE(r.status.ok());
  EXPECT_GT(r.cpuMs, 0.0);
  EXPECT_EQ(outcome(iso->invoke(request("shape", json::array({{{"n", 21}, {"s", "x"}}})))),
            R"(ok: {"keys":["n","s"],"list":[1,"two",null,true],"n":42,"nested":{}})");
  EXPECT_EQ(outcome(iso->invoke(request("nothing"))), "ok: null");
  EXPECT_EQ(outcome(iso->invoke(request("date"))), "ok: \"1970-01-01T00:00:00.000Z\"");
  EXPECT_EQ(outcome(iso->invoke(request("later", {41}))), "ok: 42");
  EXPECT_EQ(outcome(iso->invoke(request("self"))), "ok: true");
  EXPECT_EQ(outcome(iso->invoke(request("add", json::object()))),
            "kInvalidArgument: Invocation arguments must be a JSON array nested at most 1000 deep");
  EXPECT_GT(iso->heapUsedBytes(), 0u);
  EXPECT_FALSE(iso->retired());
}

TEST_F(AppIsolateTest, OnlyOwnFunctionExportsOfEntriesAreInvocable) {
  auto iso = load({{"main.js", "exports.f = () => 'main'; exports.notFn = 5;"},
                   {"second.js", "exports.f = () => 'second'; exports.g = () => 'g';"},
                   {"lib.js", "exports.hidden = () => 'lib';"}},
                  {"main.js", "second.js"});
  ASSERT_TRUE(iso);
  EXPECT_EQ(outcome(iso->invoke(request("f"))), "ok: \"main\"");  // the first entry that exports it
  EXPECT_EQ(outcome(iso->invoke(request("g"))), "ok: \"g\"");
  for (const char* name : {"toString", "constructor", "hasOwnProperty", "__proto__", "valueOf", "hidden", "", "nope"}) {
    EXPECT_EQ(iso->invoke(request(name)).status.code(), ErrorCode::kNoSuchFunction) << name;
  }
  EXPECT_EQ(outcome(iso->invoke(request("notFn"))), "kNoSuchFunction: The bundle exports 'notFn' but not as a function");
  EXPECT_EQ(outcome(iso->invoke(request("nope"))), "kNoSuchFunction: No function 'nope' is exported by the bundle");
}

TEST_F(AppIsolateTest, ModuleStatePersistsAcrossInvocations) {
  auto iso = load({{"main.js", "let n = 0; exports.next = () => ++n; globalThis.appGlobal = 'kept';"
                               "exports.global = () => appGlobal;"}});
  ASSERT_TRUE(iso);
  EXPECT_EQ(outcome(iso->invoke(request("next"))), "ok: 1");
  EXPECT_EQ(outcome(iso->invoke(request("next"))), "ok: 2");
  EXPECT_EQ(outcome(iso->invoke(request("global"))), "ok: \"kept\"");
}

TEST_F(AppIsolateTest, RequireLoadsRelativeBundleFiles) {
  auto iso = load({
      {"main.js", R"(
        const util = require('./lib/util');
        const again = require('./lib/util.js');
        const models = require('./models');
        const data = require('./data.json');
        const a = require('./cycle/a');
        exports.all = () => ({ sum: util.add(2, 3), same: util === again, model: models.name, data,
                               cycle: a.seenB, files: [__filename, __dirname, util.file, util.dir] });
      )"},
      {"lib/util.js", "exports.add = (a, b) => a + b; exports.file = __filename; exports.dir = __dirname;"},
      {"models/index.js", "module.exports = { name: require('../lib/util').add(1, 1) === 2 ? 'ok' : 'bad' };"},
      {"data.json", R"({"k": [1, 2]})"},
      {"cycle/a.js", "exports.early = 'a'; const b = require('./b'); exports.seenB = b.sawA;"},
      {"cycle/b.js", "exports.sawA = require('./a').early;"},
  });
  ASSERT_TRUE(iso);
  EXPECT_EQ(outcome(iso->invoke(request("all"))),
            R"(ok: {"cycle":"a","data":{"k":[1,2]},"files":["main.js","","lib/util.js","lib"],"model":"ok","same":true,"sum":5})");
}

TEST_F(AppIsolateTest, RequireRefusesAnythingOutsideTheBundle) {
  auto iso = load({{"services/main.js", R"(
        exports.req = (id) => { try { require(id); return 'loaded'; } catch (e) { return e.code + ': ' + e.message; } };
        exports.bad = () => { try { require(42); } catch (e) { return e.name + ': ' + e.message; } };
      )"},
                   {"services/ok.js", ""}},
                  {"services/main.js"});
  ASSERT_TRUE(iso);
  auto req = [&](const char* id) { return iso->invoke(request("req", {id})).value().get<std::string>(); };
  EXPECT_EQ(req("./ok"), "loaded");
  EXPECT_EQ(req("fs"),
            "MODULE_NOT_FOUND: Cannot require 'fs': only relative paths to the bundle's own files ('./x', "
            "'../lib/y') can be required (required from 'services/main.js')");
  EXPECT_EQ(req("node:child_process").rfind("MODULE_NOT_FOUND: Cannot require 'node:child_process'", 0), 0u);
  EXPECT_EQ(req("../../etc/passwd"),
            "MODULE_NOT_FOUND: Cannot require '../../etc/passwd': the path leaves the bundle (required from "
            "'services/main.js')");
  EXPECT_EQ(req("/etc/passwd").rfind("MODULE_NOT_FOUND: Cannot require '/etc/passwd': only relative", 0), 0u);
  EXPECT_EQ(req("./missing"),
            "MODULE_NOT_FOUND: Cannot find module './missing' in the bundle (required from 'services/main.js')");
  EXPECT_EQ(outcome(iso->invoke(request("bad"))), "ok: \"TypeError: require: argument 1 (id) must be a string\"");
}

TEST_F(AppIsolateTest, LoadErrorsNameFileLineAndColumn) {
  Status s = loadError({{"main.js", "require('./services/bad');"}, {"services/bad.js", "const a = 1;\nlet b = ;\n"}});
  EXPECT_EQ(s.code(), ErrorCode::kBundleError);
  EXPECT_EQ(s.message(), "services/bad.js:2:9: SyntaxError: Unexpected token ';'");

  s = loadError({{"main.js", "\n\nrequire('./lib/x');"}, {"lib/x.js", "// x\n  throw new TypeError('no config');"}});
  EXPECT_EQ(s.code(), ErrorCode::kBundleError);
  EXPECT_EQ(s.message(), "lib/x.js:2:3: TypeError: no config");

  s = loadError({{"main.js", "require('fs');"}});
  EXPECT_EQ(s.code(), ErrorCode::kBundleError);
  EXPECT_EQ(s.message().rfind("main.js:1:1: Error: Cannot require 'fs'", 0), 0u) << s.message();

  s = loadError({{"main.js", ""}}, {"nothere.js"});
  EXPECT_EQ(s.message(), "Entry 'nothere.js': Cannot find module './nothere.js' in the bundle");

  s = loadError({{"main.js", "require('./bad.json')"}, {"bad.json", "{\"a\": }"}});
  EXPECT_EQ(s.code(), ErrorCode::kBundleError);
  EXPECT_EQ(s.message(), "main.js:1:1: SyntaxError: bad.json: Unexpected token } in JSON at position 6");
}

TEST_F(AppIsolateTest, ScriptErrorsCarryASafeMessageAndTheStackForTheLog) {
  auto iso = load({{"main.js", "const h = require('./services/h');\nexports.boom = (m) => h.fail(m);\n"
                               "exports.obj = () => { throw { code: 42, message: 'custom', extra: [1] }; };\n"
                               "exports.str = () => { throw 'just a string'; };\n"
                               "exports.rej = async () => { await null; throw new RangeError('late'); };\n"
                               "exports.long = () => { throw new Error('x'.repeat(100000)); };\n"
                               "exports.coded = () => { const e = new Error('with code'); e.code = 7; throw e; };\n"},
                   {"services/h.js", "exports.fail = function fail(m) {\n  throw new Error(m);\n};\n"}});
  ASSERT_TRUE(iso);
  InvocationResult r = iso->invoke(request("boom", {"bad thing"}));
  EXPECT_EQ(outcome(r), "kScriptError: Error: bad thing");
  EXPECT_NE(r.detail.find("at Object.fail (services/h.js:2:9)"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("main.js:2:"), std::string::npos) << r.detail;

  r = iso->invoke(request("obj"));
  EXPECT_EQ(outcome(r), "kScriptError: custom");
  EXPECT_NE(r.detail.find(R"({"code":42,"extra":[1],"message":"custom"})"), std::string::npos) << r.detail;
  EXPECT_EQ(outcome(iso->invoke(request("str"))), "kScriptError: just a string");
  r = iso->invoke(request("rej"));
  EXPECT_EQ(outcome(r), "kScriptError: RangeError: late");
  EXPECT_TRUE(r.unhandledRejections.empty());  // the result's own rejection is the error, not "unhandled"
  r = iso->invoke(request("long"));
  EXPECT_EQ(r.status.code(), ErrorCode::kScriptError);
  EXPECT_LE(r.status.message().size(), 1024u + 3);
  r = iso->invoke(request("coded"));
  EXPECT_EQ(outcome(r), "kScriptError: Error: with code");
  EXPECT_NE(r.detail.find(R"(thrown value: {"code":7})"), std::string::npos) << r.detail;
}

TEST_F(AppIsolateTest, ResultsThatAreNotJsonAreScriptErrors) {
  auto iso = load({{"main.js", "exports.big = () => 10n; exports.cyc = () => { const o = {}; o.o = o; return o; };"
                               "exports.sur = () => '\\ud800'; exports.fn = () => () => 1;"}});
  ASSERT_TRUE(iso);
  EXPECT_EQ(outcome(iso->invoke(request("big"))),
            "kScriptError: The result is not JSON-serializable: TypeError: Do not know how to serialize a BigInt");
  EXPECT_EQ(iso->invoke(request("cyc")).status.message().rfind(
                "The result is not JSON-serializable: TypeError: Converting circular structure to JSON", 0),
            0u);
  EXPECT_EQ(iso->invoke(request("sur")).status.code(), ErrorCode::kScriptError);
  EXPECT_EQ(outcome(iso->invoke(request("fn"))), "ok: null");
}

TEST_F(AppIsolateTest, UnhandledRejectionsAreReported) {
  auto iso = load({{"main.js", R"(
    exports.lost = () => { Promise.reject(new Error('lost one')); Promise.reject('lost two'); return 1; };
    exports.handledLate = async () => { const p = Promise.reject(new Error('x')); await null; p.catch(() => {}); return 2; };
    exports.flood = () => { for (let i = 0; i < 100; i++) Promise.reject(i); return 3; };
  )"}});
  ASSERT_TRUE(iso);
  InvocationResult r = iso->invoke(request("lost"));
  EXPECT_EQ(outcome(r), "ok: 1");
  ASSERT_EQ(r.unhandledRejections.size(), 2u);
  EXPECT_EQ(r.unhandledRejections[0], "Error: lost one (at main.js:2:43)");
  EXPECT_EQ(r.unhandledRejections[1], "lost two");
  r = iso->invoke(request("handledLate"));
  EXPECT_EQ(outcome(r), "ok: 2");
  EXPECT_TRUE(r.unhandledRejections.empty());
  r = iso->invoke(request("flood"));
  ASSERT_EQ(r.unhandledRejections.size(), 65u);
  EXPECT_EQ(r.unhandledRejections.back(), "... and 36 more");
  // Nothing carries over to the next invocation.
  EXPECT_TRUE(iso->invoke(request("handledLate")).unhandledRejections.empty());
}

TEST_F(AppIsolateTest, HostCallsCarryTheInvocationsContext) {
  auto iso = load({{"main.js", R"(
    let atLoad = 'unset';
    Host.call('echo', {}).then(() => { atLoad = 'resolved'; }, (e) => { atLoad = e.code + ': ' + e.message; });
    exports.atLoad = () => atLoad;
    exports.echo = (op, args) => Host.call(op, args);
    exports.fail = async () => { try { await Host.call('fail', { code: 1000, message: 'not found here' }); }
                                 catch (e) { return [e instanceof Error, e.code, e.message]; } };
    exports.hostBug = async () => { try { await Host.call('throw'); } catch (e) { return [e.code, e.message]; } };
    exports.badArgs = async () => { const out = [];
      for (const args of [[], [1], ['echo', () => 1], ['echo', 10n]]) {
        try { await Host.call(...args); out.push('ok'); } catch (e) { out.push(e.name + ': ' + e.message); } }
      return out; };
    exports.detached = async () => { const c = Host.call; try { await c('echo'); } catch (e) { return e.message; } };
  )"}});
  ASSERT_TRUE(iso);
  EXPECT_EQ(outcome(iso->invoke(request("atLoad"))),
            "ok: \"100700: Host.call is only available while an invocation runs (not while modules load)\"");

  InvocationRequest req = request("echo", {"echo", {{"q", 1}}});
  req.context = host_.context("alice");
  EXPECT_EQ(outcome(iso->invoke(req)), R"(ok: {"args":{"q":1},"caller":"alice","op":"echo"})");
  req.context = host_.context("bob");
  EXPECT_EQ(outcome(iso->invoke(req)), R"(ok: {"args":{"q":1},"caller":"bob","op":"echo"})");
  req.context = nullptr;
  EXPECT_EQ(outcome(iso->invoke(req)), R"(ok: {"args":{"q":1},"caller":null,"op":"echo"})");
  EXPECT_EQ(outcome(iso->invoke(request("echo", {"echo"}))), R"(ok: {"args":null,"caller":null,"op":"echo"})");

  EXPECT_EQ(outcome(iso->invoke(request("fail"))), R"(ok: [true,1000,"not found here"])");

  InvocationResult r = iso->invoke(request("hostBug"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.value()[0], 100500);
  std::string message = r.value()[1];
  EXPECT_EQ(message.rfind("internal error, ref ", 0), 0u) << message;
  EXPECT_EQ(message.find("hunter2"), std::string::npos);
  EXPECT_NE(log_.dump().find("hunter2"), std::string::npos);  // the full text is in the log, with the ref
  EXPECT_NE(log_.dump().find(message.substr(std::string("internal error, ref ").size())), std::string::npos);

  EXPECT_EQ(outcome(iso->invoke(request("badArgs"))),
            R"(ok: ["TypeError: Host.call: argument 1 (op) is missing",)"
            R"("TypeError: Host.call: argument 1 (op) must be a string",)"
            R"("TypeError: Host.call: argument 2 (args) must be JSON-serializable",)"
            R"("TypeError: Host.call: argument 2 (args) must be JSON-serializable"])");
  EXPECT_EQ(outcome(iso->invoke(request("detached"))), "ok: \"Illegal invocation\"");
}

TEST_F(AppIsolateTest, HostAnswersAsJsonTextEqualTheSameValues) {
  auto iso = load({{"main.js", R"(
    exports.both = async (value) => {
      const text = await Host.call('text', { text: JSON.stringify(value) });
      const echoed = (await Host.call('echo', value)).args;
      return [text, JSON.stringify(text) === JSON.stringify(echoed), Array.isArray(text)];
    };
    exports.bad = async () => { try { await Host.call('text', { text: '[1,' }); return 'parsed'; }
                               catch (e) { return e.name; } };
  )"}});
  ASSERT_TRUE(iso);
  nlohmann::json rows = nlohmann::json::array(
      {{{"objectId", "A"}, {"n", 1.5}, {"s", "caf\u00e9 \"q\""}, {"j", {{"x", {1, 2}}}}, {"none", nullptr}},
       {{"objectId", "B"}, {"n", -3}, {"s", ""}, {"j", nlohmann::json::array()}, {"none", true}}});
  InvocationResult r = iso->invoke(request("both", {rows}));
  ASSERT_TRUE(r.status.ok()) << r.status.message() << r.detail;
  EXPECT_EQ(r.value()[0], rows);
  EXPECT_EQ(r.value()[1], true);
  EXPECT_EQ(r.value()[2], true);
  // Text that is not JSON (a host bug) rejects the call's promise with V8's SyntaxError.
  EXPECT_EQ(outcome(iso->invoke(request("bad"))), R"(ok: "SyntaxError")");
}

// InvocationRequest::envelope: `[value, valueJson, extra]` is written as
// extra's members, then `value`; an envelope whose `valueJson` is the string
// the host answered in this invocation goes out with that text as its value,
// byte for byte ("1.50" shows it was not parsed and written again); any
// other `valueJson`, equal characters included, is dropped and `value`
// serialised.
TEST_F(AppIsolateTest, AnEnvelopeCarriesAnAnsweredTextAsItsValue) {
  auto iso = load({{"main.js", R"(
    const TEXT = '[{"a":1.50,"s":"x"}]';
    exports.answered = async (extra) => {
      const [text] = await Host.callRows('text', { text: TEXT });
      return [JSON.parse(text), text, extra];
    };
    // The same characters, but written by the script, not answered by the host.
    exports.forged = async () => [JSON.parse(TEXT), TEXT];
    // Answered in an earlier invocation.
    let kept = null;
    exports.keep = async () => { [kept] = await Host.callRows('text', { text: TEXT }); return 'kept'; };
    exports.stale = async () => [JSON.parse(kept), kept];
    exports.notText = async () => [1, { a: 1 }];
    // The answered characters, copied into a string of the script's own.
    exports.copied = async () => {
      const [text] = await Host.callRows('text', { text: TEXT });
      return [JSON.parse(text), [...text].join('')];
    };
    exports.plain = (extra) => [undefined, undefined, extra];
    exports.asIs = (value) => value;
    // Host.callRows of a value answered as a value: its JSON text alone.
    exports.echoText = () => Host.callRows('echo', { n: 1 });
  )"}});
  ASSERT_TRUE(iso);
  auto envelope = [](std::string function, json args = json::array()) {
    InvocationRequest r = request(std::move(function), std::move(args));
    r.envelope = true;
    return r;
  };
  auto answered = [&](json extra) { return iso->invoke(envelope("answered", {extra})).valueJson; };
  EXPECT_EQ(answered(json::object()), R"({"value":[{"a":1.50,"s":"x"}]})");
  EXPECT_EQ(answered({{"statusCode", 201}}), R"({"statusCode":201,"value":[{"a":1.50,"s":"x"}]})");
  EXPECT_EQ(iso->invoke(envelope("copied")).valueJson, R"({"value":[{"a":1.5,"s":"x"}]})");
  EXPECT_EQ(iso->invoke(envelope("plain", {json::object({{"x", 1}})})).valueJson, R"({"x":1,"value":null})");
  EXPECT_EQ(iso->invoke(envelope("plain", {json::object()})).valueJson, R"({"value":null})");
  EXPECT_EQ(outcome(iso->invoke(envelope("plain", {5}))).substr(0, 14), "kScriptError: ");
  // What is not an array is written as it is.
  EXPECT_EQ(iso->invoke(envelope("asIs", {json::object({{"value", "v"}, {"y", 2}})})).valueJson,
            R"({"value":"v","y":2})");
  EXPECT_EQ(iso->invoke(envelope("forged")).valueJson, R"({"value":[{"a":1.5,"s":"x"}]})");
  EXPECT_EQ(outcome(iso->invoke(envelope("keep"))), R"(ok: "kept")");
  EXPECT_EQ(iso->invoke(envelope("stale")).valueJson, R"({"value":[{"a":1.5,"s":"x"}]})");
  EXPECT_EQ(iso->invoke(envelope("notText")).valueJson, R"({"value":1})");
  // Without the request's consent the member is only a member.
  EXPECT_EQ(iso->invoke(request("answered", {json::object()})).valueJson,
            R"([[{"a":1.5,"s":"x"}],"[{\"a\":1.50,\"s\":\"x\"}]",{}])");
  EXPECT_EQ(outcome(iso->invoke(request("echoText"))), R"(ok: ["{\"args\":{\"n\":1},\"caller\":null,\"op\":\"echo\"}"])");
}

// Host.callRows: a page of flat rows comes with its keys and values, and
// they are what V8's JSON.parse makes of the same text (Object.is, so -0
// and 0 differ); any other text comes alone.
TEST_F(AppIsolateTest, CallRowsBuildsWhatJsonParseBuilds) {
  auto iso = load({{"main.js", R"(
    exports.compare = async (texts) => {
      const out = [];
      for (const text of texts) {
        const answer = await Host.callRows('text', { text });
        if (answer[0] !== text) { out.push('another text'); continue; }
        if (answer.length === 1) { out.push('text'); continue; }
        const [, names, values] = answer;
        const parsed = JSON.parse(text);
        let same = answer.length === 3 && values.length === parsed.length * names.length;
        let k = 0;
        for (const row of parsed) {
          same = same && Object.keys(row).length === names.length;
          for (const name of names) same = same && Object.is(row[name], values[k++]);
        }
        out.push(same ? 'same' : 'differs: ' + text);
      }
      return out;
    };
  )"}});
  ASSERT_TRUE(iso);
  std::vector<std::pair<std::string, std::string>> cases = {
      {R"([{"a":1,"b":"x"},{"a":-0,"b":"\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t\u0000"}])", "same"},
      {"[{\"caf\xC3\xA9\":\"\xE2\x82\xAC\xF0\x9F\x98\x80\",\"n\":1733000000000,\"d\":0.1}]", "same"},
      {R"([{"n":9007199254740993,"m":1e+300,"e":5e-324,"x":1.50,"t":true,"f":false,"z":null}])", "same"},
      {R"([ {"a" : 1} , {"a":2} ])", "same"},
      {R"([{"2":1,"a":2},{"2":3,"a":4}])", "same"},
      {"[]", "text"},
      {R"([{"a":{"b":1}}])", "text"},
      {R"([{"a":1},{"b":2}])", "text"},
      {R"([{"a":"\ud800"}])", "text"},
      {R"({"a":1})", "text"},
      {"1.5", "text"},
  };
  // Random pages as the host writes them (base/json_text.h).
  std::mt19937_64 random(20261129);
  const char* keyPool[] = {"objectId", "created", "name", "price", "s", "caf\xC3\xA9", "k\xF0\x9F\x98\x80"};
  auto randomString = [&] {
    std::string s;
    const size_t n = random() % 12;
    for (size_t i = 0; i < n; ++i) {
      switch (random() % 6) {
        case 0: s += static_cast<char>(random() % 0x20); break;        // control characters, escaped
        case 1: s += "\"\\/"[random() % 3]; break;
        case 2: s += "\xC3\xA9"; break;
        case 3: s += "\xF0\x9F\x98\x80"; break;
        default: s += static_cast<char>('a' + random() % 26); break;
      }
    }
    return s;
  };
  for (int t = 0; t < 200; ++t) {
    std::vector<const char*> keys(keyPool, keyPool + 1 + random() % std::size(keyPool));
    std::string text = "[";
    const size_t rowCount = 1 + random() % 5;
    for (size_t r = 0; r < rowCount; ++r) {
      text += r == 0 ? "{" : ",{";
      for (size_t k = 0; k < keys.size(); ++k) {
        if (k > 0) text += ',';
        appendJsonString(text, keys[k]);
        text += ':';
        switch (random() % 6) {
          case 0: text += "null"; break;
          case 1: text += random() % 2 ? "true" : "false"; break;
          case 2: appendJsonInt(text, static_cast<int64_t>(random()) >> (random() % 64)); break;
          case 3: {
            double d;
            const uint64_t bits = random();
            std::memcpy(&d, &bits, sizeof d);
            appendJsonDouble(text, d);  // NaN and infinities are written as null
            break;
          }
          case 4: appendJsonDouble(text, static_cast<double>(random() % 100000) / 100); break;
          default: appendJsonString(text, randomString()); break;
        }
      }
      text += '}';
    }
    text += ']';
    cases.emplace_back(text, "same");
  }
  json texts = json::array();
  json want = json::array();
  for (const auto& [text, tag] : cases) {
    texts.push_back(text);
    want.push_back(tag);
  }
  InvocationResult r = iso->invoke(request("compare", {texts}));
  ASSERT_TRUE(r.status.ok()) << r.status.message() << r.detail;
  EXPECT_EQ(r.value(), want);
}

// Answered texts are kept within the result limit: older ones go first, and
// a text that could never be a result is not kept.
TEST_F(AppIsolateTest, AnsweredTextsAreKeptWithinTheResultLimit) {
  Limits limits;
  limits.resultBytes = 64;
  auto r = createIsolate(host_, makeBundle({{"main.js", R"(
    const A = '[{"a":1.50}]';
    const B = '[{"b":2.50,"s":"' + 'x'.repeat(20) + '"}]';
    const C = '[{"c":3.50,"s":"' + 'y'.repeat(20) + '"}]';
    const answer = async (text) => (await Host.callRows('text', { text }))[0];
    const envelope = (text) => [JSON.parse(text), text];
    exports.both = async () => { const a = await answer(A); await answer(B); return envelope(a); };
    exports.evicted = async () => { const a = await answer(A); await answer(B); await answer(C); return envelope(a); };
    exports.newest = async () => { await answer(A); await answer(B); return envelope(await answer(C)); };
  )"}}, {"main.js"}), limits, &log_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto envelope = [](std::string function) {
    InvocationRequest req = request(std::move(function));
    req.envelope = true;
    return req;
  };
  EXPECT_EQ((*r)->invoke(envelope("both")).valueJson, R"({"value":[{"a":1.50}]})");
  EXPECT_EQ((*r)->invoke(envelope("evicted")).valueJson, R"({"value":[{"a":1.5}]})");
  EXPECT_EQ((*r)->invoke(envelope("newest")).valueJson, R"({"value":[{"c":3.50,"s":"yyyyyyyyyyyyyyyyyyyy"}]})");
}

TEST_F(AppIsolateTest, TheClockIsFrozenDuringAnInvocationAndMovesAfterHostCalls) {
  auto iso = load({{"main.js", R"(
    exports.spin = () => { const t0 = Date.now(); let x = 0; for (let i = 0; i < 3e7; i++) x += i;
                           return [t0 === Date.now(), +new Date() === t0, typeof performance, x > 0]; };
    exports.afterHost = async () => { const t0 = Date.now(); await Host.call('sleep', { ms: 20 }); return Date.now() - t0; };
    exports.now = () => Date.now();
  )"}});
  ASSERT_TRUE(iso);
  EXPECT_EQ(outcome(iso->invoke(request("spin"))), R"(ok: [true,true,"undefined",true])");
  InvocationResult r = iso->invoke(request("afterHost"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_GE(r.value().get<double>(), 19.0);
  auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch()).count();
  double now = iso->invoke(request("now")).value().get<double>();
  EXPECT_NEAR(now, static_cast<double>(wall), 2000.0);
  EXPECT_EQ(now, static_cast<double>(static_cast<int64_t>(now)));  // whole milliseconds
}

TEST_F(AppIsolateTest, SecondIsolateCompilesFromTheCodeCache) {
  auto bundle = makeBundle({{"main.js", "exports.f = () => require('./lib').g();"},
                            {"lib.js", "exports.g = () => 'from lib';"}},
                           {"main.js"});
  CodeCache::Stats before = CodeCache::shared().stats();
  auto first = createIsolate(host_, bundle);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(outcome((*first)->invoke(request("f"))), "ok: \"from lib\"");
  CodeCache::Stats middle = CodeCache::shared().stats();
  auto second = createIsolate(host_, bundle);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(outcome((*second)->invoke(request("f"))), "ok: \"from lib\"");
  CodeCache::Stats after = CodeCache::shared().stats();
  // The second isolate took the prelude, main.js and lib.js from the cache.
  EXPECT_GE(after.hits - middle.hits, 3u);
  EXPECT_EQ(after.misses, middle.misses);
  EXPECT_EQ(after.rejected, before.rejected);
  EXPECT_GT(after.bytes, 0u);
}

}  // namespace
}  // namespace ck::sandbox
