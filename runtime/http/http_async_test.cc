// Asynchronous routes (Lane::kAsync): answers from other threads, request
// order under pipelining, dropped responders, clients that leave first, and
// shutdown with an answer still owed.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

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

// Responders parked by /park/{tag}, answered (or dropped) by the test.
class Parking {
 public:
  void park(std::string tag, Responder r, std::thread::id handlerThread) {
    std::lock_guard lock(mu_);
    parked_[tag] = std::move(r);
    handlerThreads_[tag] = handlerThread;
    ++count_;
    cv_.notify_all();
  }
  bool waitParked(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return count_ >= n; });
  }
  int count() {
    std::lock_guard lock(mu_);
    return count_;
  }
  Responder take(const std::string& tag) {
    std::lock_guard lock(mu_);
    Responder r = std::move(parked_.at(tag));
    parked_.erase(tag);
    return r;
  }
  std::thread::id handlerThread(const std::string& tag) {
    std::lock_guard lock(mu_);
    return handlerThreads_.at(tag);
  }
  // Answers `tag` from a thread of its own, as a JS worker would.
  void answerFromThread(const std::string& tag, std::string body) {
    Responder r = take(tag);
    std::thread([r = std::move(r), body = std::move(body)]() mutable { r.send(text(body)); }).join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Responder> parked_;
  std::map<std::string, std::thread::id> handlerThreads_;
  int count_ = 0;
};

