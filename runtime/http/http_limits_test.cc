// Every limit and refusal: each answered with its status and JSON code, then
// a graceful close the client can read to the end.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/http/client.h"
#include "runtime/http/test_server.h"

namespace ck::http {
namespace {

using nlohmann::json;
using testing::eventually;
using testing::monoMs;
using testing::RawSocket;
using testing::TestServer;

constexpr size_t kMiB = 1024 * 1024;

Router limitsRouter(std::atomic<int>* uploads = nullptr) {
  Router r;
  r.add("GET", "/ok", [](Request&) {
    Response resp;
    resp.body = "ok";
    return resp;
  }, {.lane = Lane::kLoop});
  r.add("POST", "/upload", [uploads](Request& req) {
    if (uploads) ++*uploads;
    Response resp;
    resp.body = std::to_string(req.body.size());
    return resp;
  }, {.maxBodyBytes = 1 * kMiB});
  r.add("POST", "/small", [](Request& req) {
    Response resp;
    resp.body = std::to_string(req.body.size());
    return resp;
  }, {.maxBodyBytes = 1000});
  return r;
}

// Asserts `r` is the refusal `code` with status `status`, sent with Connection: close.
void expectRefusal(const std::optional<ClientResponse>& r, int status, int code) {
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, status);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->header("x-request-id").value_or("").size(), 16u);
  json body = json::parse(r->body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << r->body;
  EXPECT_EQ(body["code"], code);
  EXPECT_TRUE(body["message"].is_string());
}

TEST(HttpLimitsTest, UriTooLong) {
  ServerConfig config;
  config.maxUrlBytes = 200;
  TestServer server(config, limitsRouter());
  {
    RawSocket s(server.port());
    ASSERT_TRUE(s.send("GET /ok?pad=" + std::string(300, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n"));
    expectRefusal(s.readResponse(), 414, 100414);
    EXPECT_TRUE(s.waitClosed(5'000));
  }
  // Just under the limit is fine.
  RawSocket fine(server.port());
  ASSERT_TRUE(fine.send("GET /ok?pad=" + std::string(150, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = fine.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpLimitsTest, HeadersTooLarge) {
  ServerConfig config;
  config.maxHeaderBytes = 2048;
  TestServer server(config, limitsRouter());
  {
    RawSocket s(server.port());
    ASSERT_TRUE(s.send("GET /ok HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4000, 'b') + "\r\n\r\n"));
    expectRefusal(s.readResponse(), 431, 100431);
    EXPECT_TRUE(s.waitClosed(5'000));
  }
  {
    // Many small headers, sent in pieces, count too.
    RawSocket s(server.port());
    ASSERT_TRUE(s.send("GET /ok HTTP/1.1\r\nHost: t\r\n"));
    bool answered = false;
    for (int i = 0; i < 200 && !answered; ++i) {
      if (!s.send("X-H" + std::to_string(i) + ": 0123456789\r\n")) break;
      answered = s.readable(0);
    }
    expectRefusal(s.readResponse(), 431, 100431);
  }
  {
    // Whitespace the parser skips without a callback counts as well.
    RawSocket s(server.port());
    ASSERT_TRUE(s.send("GET /ok HTTP/1.1\r\nHost: t\r\nX-Pad:"));
    for (int i = 0; i < 20 && !s.readable(0); ++i) {
      if (!s.send(std::string(512, ' '))) break;
    }
    expectRefusal(s.readResponse(), 431, 100431);
  }
  RawSocket fine(server.port());
  ASSERT_TRUE(fine.send("GET /ok HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(1500, 'b') + "\r\n\r\n"));
  auto r = fine.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpLimitsTest, DeclaredBodyTooLargeIsRefusedBeforeAnyBodyByte) {
  std::atomic<int> uploads{0};
  TestServer server({}, limitsRouter(&uploads));
  RawSocket s(server.port());
  // Only the headers: the answer must come without a single body byte sent.
  ASSERT_TRUE(s.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 52428800\r\n\r\n"));
  expectRefusal(s.readResponse(), 413, 100413);
  EXPECT_EQ(uploads.load(), 0);
  EXPECT_TRUE(s.waitClosed(5'000));  // the server shut its side down after answering
  EXPECT_EQ(server.stats().refusals, 1u);
  s.close();
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpLimitsTest, RefusalDrainsInputThenCloses) {
  ServerConfig config;
  config.drainTimeoutMs = 400;
  TestServer server(config, limitsRouter());
  RawSocket s(server.port());
  ASSERT_TRUE(s.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 52428800\r\n\r\n"));
  int64_t answeredAt = monoMs();
  expectRefusal(s.readResponse(), 413, 100413);
  // The server keeps reading (and discarding) for a while, so a client still
  // sending gets no reset: these sends all go through.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(s.send(std::string(16 * 1024, 'b'))) << i;
  // Then it closes: the connection leaves the server without the client's help.
  ASSERT_TRUE(eventually([&] { return server.openConnections() == 0; }));
  EXPECT_GE(monoMs() - answeredAt, 300);
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpLimitsTest, RefusalDrainStopsAtTheByteLimit) {
  ServerConfig config;
  config.drainTimeoutMs = 10'000;
  config.drainMaxBytes = 64 * 1024;
  TestServer server(config, limitsRouter());
  RawSocket s(server.port());
  ASSERT_TRUE(s.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 52428800\r\n\r\n"));
  expectRefusal(s.readResponse(), 413, 100413);
  int64_t start = monoMs();
  // Keep sending past the drain limit; the server closes long before its timeout.
  std::string chunk(64 * 1024, 'c');
  bool failed = false;
  for (int i = 0; i < 2'000 && !failed; ++i) failed = !s.send(chunk) || server.openConnections() == 0;
  EXPECT_TRUE(failed);
  ASSERT_TRUE(eventually([&] { return server.openConnections() == 0; }));
  EXPECT_LT(monoMs() - start, 5'000);
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpLimitsTest, FiftyMegabyteUploadGetsTheAnswerNotAReset) {
  std::atomic<int> uploads{0};
  TestServer server({}, limitsRouter(&uploads));
  // The client sends the whole body as fast as it can while reading.
  Client client("127.0.0.1", server.port(), 20'000);
  std::string body(50 * kMiB, 'x');
  Result<ClientResponse> r = client.post("/upload", body);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_EQ(json::parse(r->body)["code"], 100413);
  EXPECT_EQ(uploads.load(), 0);
  // A client that sends all 50 MB without looking, while another thread
  // reads: the answer arrives complete although the server stops draining
  // after drainMaxBytes.
  {
    RawSocket blunt(server.port());
    std::thread sender([&] {
      blunt.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
                 "\r\n\r\n");
      blunt.send(body);  // fails part way with a reset, as it should
    });
    auto refused = blunt.readResponse(20'000);
    sender.join();
    expectRefusal(refused, 413, 100413);
  }
  EXPECT_EQ(uploads.load(), 0);
  // The server is fine and serves the next client.
  Client next("127.0.0.1", server.port());
  Result<ClientResponse> ok = next.post("/upload", std::string(1000, 'y'));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->body, "1000");
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpLimitsTest, ChunkedBodyOverTheLimit) {
  TestServer server({}, limitsRouter());
  {
    // The running total passes the limit.
    RawSocket s(server.port());
    ASSERT_TRUE(s.send("POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"));
    ASSERT_TRUE(s.send("258\r\n" + std::string(600, 'a') + "\r\n"));
    ASSERT_TRUE(s.send("258\r\n" + std::string(600, 'a') + "\r\n"));
    expectRefusal(s.readResponse(), 413, 100413);
  }
  {
    // One chunk declared larger than the limit: refused at its size line.
    RawSocket s(server.port());
    ASSERT_TRUE(s.send("POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nfffff\r\n"));
    expectRefusal(s.readResponse(), 413, 100413);
  }
  {
    RawSocket s(server.port());
    ASSERT_TRUE(s.send("POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n" +
                       std::string(1000, 'a') + "\r\n0\r\n\r\n"));
    auto r = s.readResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "1000");
  }
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpLimitsTest, MalformedRequests) {
  TestServer server({}, limitsRouter());
  const char* bad[] = {
      "GARBAGE\r\n\r\n",
      "GET /ok HTTP/1.1\r\nBad Header\r\n\r\n",
      "GET /ok HTTP/9.9\r\n\r\n",
      "POST /upload HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcde",
      "POST /upload HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST /upload HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET /ok HTTP/1.1\r\nExpect: something-else\r\n\r\n",
  };
  for (const char* request : bad) {
    RawSocket s(server.port());
    ASSERT_TRUE(s.send(request));
    auto r = s.readResponse();
    ASSERT_TRUE(r) << request;
    if (r->status == 417) {
      EXPECT_EQ(json::parse(r->body)["code"], 100417);
    } else {
      expectRefusal(r, 400, 100400);
    }
    EXPECT_TRUE(s.waitClosed(5'000)) << request;
  }
  // A bad request after a good one on the same connection: the good one is answered first.
  RawSocket s(server.port());
  ASSERT_TRUE(s.send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\nNOT HTTP AT ALL\r\n\r\n"));
  auto first = s.readResponse();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  expectRefusal(s.readResponse(), 400, 100400);
  s.close();
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpLimitsTest, TooManyConnections) {
  ServerConfig config;
  config.maxConnections = 2;
  TestServer server(config, limitsRouter());
  RawSocket a(server.port());
  RawSocket b(server.port());
  ASSERT_TRUE(eventually([&] { return server.openConnections() == 2; }));
  RawSocket c(server.port());
  ASSERT_GE(c.fd(), 0);
  // Answered without asking, then closed.
  expectRefusal(c.readResponse(), 503, 100503);
  EXPECT_TRUE(c.waitClosed(5'000));
  c.close();
  // The two admitted connections work.
  ASSERT_TRUE(a.send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = a.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // Once one leaves, a newcomer is admitted.
  b.close();
  ASSERT_TRUE(eventually([&] { return server.openConnections() == 1; }));
  RawSocket d(server.port());
  ASSERT_TRUE(d.send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n"));
  r = d.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpLimitsTest, SlowDripHeadersTimeOut) {
  ServerConfig config;
  config.headerTimeoutMs = 300;
  TestServer server(config, limitsRouter());
  RawSocket s(server.port());
  int64_t start = monoMs();
  ASSERT_TRUE(s.send("GET /ok HTTP/1.1\r\n"));
  // One header line every 50 ms: never complete, always busy.
  bool answered = false;
  for (int i = 0; i < 100 && !answered; ++i) {
    if (!s.send("X-Drip-" + std::to_string(i) + ": 1\r\n")) break;
    answered = s.readable(50);
  }
  auto r = s.readResponse();
  int64_t elapsed = monoMs() - start;
  expectRefusal(r, 408, 100408);
  EXPECT_GE(elapsed, 250);
  EXPECT_LT(elapsed, 4'000);

  // Silence after the accept times out the same way.
  RawSocket silent(server.port());
  start = monoMs();
  auto r2 = silent.readResponse();
  expectRefusal(r2, 408, 100408);
  EXPECT_GE(monoMs() - start, 250);
  s.close();
  silent.close();

  // A request that completes in time is not affected, and the deadline
  // restarts with the next request's first byte, not at the accept.
  RawSocket ok(server.port());
  ASSERT_TRUE(ok.send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r3 = ok.readResponse();
  ASSERT_TRUE(r3);
  EXPECT_EQ(r3->status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  ASSERT_TRUE(ok.send("GET /ok HTTP/1.1\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(ok.send("Host: t\r\n\r\n"));
  r3 = ok.readResponse();
  ASSERT_TRUE(r3);
  EXPECT_EQ(r3->status, 200);
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpLimitsTest, IdleKeepAliveConnectionsAreClosedSilently) {
  ServerConfig config;
  config.keepAliveIdleMs = 300;
  TestServer server(config, limitsRouter());
  RawSocket s(server.port());
  ASSERT_TRUE(s.send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = s.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("connection"), "keep-alive");
  int64_t start = monoMs();
  std::string extra;
  EXPECT_TRUE(s.waitClosed(5'000, &extra));
  EXPECT_GE(monoMs() - start, 250);
  EXPECT_EQ(extra, "");  // no response, just a close
  ASSERT_TRUE(eventually([&] { return server.openConnections() == 0; }));
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpLimitsTest, ClientVanishingMidBodyLeavesTheServerServing) {
  std::atomic<int> uploads{0};
  TestServer server({}, limitsRouter(&uploads));
  for (int i = 0; i < 3; ++i) {
    RawSocket s(server.port());
    ASSERT_TRUE(s.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n"));
    ASSERT_TRUE(s.send(std::string(100'000, 'z')));
    s.close();
  }
  ASSERT_TRUE(eventually([&] { return server.openConnections() == 0; }));
  EXPECT_EQ(uploads.load(), 0);
  Client client("127.0.0.1", server.port());
  Result<ClientResponse> r = client.post("/upload", std::string(10, 'a'));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "10");
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace ck::http
