// The server in-process on port 0: requests, keep-alive, pipelining, routing
// errors, decoding, CORS, request ids, handler failures and the access log.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>
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

Response text(std::string body) {
  Response r;
  r.body = std::move(body);
  r.header("Content-Type", "text/plain");
  return r;
}

Router basicRouter(std::atomic<int>* slowCalls = nullptr) {
  Router r;
  r.add("GET", "/fast/{n}", [](Request& req) { return text(req.pathParam("n")); }, {.lane = Lane::kLoop});
  r.add("GET", "/slow/{n}", [slowCalls](Request& req) {
    if (slowCalls) ++*slowCalls;
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    return text(req.pathParam("n"));
  });
  r.add("POST", "/echo", [](Request& req) { return text(std::to_string(req.body.size()) + ":" + req.body); });
  r.add("GET", "/users/isvalidusertoken/{token}", [](Request& req) {
    return text(req.pathParam("token").empty() ? "false" : "true");
  });
  r.add("GET", "/decode/{segment}", [](Request& req) {
    json q = json::array();
    for (const auto& [k, v] : req.query) q.push_back({k, v});
    return Response::json(200, {{"segment", req.pathParam("segment")}, {"path", req.path}, {"query", q}});
  });
  r.add("GET", "/throw", [](Request&) -> Response { throw std::runtime_error("secret detail 42"); });
  r.add("GET", "/throw-loop", [](Request&) -> Response { throw 7; }, {.lane = Lane::kLoop});
  return r;
}

std::string get(std::string_view target, std::string_view extra = "") {
  return std::string("GET ") + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra) + "\r\n";
}

TEST(HttpServerTest, KeepAliveWithUniqueRequestIds) {
  TestServer server({}, basicRouter());
  RawSocket s(server.port());
  ASSERT_GE(s.fd(), 0);
  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(s.send(get("/fast/" + std::to_string(i))));
    auto r = s.readResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, std::to_string(i));
    EXPECT_EQ(r->header("connection"), "keep-alive");
    EXPECT_EQ(r->header("content-length"), std::to_string(r->body.size()));
    EXPECT_EQ(r->header("content-type"), "text/plain");
    EXPECT_TRUE(r->header("date"));
    std::string id(r->header("x-request-id").value_or(""));
    EXPECT_EQ(id.size(), 16u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(server.openConnections(), 1u);
  EXPECT_EQ(server.stats().connectionsAccepted, 1u);
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpServerTest, ClientReusesItsConnection) {
  TestServer server({}, basicRouter());
  Client client("127.0.0.1", server.port(), 5'000);
  for (int i = 0; i < 4; ++i) {
    Result<ClientResponse> r = client.post("/echo", "hello");
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->body, "5:hello");
  }
  Result<ClientResponse> head = client.request("HEAD", "/fast/abc");
  ASSERT_TRUE(head.ok()) << head.status().message();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), "3");
  EXPECT_EQ(head->body, "");
  Result<ClientResponse> after = client.get("/fast/x");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->body, "x");
  EXPECT_EQ(server.stats().connectionsAccepted, 1u);
  client.close();
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpServerTest, PipelinedResponsesKeepRequestOrder) {
  std::atomic<int> slowCalls{0};
  TestServer server({}, basicRouter(&slowCalls));
  RawSocket s(server.port());
  // Slow worker-lane and fast loop-lane requests mixed, in one write.
  const char* targets[] = {"/slow/1", "/fast/2", "/slow/3", "/fast/4", "/fast/5", "/slow/6"};
  std::string all;
  for (const char* t : targets) all += get(t);
  ASSERT_TRUE(s.send(all));
  for (int i = 1; i <= 6; ++i) {
    auto r = s.readResponse();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, std::to_string(i));
  }
  EXPECT_EQ(slowCalls.load(), 3);
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpServerTest, PipelineDeeperThanTheQueuePausesAndResumes) {
  ServerConfig config;
  config.maxPipelined = 2;
  TestServer server(config, basicRouter());
  RawSocket s(server.port());
  std::string all;
  for (int i = 0; i < 20; ++i) all += get(i % 3 == 0 ? "/slow/" + std::to_string(i) : "/fast/" + std::to_string(i));
  all += "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc";
  ASSERT_TRUE(s.send(all));
  for (int i = 0; i < 20; ++i) {
    auto r = s.readResponse();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->body, std::to_string(i));
  }
  auto last = s.readResponse();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->body, "3:abc");
  EXPECT_EQ(server.stop(), 0);
}

