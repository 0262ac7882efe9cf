// Streaming request bodies: the handler reads while the loop receives, with
// back-pressure on the socket, and sees disconnects and limits as errors.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "runtime/http/client.h"
#include "runtime/http/test_server.h"

namespace ck::http {
namespace {

using nlohmann::json;
using testing::eventually;
using testing::RawSocket;
using testing::TestServer;

constexpr size_t kMiB = 1024 * 1024;

uint64_t fnv1a(uint64_t h, const char* data, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ULL;
  }
  return h;
}
constexpr uint64_t kFnvStart = 1469598103934665603ULL;

struct StreamObservations {
  std::atomic<int> started{0};
  std::atomic<int> errors{0};
  std::atomic<int> lastErrorCode{0};
  std::atomic<int64_t> declared{-1};
  std::atomic<bool> bodyWasEmpty{false};
};

// Reads the body in small reads (after a pause that lets the buffer fill)
// and answers {"bytes": n, "fnv": h}.
Router streamRouter(StreamObservations* obs) {
  Router r;
  auto handler = [obs](Request& req) {
    ++obs->started;
    obs->bodyWasEmpty = req.body.empty();
    if (auto d = req.bodyStream->declaredLength()) obs->declared = static_cast<int64_t>(*d);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    uint64_t bytes = 0;
    uint64_t h = kFnvStart;
    char buf[1000];
    while (true) {
      Result<size_t> n = req.bodyStream->read(buf, sizeof buf);
      if (!n.ok()) {
        ++obs->errors;
        obs->lastErrorCode = static_cast<int>(n.status().code());
        return Response::error(n.status());
      }
      if (*n == 0) break;
      bytes += *n;
      h = fnv1a(h, buf, *n);
    }
    return Response::json(200, {{"bytes", bytes}, {"fnv", std::to_string(h)}});
  };
  r.add("POST", "/stream", handler, {.maxBodyBytes = 64 * kMiB, .streamBody = true});
  r.add("POST", "/stream-small", handler, {.maxBodyBytes = 100'000, .streamBody = true});
  r.add("GET", "/ok", [](Request&) {
    Response resp;
    resp.body = "ok";
    return resp;
  }, {.lane = Lane::kLoop});
  return r;
}

std::string pattern(size_t n) {
  std::string s(n, '\0');
  uint32_t x = 12345;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245 + 12345;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

TEST(HttpBodyTest, LargeStreamedBodyWithBackPressure) {
  StreamObservations obs;
  TestServer server({}, streamRouter(&obs));
  std::string body = pattern(8 * kMiB);
  Client client("127.0.0.1", server.port(), 20'000);
  Result<ClientResponse> r = client.post("/stream", body);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->status, 200) << r->body;
  json j = json::parse(r->body);
  EXPECT_EQ(j["bytes"], body.size());
  EXPECT_EQ(j["fnv"], std::to_string(fnv1a(kFnvStart, body.data(), body.size())));
  EXPECT_EQ(obs.declared.load(), static_cast<int64_t>(body.size()));
  EXPECT_TRUE(obs.bodyWasEmpty.load());
  EXPECT_EQ(obs.errors.load(), 0);
  // The handler slept while the client sent: the buffer filled and reading paused.
  EXPECT_GT(server.stats().streamReadPauses, 0u);

  // The same connection serves another streamed request, chunked this time.
  std::string chunked = "POST /stream HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string small = pattern(3 * kMiB + 17);
  for (size_t pos = 0; pos < small.size(); pos += 100'000) {
    size_t n = std::min<size_t>(100'000, small.size() - pos);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", n);
    chunked += size;
    chunked.append(small, pos, n);
    chunked += "\r\n";
  }
  chunked += "0\r\n\r\n";
  RawSocket s(server.port());
  ASSERT_TRUE(s.send(chunked));
  auto r2 = s.readResponse(20'000);
  ASSERT_TRUE(r2);
  ASSERT_EQ(r2->status, 200) << r2->body;
  json j2 = json::parse(r2->body);
  EXPECT_EQ(j2["bytes"], small.size());
  EXPECT_EQ(j2["fnv"], std::to_string(fnv1a(kFnvStart, small.data(), small.size())));
  EXPECT_EQ(obs.declared.load(), static_cast<int64_t>(body.size()));  // chunked: none declared
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpBodyTest, StreamedChunkedBodyOverTheLimitFailsTheReadAndAnswers413) {
  StreamObservations obs;
  TestServer server({}, streamRouter(&obs));
  RawSocket s(server.port());
  ASSERT_TRUE(s.send("POST /stream-small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"));
  ASSERT_TRUE(eventually([&] { return obs.started.load() == 1; }));
  bool answered = false;
  for (int i = 0; i < 20 && !answered; ++i) {
    std::string chunk = "4e20\r\n" + std::string(20'000, 'q') + "\r\n";  // 20,000 bytes
    if (!s.send(chunk)) break;
    answered = s.readable(10);
  }
  auto r = s.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(json::parse(r->body)["code"], 100413);
  EXPECT_EQ(r->header("connection"), "close");
  ASSERT_TRUE(eventually([&] { return obs.errors.load() == 1; }));
  EXPECT_EQ(obs.lastErrorCode.load(), static_cast<int>(ErrorCode::kBodyTooLarge));
  s.close();
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpBodyTest, StreamedDeclaredLengthOverTheLimitNeverStartsTheHandler) {
  StreamObservations obs;
  TestServer server({}, streamRouter(&obs));
  RawSocket s(server.port());
  ASSERT_TRUE(s.send("POST /stream-small HTTP/1.1\r\nHost: t\r\nContent-Length: 100001\r\n\r\n"));
  auto r = s.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(obs.started.load(), 0);
  s.close();
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpBodyTest, ClientDisconnectFailsTheStreamedRead) {
  StreamObservations obs;
  TestServer server({}, streamRouter(&obs));
  {
    RawSocket s(server.port());
    ASSERT_TRUE(s.send("POST /stream HTTP/1.1\r\nHost: t\r\nContent-Length: 5000000\r\n\r\n"));
    ASSERT_TRUE(s.send(std::string(200'000, 'd')));
    ASSERT_TRUE(eventually([&] { return obs.started.load() == 1; }));
  }  // closed mid-body
  ASSERT_TRUE(eventually([&] { return obs.errors.load() == 1; }));
  EXPECT_EQ(obs.lastErrorCode.load(), static_cast<int>(ErrorCode::kBadRequest));
  ASSERT_TRUE(eventually([&] { return server.openConnections() == 0; }));
  Client client("127.0.0.1", server.port());
  Result<ClientResponse> r = client.get("/ok");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(server.stop(), 0);
  // The abandoned request is in the access log as 499.
  EXPECT_NE(server.log().dump().find("499"), std::string::npos) << server.log().dump();
}

TEST(HttpBodyTest, HandlerThatStopsReadingEarlyClosesTheConnection) {
  Router r;
  r.add("POST", "/peek", [](Request& req) {
    char buf[10];
    Result<size_t> n = req.bodyStream->read(buf, sizeof buf);
    Response resp;
    resp.body = n.ok() ? std::string(buf, *n) : "error";
    return resp;
  }, {.streamBody = true});
  TestServer server({}, std::move(r));
  RawSocket s(server.port());
  ASSERT_TRUE(s.send("POST /peek HTTP/1.1\r\nHost: t\r\nContent-Length: 3000000\r\n\r\n0123456789"));
  auto resp = s.readResponse();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body.substr(0, 1), "0");
  EXPECT_EQ(resp->header("connection"), "close");
  EXPECT_TRUE(s.waitClosed(5'000));
  s.close();
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace ck::http
