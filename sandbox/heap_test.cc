// Heap exhaustion: the isolate is terminated and retired, never the
// process, and a fresh isolate serves the next invocation.

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

const char* kHeapJs = R"JS(
exports.ok = () => 'ok';
exports.arrays = () => { const keep = []; for (;;) keep.push(new Array(10000).fill(keep.length)); };
exports.objects = () => { const m = new Map(); for (let i = 0; ; i++) m.set('k' + i, { i, s: 'v' + i }); };
exports.doubling = () => { let s = 'x'; for (;;) s += s; };
exports.flatDoubling = () => { let s = 'x'.repeat(1 << 16); for (;;) { s = s + s; s.indexOf('y'); } };
exports.keepAtModuleLevel = () => { globalThis.kept = []; for (;;) globalThis.kept.push({ a: [1, 2, 3] }); };
)JS";

class HeapTest : public ::testing::Test {
 protected:
  std::unique_ptr<AppIsolate> fresh() {
    Limits limits;
    limits.heapBytes = 24u << 20;
    limits.arrayBufferBytes = 8u << 20;
    auto r = createIsolate(host_, makeBundle({{"heap.js", kHeapJs}}, {"heap.js"}), limits);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::move(r).value() : nullptr;
  }
  InvocationResult run(AppIsolate& iso, const char* fn) { return iso.invoke(request(fn, json::array(), 5000, 10000)); }

  FakeHost host_;
};

TEST_F(HeapTest, HeapBombRetiresTheIsolateAndAFreshOneWorks) {
  for (const char* fn : {"arrays", "objects", "keepAtModuleLevel"}) {
    auto iso = fresh();
    ASSERT_TRUE(iso);
    InvocationResult r = run(*iso, fn);
    EXPECT_EQ(outcome(r), "kHeapExhausted: Cloud Code ran out of memory") << fn;
    EXPECT_NE(r.detail.find("heap limit of 24 MB"), std::string::npos) << r.detail;
    EXPECT_TRUE(iso->retired()) << fn;
    // A retired isolate refuses work instead of running in a damaged heap.
    InvocationResult again = run(*iso, "ok");
    EXPECT_EQ(again.status.code(), ErrorCode::kHeapExhausted);
    EXPECT_NE(again.detail.find("retired"), std::string::npos);
    iso.reset();
    auto replacement = fresh();
    ASSERT_TRUE(replacement);
    EXPECT_EQ(outcome(run(*replacement, "ok")), "ok: \"ok\"");
  }
}

TEST_F(HeapTest, StringDoublingEndsInARangeErrorOrTheHeapLimit) {
  for (const char* fn : {"doubling", "flatDoubling"}) {
    auto iso = fresh();
    ASSERT_TRUE(iso);
    InvocationResult r = run(*iso, fn);
    std::string got = outcome(r);
    EXPECT_TRUE(got == "kScriptError: RangeError: Invalid string length" ||
                got == "kHeapExhausted: Cloud Code ran out of memory")
        << fn << ": " << got;
    if (iso->retired()) iso = fresh();
    ASSERT_TRUE(iso);
    EXPECT_EQ(outcome(run(*iso, "ok")), "ok: \"ok\"") << fn;
  }
}

}  // namespace
}  // namespace ck::sandbox
