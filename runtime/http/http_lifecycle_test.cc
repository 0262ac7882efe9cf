// Graceful shutdown: in-flight requests finish, idle connections close,
// stragglers are cut at the grace deadline, and the loop closes clean.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <vector>
#include <thread>

#include "runtime/http/client.h"
#include "runtime/http/test_server.h"

namespace ck::http {
namespace {

using testing::eventually;
using testing::monoMs;
using testing::RawSocket;
using testing::TestServer;

// A handler that waits until the test releases it.
struct Gate {
  std::atomic<int> entered{0};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
};

Router gatedRouter(Gate* gate) {
  Router r;
  r.add("GET", "/gated", [gate](Request&) {
    ++gate->entered;
    gate->released.wait();
    Response resp;
    resp.body = std::string(100'000, 'g');  // big enough to need several writes
    return resp;
  });
  r.add("GET", "/ok", [](Request&) {
    Response resp;
    resp.body = "ok";
    return resp;
  }, {.lane = Lane::kLoop});
  r.add("GET", "/sleep", [](Request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    Response resp;
    resp.body = "late";
    return resp;
  });
  r.add("POST", "/stream", [](Request& req) {
    char buf[4096];
    while (true) {
      Result<size_t> n = req.bodyStream->read(buf, sizeof buf);
      if (!n.ok()) return Response::error(n.status());
      if (*n == 0) break;
    }
    Response resp;
    resp.body = "read";
    return resp;
  }, {.streamBody = true});
  return r;
}

bool connectRefused(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool refused = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0;
  ::close(fd);
  return refused;
}

TEST(HttpLifecycleTest, ShutdownLetsTheRequestInFlightFinish) {
  Gate gate;
  ServerConfig config;
  config.shutdownGraceMs = 10'000;
  TestServer server(config, gatedRouter(&gate));
  RawSocket busy(server.port());
  RawSocket idle(server.port());
  ASSERT_TRUE(idle.send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(idle.readResponse());
  ASSERT_TRUE(busy.send("GET /gated HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(eventually([&] { return gate.entered.load() == 1; }));

  server.beginShutdown();
  // The listener closes and the idle connection goes at once.
  EXPECT_TRUE(eventually([&] { return connectRefused(server.port()); }));
  EXPECT_TRUE(idle.waitClosed(5'000));
  EXPECT_FALSE(server.shutdownDone());

  gate.release.set_value();
  auto r = busy.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), 100'000u);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(busy.waitClosed(5'000));
  busy.close();  // as a client does after `Connection: close`; ends the server's drain
  EXPECT_TRUE(eventually([&] { return server.shutdownDone(); }));
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpLifecycleTest, ShutdownWithNothingOpenIsImmediate) {
  ServerConfig config;
  config.shutdownGraceMs = 10'000;
  Gate gate;
  TestServer server(config, gatedRouter(&gate));
  {
    Client client("127.0.0.1", server.port());
    ASSERT_TRUE(client.get("/ok").ok());
  }
  RawSocket silent(server.port());  // connected, never sent a byte
  ASSERT_TRUE(eventually([&] { return server.openConnections() >= 1; }));
  int64_t start = monoMs();
  EXPECT_EQ(server.stop(), 0);
  EXPECT_LT(monoMs() - start, 3'000);
  EXPECT_TRUE(silent.waitClosed(1'000));
}

TEST(HttpLifecycleTest, ShutdownCutsStragglersAtTheGraceDeadline) {
  ServerConfig config;
  config.shutdownGraceMs = 200;
  Gate gate;
  TestServer server(config, gatedRouter(&gate));
  RawSocket slow(server.port());
  ASSERT_TRUE(slow.send("GET /sleep HTTP/1.1\r\nHost: t\r\n\r\n"));
  // A streaming handler blocked on a body that never comes.
  RawSocket stuck(server.port());
  ASSERT_TRUE(stuck.send("POST /stream HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\nabc"));
  ASSERT_TRUE(eventually([&] { return server.openConnections() == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  int64_t start = monoMs();
  server.beginShutdown();
  std::string extra;
  EXPECT_TRUE(stuck.waitClosed(5'000, &extra));
  EXPECT_EQ(extra, "");  // cut, not answered
  EXPECT_TRUE(slow.waitClosed(5'000));
  EXPECT_EQ(server.stop(), 0);  // waits for the sleeping handler to return
  EXPECT_GE(monoMs() - start, 150);
}

TEST(HttpLifecycleTest, PartialRequestDuringShutdownIsRefused) {
  ServerConfig config;
  config.shutdownGraceMs = 5'000;
  Gate gate;
  TestServer server(config, gatedRouter(&gate));
  RawSocket partial(server.port());
  ASSERT_TRUE(partial.send("GET /ok HTTP/1.1\r\nHost: t\r\n"));
  ASSERT_TRUE(eventually([&] { return server.openConnections() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  server.beginShutdown();
  auto r = partial.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->header("connection"), "close");
  partial.close();
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpLifecycleTest, ManyConnectionsAndRequestsThenCleanClose) {
  Gate gate;
  gate.release.set_value();
  TestServer server({}, gatedRouter(&gate), 4);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      Client client("127.0.0.1", server.port());
      for (int i = 0; i < 25; ++i) {
        Result<ClientResponse> r = client.get(i % 5 == 0 ? "/gated" : "/ok");
        if (r.ok() && r->status == 200) ++ok;
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok.load(), 100);
  EXPECT_EQ(server.stats().requests, 100u);
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpLifecycleTest, HundredsOfInterleavedConnections) {
  Gate gate;
  gate.release.set_value();
  TestServer server({}, gatedRouter(&gate), 4);
  std::vector<std::unique_ptr<RawSocket>> sockets;
  for (int i = 0; i < 200; ++i) {
    sockets.push_back(std::make_unique<RawSocket>(server.port()));
    ASSERT_GE(sockets.back()->fd(), 0);
  }
  // Every connection's two requests arrive in pieces, interleaved with the others'.
  std::string pair = "GET /gated HTTP/1.1\r\nHost: t\r\n\r\nGET /ok HTTP/1.1\r\nHost: t\r\n\r\n";
  size_t half = pair.size() / 2;
  for (auto& s : sockets) ASSERT_TRUE(s->send(pair.substr(0, half)));
  for (auto& s : sockets) ASSERT_TRUE(s->send(pair.substr(half)));
  for (auto& s : sockets) {
    auto first = s->readResponse(10'000);
    auto second = s->readResponse(10'000);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->body.size(), 100'000u);
    EXPECT_EQ(second->body, "ok");
  }
  EXPECT_EQ(server.openConnections(), 200u);
  sockets.clear();
  ASSERT_TRUE(eventually([&] { return server.openConnections() == 0; }));
  EXPECT_EQ(server.stats().requests, 400u);
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace ck::http