// Answers too big for the socket buffers: written partly at once and the
// rest by libuv later, while the answers after them wait their turn. A client
// that does not read stops the server answering once its queue is full.
TEST(HttpServerTest, ClientThatDoesNotReadHoldsBackLargeAnswersWhichArriveInOrder) {
  constexpr int kRequests = 64;
  constexpr size_t kBodyBytes = 1 << 20;
  ServerConfig config;
  config.maxPipelined = 2;
  std::atomic<int> calls{0};
  Router router;
  router.add("GET", "/big/{n}", [&calls](Request& req) {
    ++calls;
    int n = std::stoi(req.pathParam("n"));
    std::string body = req.pathParam("n") + ":";
    body.resize(kBodyBytes, static_cast<char>('a' + n % 26));
    return text(std::move(body));
  }, {.lane = Lane::kLoop});
  TestServer server(config, std::move(router));
  RawSocket s(server.port());
  std::string all;
  for (int i = 0; i < kRequests; ++i) all += get("/big/" + std::to_string(i));
  ASSERT_TRUE(s.send(all));
  ASSERT_TRUE(eventually([&] { return calls.load() > 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_LT(calls.load(), kRequests / 2);  // the socket buffers hold a few megabytes, not 64
  for (int i = 0; i < kRequests; ++i) {
    auto r = s.readResponse();
    ASSERT_TRUE(r) << i;
    std::string expected = std::to_string(i) + ":";
    expected.resize(kBodyBytes, static_cast<char>('a' + i % 26));
    EXPECT_TRUE(r->body == expected) << i;  // not EXPECT_EQ: a failure would print a megabyte
  }
  EXPECT_EQ(calls.load(), kRequests);
  EXPECT_EQ(server.stats().connectionsAccepted, 1u);
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpServerTest, ContentLengthAndChunkedBodies) {
  TestServer server({}, basicRouter());
  RawSocket s(server.port());
  ASSERT_TRUE(s.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world"));
  auto r = s.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "11:hello world");
  // Chunked, split across writes, with an extension and a trailer.
  ASSERT_TRUE(s.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"));
  ASSERT_TRUE(s.send("lo\r\n1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\nX-Trailer: 1\r\n\r\n"));
  r = s.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "12:hello world!");
  // Empty chunked body.
  ASSERT_TRUE(s.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
  r = s.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "0:");
  EXPECT_EQ(server.stop(), 0);
}

// Sends the head of a POST /echo of five bytes with Expect: 100-continue;
// true when the server answered 100 Continue.
bool expectContinue(RawSocket& s) {
  if (!s.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")) return false;
  auto interim = s.readResponse();
  return interim && interim->status == 100;
}

TEST(HttpServerTest, ExpectContinueWhenTheBodyIsWelcome) {
  TestServer server({}, basicRouter());
  RawSocket s(server.port());
  ASSERT_TRUE(expectContinue(s));
  ASSERT_TRUE(s.send("abcde"));
  auto r = s.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "5:abcde");
  EXPECT_EQ(r->header("connection"), "keep-alive");
  EXPECT_EQ(server.stop(), 0);
}

// The answer after a 100 Continue goes through libuv's write queue; the
// pipelined requests behind it are answered after it, in order.
TEST(HttpServerTest, ExpectContinueThenAPipelinedRequest) {
  TestServer server({}, basicRouter());
  RawSocket s(server.port());
  ASSERT_TRUE(expectContinue(s));
  ASSERT_TRUE(s.send("abcde" + get("/fast/1") + get("/fast/2")));
  for (std::string expected : {"5:abcde", "1", "2"}) {
    auto r = s.readResponse();
    ASSERT_TRUE(r) << expected;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, expected);
  }
  EXPECT_EQ(server.openConnections(), 1u);
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpServerTest, ExpectContinueToAMissingRouteGetsTheErrorInstead) {
  TestServer server({}, basicRouter());
  RawSocket s(server.port());
  ASSERT_TRUE(s.send("POST /nowhere HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto r = s.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(s.waitClosed(5'000));
  s.close();
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpServerTest, ExpectContinueOverTheLimitGets413WithoutTheContinue) {
  Router r = basicRouter();
  r.add("POST", "/tiny", [](Request& req) { return text(req.body); }, {.maxBodyBytes = 10});
  TestServer server({}, std::move(r));
  RawSocket s(server.port());
  ASSERT_TRUE(s.send("POST /tiny HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n"));
  auto first = s.readResponse();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 413);  // the very first answer: no 100 before it
  EXPECT_EQ(json::parse(first->body)["code"], 100413);
  EXPECT_EQ(first->header("connection"), "close");
  EXPECT_TRUE(s.waitClosed(5'000));
  s.close();
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpServerTest, ClientReportsConnectFailuresAndTimeouts) {
  int port = 0;
  {
    TestServer gone({}, basicRouter());
    port = gone.port();
    EXPECT_EQ(gone.stop(), 0);
  }
  Client refused("127.0.0.1", port, 2'000);
  Result<ClientResponse> r = refused.get("/fast/1");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("127.0.0.1"), std::string::npos) << r.status().message();

  Router slowRouter;
  slowRouter.add("GET", "/slow", [](Request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    return text("late");
  });
  TestServer server({}, std::move(slowRouter));
  Client impatient("127.0.0.1", server.port(), 200);
  int64_t start = testing::monoMs();
  r = impatient.get("/slow");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("timed out"), std::string::npos) << r.status().message();
  EXPECT_LT(testing::monoMs() - start, 700);
  impatient.close();
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpServerTest, NotFoundAndMethodNotAllowedAsJson) {
  TestServer server({}, basicRouter());
  Client client("127.0.0.1", server.port());
  Result<ClientResponse> r = client.get("/no/such/route");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->header("content-type"), "application/json");
  json body = json::parse(r->body);
  EXPECT_EQ(body["code"], 100404);
  EXPECT_TRUE(body["message"].is_string());

  r = client.request("DELETE", "/fast/1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(json::parse(r->body)["code"], 100405);
  // An error answer keeps the connection (it is not a refusal).
  EXPECT_EQ(r->header("connection"), "keep-alive");
  r = client.post("/fast/1", "with a body to skip");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 405);
  r = client.get("/fast/ok");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(server.stats().connectionsAccepted, 1u);
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpServerTest, DecodesPathAndQuery) {
  TestServer server({}, basicRouter());
  Client client("127.0.0.1", server.port());
  Result<ClientResponse> r = client.get("/decode/a%20b%2Bc?x=1+2&y=%41%26&flag&x=3");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  json body = json::parse(r->body);
  EXPECT_EQ(body["segment"], "a b+c");
  EXPECT_EQ(body["path"], "/decode/a b+c");
  EXPECT_EQ(body["query"], json::parse(R"([["x","1 2"],["y","A&"],["flag",""],["x","3"]])"));

  for (const char* bad : {"/decode/%zz", "/decode/a%00b", "/decode/x%2", "/decode/x?q=%0", "/decode/../x"}) {
    Client fresh("127.0.0.1", server.port());
    Result<ClientResponse> e = fresh.get(bad);
    ASSERT_TRUE(e.ok()) << bad;
    EXPECT_EQ(e->status, 400) << bad;
    EXPECT_EQ(json::parse(e->body)["code"], 100400) << bad;
  }
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpServerTest, HandlerExceptionIsAnInternalErrorWithoutItsText) {
  TestServer server({}, basicRouter());
  Client client("127.0.0.1", server.port());
  for (const char* target : {"/throw", "/throw-loop"}) {
    Result<ClientResponse> r = client.get(target);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 500);
    std::string id(r->header("x-request-id").value_or(""));
    json body = json::parse(r->body);
    EXPECT_EQ(body["code"], 100500);
    EXPECT_EQ(body["message"], "Internal error, ref " + id);
    EXPECT_EQ(r->body.find("secret"), std::string::npos);
  }
  // The server keeps serving on the same connection.
  Result<ClientResponse> ok = client.get("/fast/1");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(server.stop(), 0);
  bool logged = false;
  for (const auto& e : server.log().entries()) {
    if (e.level != LogLevel::kError) continue;
    for (const auto& [k, v] : e.fields) {
      if (k == "error" && v == "secret detail 42") logged = true;
    }
  }
  EXPECT_TRUE(logged) << server.log().dump();
}

TEST(HttpServerTest, AccessLogNamesTheRoutePatternNeverThePath) {
  TestServer server({}, basicRouter());
  Client client("127.0.0.1", server.port());
  Result<ClientResponse> r =
      client.get("/users/isvalidusertoken/TOKEN-SECRET-1?key=QUERY-SECRET-2", {{"user-token", "HEADER-SECRET-3"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "true");
  std::string id(r->header("x-request-id").value_or(""));
  Result<ClientResponse> missing = client.get("/missing/TOKEN-SECRET-4");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(server.stop(), 0);

  std::string dump = server.log().dump();
  for (const char* secret : {"TOKEN-SECRET", "QUERY-SECRET", "HEADER-SECRET"}) {
    EXPECT_EQ(dump.find(secret), std::string::npos) << dump;
  }
  int lines = 0;
  for (const auto& e : server.log().entries()) {
    if (e.message != "request") continue;
    ++lines;
    std::map<std::string, std::string> f(e.fields.begin(), e.fields.end());
    EXPECT_EQ(e.level, LogLevel::kInfo);
    EXPECT_EQ(f["method"], "GET");
    EXPECT_EQ(f["remote"], "127.0.0.1");
    EXPECT_FALSE(f["us"].empty());
    EXPECT_NE(f["bytes"], "0");
    if (f["id"] == id) {
      EXPECT_EQ(f["route"], "/users/isvalidusertoken/{token}");
      EXPECT_EQ(f["status"], "200");
    } else {
      EXPECT_EQ(f["route"], "-");
      EXPECT_EQ(f["status"], "404");
    }
  }
  EXPECT_EQ(lines, 2);
}

TEST(HttpServerTest, CorsPreflightAndSimpleRequests) {
  ServerConfig config;
  config.corsOrigins = {"https://app.example"};
  TestServer server(config, basicRouter());
  Client client("127.0.0.1", server.port());

  Result<ClientResponse> pre = client.request("OPTIONS", "/any/path/at/all",
                                              {{"Origin", "https://app.example"},
                                               {"Access-Control-Request-Method", "PUT"},
                                               {"Access-Control-Request-Headers", "content-type, user-token"}});
  ASSERT_TRUE(pre.ok());
  EXPECT_EQ(pre->status, 204);
  EXPECT_EQ(pre->header("access-control-allow-origin"), "https://app.example");
  EXPECT_EQ(pre->header("access-control-allow-headers"), "content-type, user-token");
  EXPECT_TRUE(pre->header("access-control-allow-methods").value_or("").find("PUT") != std::string_view::npos);
  EXPECT_EQ(pre->header("access-control-max-age"), "86400");
  EXPECT_EQ(pre->header("vary"), "Origin");
  EXPECT_FALSE(pre->header("access-control-allow-credentials"));

  Result<ClientResponse> denied = client.request(
      "OPTIONS", "/fast/1", {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "GET"}});
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->status, 204);
  for (const auto& [name, value] : denied->headers) EXPECT_NE(name.rfind("access-control-", 0), 0u) << name;

  Result<ClientResponse> simple = client.get("/fast/1", {{"Origin", "https://app.example"}});
  ASSERT_TRUE(simple.ok());
  EXPECT_EQ(simple->header("access-control-allow-origin"), "https://app.example");
  EXPECT_EQ(simple->header("access-control-expose-headers"), "X-Request-Id");
  EXPECT_FALSE(simple->header("access-control-allow-credentials"));

  Result<ClientResponse> other = client.get("/fast/1", {{"Origin", "https://evil.example"}});
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->header("access-control-allow-origin"));
  Result<ClientResponse> none = client.get("/fast/1");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->header("access-control-allow-origin"));
  EXPECT_EQ(server.stop(), 0);

  TestServer any({}, basicRouter());
  Client anyClient("127.0.0.1", any.port());
  Result<ClientResponse> star = anyClient.get("/fast/1", {{"Origin", "https://whoever.example"}});
  ASSERT_TRUE(star.ok());
  EXPECT_EQ(star->header("access-control-allow-origin"), "*");
  EXPECT_FALSE(star->header("vary"));
  EXPECT_EQ(any.stop(), 0);
}