// A background thread answering queued responders: a stand-in for a JS lane.
class Answerer {
 public:
  Answerer() : thread_([this] { run(); }) {}
  ~Answerer() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void push(Responder r, std::string body) {
    std::lock_guard lock(mu_);
    queue_.emplace_back(std::move(r), std::move(body));
    cv_.notify_all();
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      auto [r, body] = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      r.send(text(body));
      lock.lock();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<Responder, std::string>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

Router asyncRouter(Parking* parking, Answerer* answerer = nullptr) {
  Router r;
  r.addAsync("GET", "/park/{tag}", [parking](Request& req, Responder resp) {
    parking->park(req.pathParam("tag"), std::move(resp), std::this_thread::get_id());
  });
  r.addAsync("GET", "/now/{n}", [](Request& req, Responder resp) { resp.send(text(req.pathParam("n"))); });
  r.addAsync("GET", "/bg/{n}", [answerer](Request& req, Responder resp) {
    answerer->push(std::move(resp), req.pathParam("n"));
  });
  r.addAsync("GET", "/drop", [](Request&, Responder) {});
  r.addAsync("GET", "/throw", [](Request&, Responder) { throw std::runtime_error("async secret 17"); });
  r.addAsync("POST", "/size", [](Request& req, Responder resp) {
    resp.send(text(std::to_string(req.body.size())));
  });
  r.add("GET", "/sync/{n}", [](Request& req) { return text(req.pathParam("n")); });
  r.add("GET", "/loop/{n}", [](Request& req) { return text(req.pathParam("n")); }, {.lane = Lane::kLoop});
  return r;
}

std::string get(const std::string& target) { return "GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n"; }

TEST(HttpAsyncTest, AnswerSentFromAnotherThreadLater) {
  Parking parking;
  TestServer server({}, asyncRouter(&parking));
  RawSocket s(server.port());
  ASSERT_TRUE(s.send(get("/park/a")));
  ASSERT_TRUE(parking.waitParked(1));
  EXPECT_EQ(parking.handlerThread("a"), server.loopThread());
  parking.answerFromThread("a", "answer a");
  auto r = s.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "answer a");
  EXPECT_EQ(r->header("connection"), "keep-alive");
  EXPECT_EQ(r->header("x-request-id").value_or("").size(), 16u);
  // The connection serves the next request as usual.
  ASSERT_TRUE(s.send(get("/now/next")));
  r = s.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "next");
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpAsyncTest, BodyIsBufferedBeforeTheHandler) {
  Parking parking;
  TestServer server({}, asyncRouter(&parking));
  Client client("127.0.0.1", server.port());
  Result<ClientResponse> r = client.request("POST", "/size", {}, std::string(100'000, 'x'));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body, "100000");
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpAsyncTest, PipelinedAsyncAndSyncRoutesAnswerInRequestOrder) {
  Parking parking;
  TestServer server({}, asyncRouter(&parking));
  RawSocket s(server.port());
  ASSERT_TRUE(s.send(get("/park/1") + get("/sync/2") + get("/now/3") + get("/loop/4") + get("/park/5") +
                     get("/sync/6")));
  ASSERT_TRUE(parking.waitParked(1));
  // Nothing behind the owed answer runs or is written before it.
  EXPECT_FALSE(s.readable(100));
  EXPECT_EQ(parking.count(), 1);
  parking.answerFromThread("1", "1");
  ASSERT_TRUE(parking.waitParked(2));
  parking.answerFromThread("5", "5");
  for (int i = 1; i <= 6; ++i) {
    auto r = s.readResponse();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, std::to_string(i));
  }
  EXPECT_EQ(server.stats().requests, 6u);
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpAsyncTest, ConnectionsAreAnsweredIndependently) {
  Parking parking;
  TestServer server({}, asyncRouter(&parking));
  RawSocket first(server.port());
  RawSocket second(server.port());
  ASSERT_TRUE(first.send(get("/park/first")));
  ASSERT_TRUE(parking.waitParked(1));
  ASSERT_TRUE(second.send(get("/park/second")));
  ASSERT_TRUE(parking.waitParked(2));
  parking.answerFromThread("second", "2nd");
  auto r2 = second.readResponse();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "2nd");
  parking.answerFromThread("first", "1st");
  auto r1 = first.readResponse();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->body, "1st");
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpAsyncTest, DroppedResponderAnswers500) {
  Parking parking;
  TestServer server({}, asyncRouter(&parking));
  RawSocket s(server.port());
  struct Case {
    const char* target;
    const char* logged;
  } cases[] = {
      {"/drop", "dropped its responder"},
      {"/throw", "async secret 17"},
      {"/park/dropped-later", "dropped its responder"},
  };
  for (const Case& c : cases) {
    ASSERT_TRUE(s.send(get(c.target)));
    if (std::string(c.target) == "/park/dropped-later") {
      ASSERT_TRUE(parking.waitParked(1));
      std::thread([r = parking.take("dropped-later")]() mutable { Responder gone = std::move(r); }).join();
    }
    auto r = s.readResponse();
    ASSERT_TRUE(r) << c.target;
    EXPECT_EQ(r->status, 500) << c.target;
    json body = json::parse(r->body);
    EXPECT_EQ(body["code"], 100500);
    std::string id(r->header("x-request-id").value_or(""));
    EXPECT_EQ(body["message"], "Internal error, ref " + id) << c.target;
    EXPECT_EQ(body["message"].get<std::string>().find("secret"), std::string::npos);
    EXPECT_TRUE(eventually([&] { return server.log().dump().find(c.logged) != std::string::npos; })) << c.target;
    EXPECT_EQ(r->header("connection"), "keep-alive");  // the connection goes on
  }
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpAsyncTest, ASecondSendAndAMovedFromResponderDoNothing) {
  Parking parking;
  TestServer server({}, asyncRouter(&parking));
  RawSocket s(server.port());
  ASSERT_TRUE(s.send(get("/park/x") + get("/now/after")));
  ASSERT_TRUE(parking.waitParked(1));
  Responder r = parking.take("x");
  Responder moved = std::move(r);
  EXPECT_FALSE(r);  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_TRUE(moved);
  moved.send(text("once"));
  EXPECT_FALSE(moved);
  moved.send(text("twice"));
  r.send(text("never"));
  auto first = s.readResponse();
  auto second = s.readResponse();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "once");
  EXPECT_EQ(second->body, "after");
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpAsyncTest, ClientGoneBeforeTheAnswerDropsIt) {
  Parking parking;
  TestServer server({}, asyncRouter(&parking));
  {
    RawSocket s(server.port());
    ASSERT_TRUE(s.send(get("/park/gone")));
    ASSERT_TRUE(parking.waitParked(1));
    linger hard{1, 0};  // close with a reset: the server sees the connection die
    ::setsockopt(s.fd(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  }
  // The connection is freed although its answer is still owed.
  ASSERT_TRUE(eventually([&] { return server.openConnections() == 0; }));
  EXPECT_TRUE(eventually([&] { return server.log().dump().find("status=499") != std::string::npos; }));
  parking.answerFromThread("gone", "too late");  // discarded
  // The server is unharmed.
  RawSocket s(server.port());
  ASSERT_TRUE(s.send(get("/now/fine")));
  auto r = s.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "fine");
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpAsyncTest, ClientHalfCloseStillGetsTheAnswer) {
  Parking parking;
  TestServer server({}, asyncRouter(&parking));
  RawSocket s(server.port());
  ASSERT_TRUE(s.send(get("/park/half")));
  ASSERT_TRUE(parking.waitParked(1));
  s.shutdownWrite();
  parking.answerFromThread("half", "still here");
  auto r = s.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "still here");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(s.waitClosed(5'000));
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpAsyncTest, ShutdownWaitsForAnOwedAnswer) {
  Parking parking;
  ServerConfig config;
  config.shutdownGraceMs = 10'000;
  TestServer server(config, asyncRouter(&parking));
  RawSocket s(server.port());
  ASSERT_TRUE(s.send(get("/park/inflight")));
  ASSERT_TRUE(parking.waitParked(1));
  server.beginShutdown();
  // The listener goes at once; the connection waits for its answer.
  ASSERT_TRUE(eventually([&] { return RawSocket(server.port()).fd() < 0; }));
  EXPECT_FALSE(server.shutdownDone());
  parking.answerFromThread("inflight", "finished");
  auto r = s.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "finished");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(s.waitClosed(5'000));
  s.close();
  EXPECT_TRUE(eventually([&] { return server.shutdownDone(); }));
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpAsyncTest, ShutdownGivesUpOnAnOwedAnswerAtTheGraceDeadline) {
  Parking parking;
  ServerConfig config;
  config.shutdownGraceMs = 200;
  TestServer server(config, asyncRouter(&parking));
  RawSocket s(server.port());
  ASSERT_TRUE(s.send(get("/park/never")));
  ASSERT_TRUE(parking.waitParked(1));
  int64_t start = testing::monoMs();
  server.beginShutdown();
  std::string extra;
  EXPECT_TRUE(s.waitClosed(5'000, &extra));
  EXPECT_EQ(extra, "");  // cut, not answered
  // The loop closes clean although the Responder is still held...
  EXPECT_EQ(server.stop(), 0);
  EXPECT_GE(testing::monoMs() - start, 150);
  EXPECT_NE(server.log().dump().find("status=499"), std::string::npos);
  // ...and answering after the server is gone is harmless.
  parking.answerFromThread("never", "after the end");
}

TEST(HttpAsyncTest, ManyClientsAnsweredFromABackgroundThread) {
  Parking parking;
  Answerer answerer;
  TestServer server({}, asyncRouter(&parking, &answerer));
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      Client client("127.0.0.1", server.port());
      for (int i = 0; i < 50; ++i) {
        std::string n = std::to_string(t * 1000 + i);
        const char* kinds[] = {"/bg/", "/sync/", "/now/"};
        Result<ClientResponse> r = client.get(kinds[i % 3] + n);
        if (r.ok() && r->status == 200 && r->body == n) ++ok;
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok.load(), 200);
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace ck::http
