// services::Invoker: code installation, refusals, the host's answers to
// binding calls, and per-app limits, on real isolates.
#include "services/invoker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

namespace ck::services {
namespace {

using nlohmann::json;

// Invokes and waits (bounded) for the result.
Result<json> invokeAndWait(Invoker& invoker, const std::string& app, const std::string& fn,
                           json args = json::array()) {
  auto promise = std::make_shared<std::promise<Result<json>>>();
  std::future<Result<json>> future = promise->get_future();
  invoker.invoke(app, fn, std::move(args), [promise](Result<json> r) { promise->set_value(std::move(r)); });
  if (future.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    return Status(ErrorCode::kInternal, "test timed out waiting for the invocation");
  }
  return future.get();
}

class InvokerTest : public ::testing::Test {
 protected:
  MemoryLogger log_;
  Invoker invoker_{{.workers = 2}, log_};
};

TEST_F(InvokerTest, CodeIsValidatedBeforeItIsInstalled) {
  struct Case {
    std::map<std::string, std::string> files;
    std::vector<std::string> entries;
    const char* message;
  } cases[] = {
      {{{"main.js", ""}}, {}, "at least one entry"},
      {{{"main.js", ""}}, {"lib.js"}, "lib.js is not among the files"},
  };
  for (const Case& c : cases) {
    Status st = invoker_.setAppCode("A", c.files, c.entries);
    EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(st.message().find(c.message), std::string::npos) << st.message();
  }
  // Nothing was installed.
  Result<json> r = invokeAndWait(invoker_, "A", "f");
  EXPECT_EQ(r.status().code(), ErrorCode::kAppNotFound);
}

// Arguments given as JSON text reach the code as the same values, and text
// arguments after them as strings, never parsed; text that is not an array,
// or nests beyond the limit, is refused.
TEST_F(InvokerTest, ArgumentsAsJsonText) {
  ASSERT_TRUE(invoker_.setAppCode("A", {{"main.js", "exports.f = function (a, b) { return {a, b, n: arguments.length}; };\n"
                                                    "exports.g = (...all) => all.map((x) => [typeof x, x]);"}},
                                  {"main.js"})
                  .ok());
  auto run = [&](std::string args, std::vector<std::string> textArgs = {}, std::string function = "f") {
    auto promise = std::make_shared<std::promise<Result<std::string>>>();
    std::future<Result<std::string>> future = promise->get_future();
    invoker_.invokeJson("A", function, std::move(args), [promise](Result<std::string> r) { promise->set_value(r); },
                        "", {}, std::move(textArgs));
    if (future.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      return Result<std::string>(Status(ErrorCode::kInternal, "timed out"));
    }
    return future.get();
  };
  Result<std::string> r = run(R"([{"x":[1,"\u00e9"]},null])");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, R"({"a":{"x":[1,"é"]},"b":null,"n":2})");
  r = run("[1]", {R"({"a":1})", "caf\u00e9 [", ""}, "g");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, R"([["number",1],["string","{\"a\":1}"],["string","café ["],["string",""]])");
  EXPECT_EQ(run(R"({"a":1})").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(run("5").status().code(), ErrorCode::kInvalidArgument);
  std::string deep = "[" + std::string(1001, '[') + std::string(1001, ']') + "]";
  EXPECT_EQ(run(deep).status().code(), ErrorCode::kInvalidArgument);
  std::string fine = "[" + std::string(990, '[') + std::string(990, ']') + "]";
  EXPECT_TRUE(run(fine).ok());
}

TEST_F(InvokerTest, RefusalsComeAtOnceOnTheCallersThread) {
  ASSERT_TRUE(invoker_.setAppCode("A", {{"main.js", "exports.f = () => 1;"}}, {"main.js"}).ok());
  struct Case {
    std::string app;
    json args;
    ErrorCode code;
  } cases[] = {
      {"nobody", json::array(), ErrorCode::kAppNotFound},
      {"A", json::object(), ErrorCode::kInvalidArgument},
      {"A", 5, ErrorCode::kInvalidArgument},
  };
  for (const Case& c : cases) {
    std::thread::id ranOn;
    std::optional<Status> got;
    invoker_.invoke(c.app, "f", c.args, [&](Result<json> r) {
      ranOn = std::this_thread::get_id();
      got = r.status();
    });
    ASSERT_TRUE(got.has_value()) << c.app << " " << c.args;
    EXPECT_EQ(got->code(), c.code);
    EXPECT_EQ(ranOn, std::this_thread::get_id());
  }
}

TEST_F(InvokerTest, RunsCodeAndAnswersHostCalls) {
  const char* source = R"JS(
    exports.sum = (...xs) => xs.reduce((a, b) => a + b, 0);
    exports.echo = async (v) => Host.call("echo", v);
    exports.unknown = () => Host.call("files.delete", { path: "/" });
  )JS";
  ASSERT_TRUE(invoker_.setAppCode("A", {{"main.js", source}}, {"main.js"}).ok());
  Result<json> sum = invokeAndWait(invoker_, "A", "sum", {1, 2, 3});
  ASSERT_TRUE(sum.ok()) << sum.status().message();
  EXPECT_EQ(*sum, 6);
  Result<json> echo = invokeAndWait(invoker_, "A", "echo", {json{{"deep", {1, {{"x", nullptr}}}}}});
  ASSERT_TRUE(echo.ok()) << echo.status().message();
  EXPECT_EQ(*echo, json({{"deep", {1, {{"x", nullptr}}}}}));
  // An operation the host does not know is an error JS sees (here unhandled,
  // so the invocation fails with the script's error).
  Result<json> unknown = invokeAndWait(invoker_, "A", "unknown");
  EXPECT_EQ(unknown.status().code(), ErrorCode::kScriptError);
  EXPECT_NE(log_.dump().find("Unknown host operation: files.delete"), std::string::npos) << log_.dump();
}

TEST_F(InvokerTest, PerAppCpuLimitCutsALoop) {
  ASSERT_TRUE(invoker_
                  .setAppCode("A", {{"main.js", "exports.spin = () => { for (;;) {} }; exports.ok = () => 'ok';"}},
                              {"main.js"}, CodeLimits{.cpuMs = 100})
                  .ok());
  auto start = std::chrono::steady_clock::now();
  Result<json> spun = invokeAndWait(invoker_, "A", "spin");
  EXPECT_EQ(spun.status().code(), ErrorCode::kCodeTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  Result<json> ok = invokeAndWait(invoker_, "A", "ok");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(*ok, "ok");
  // The worker counts the invocation finished just after `done`.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (invoker_.load("A").running > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(invoker_.load("A").running, 0u);
  EXPECT_EQ(invoker_.load("A").queued, 0u);
}

TEST_F(InvokerTest, StopRefusesNewInvocations) {
  ASSERT_TRUE(invoker_.setAppCode("A", {{"main.js", "exports.f = () => 1;"}}, {"main.js"}).ok());
  ASSERT_TRUE(invokeAndWait(invoker_, "A", "f").ok());
  invoker_.stop();
  Result<json> r = invokeAndWait(invoker_, "A", "f");
  EXPECT_EQ(r.status().code(), ErrorCode::kShuttingDown);
}

}  // namespace
}  // namespace ck::services