TEST(HttpServerTest, Http10ClosesUnlessAskedToKeepAlive) {
  TestServer server({}, basicRouter());
  {
    RawSocket s(server.port());
    ASSERT_TRUE(s.send("GET /fast/1 HTTP/1.0\r\n\r\n"));
    auto r = s.readResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "1");
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_TRUE(s.waitClosed(5'000));
  }
  {
    RawSocket s(server.port());
    ASSERT_TRUE(s.send("GET /fast/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto r = s.readResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header("connection"), "keep-alive");
    ASSERT_TRUE(s.send("GET /fast/3 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    r = s.readResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "3");
  }
  {
    // HTTP/1.1 with Connection: close: answered, then closed; a request
    // pipelined after it is not run.
    RawSocket s(server.port());
    ASSERT_TRUE(s.send(get("/fast/4", "Connection: close\r\n") + get("/fast/5")));
    auto r = s.readResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "4");
    EXPECT_EQ(r->header("connection"), "close");
    std::string extra;
    EXPECT_TRUE(s.waitClosed(5'000, &extra));
    EXPECT_EQ(extra, "");
  }
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpServerTest, HalfClosedClientGetsEveryPipelinedAnswer) {
  TestServer server({}, basicRouter());
  RawSocket s(server.port());
  ASSERT_TRUE(s.send(get("/slow/1") + get("/fast/2") + get("/slow/3")));
  s.shutdownWrite();  // "that's all": answers are still wanted
  for (int i = 1; i <= 3; ++i) {
    auto r = s.readResponse();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->body, std::to_string(i));
    EXPECT_EQ(r->header("connection"), i == 3 ? "close" : "keep-alive");
  }
  EXPECT_TRUE(s.waitClosed(5'000));
  ASSERT_TRUE(testing::eventually([&] { return server.openConnections() == 0; }));
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpServerTest, UpgradeRequestsAreAnsweredThenClosed) {
  TestServer server({}, basicRouter());
  RawSocket s(server.port());
  ASSERT_TRUE(s.send(get("/fast/1", "Connection: Upgrade\r\nUpgrade: websocket\r\n") + "\x16\x03binary"));
  auto r = s.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "1");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(s.waitClosed(5'000));
  s.close();
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpServerTest, LanesRunWhereTheySay) {
  std::atomic<std::thread::id> loopLane{};
  std::atomic<std::thread::id> directLane{};
  Router r;
  r.add("GET", "/loop", [&](Request&) {
    loopLane = std::this_thread::get_id();
    return text("l");
  }, {.lane = Lane::kLoop});
  r.add("GET", "/direct", [&](Request&) {
    directLane = std::this_thread::get_id();
    return text("d");
  });
  TestServer server({}, std::move(r));
  Client client("127.0.0.1", server.port());
  ASSERT_TRUE(client.get("/loop").ok());
  ASSERT_TRUE(client.get("/direct").ok());
  EXPECT_EQ(loopLane.load(), server.loopThread());
  EXPECT_NE(directLane.load(), server.loopThread());
  EXPECT_NE(directLane.load(), std::thread::id());
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace ck::http
