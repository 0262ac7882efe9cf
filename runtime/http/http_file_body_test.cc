// File-backed response bodies (Response::file): sent in chunks read off the
// loop thread, with the file's Content-Length, a range of a file, HEAD, an
// empty file, a file that shrinks after its length was promised, and a
// client that goes away mid-download.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>

#include "runtime/http/client.h"
#include "runtime/http/test_server.h"

namespace ck::http {
namespace {

using testing::eventually;
using testing::RawSocket;
using testing::TestServer;

std::string pattern(size_t n) {
  std::string s(n, '\0');
  uint32_t x = 777;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245 + 12345;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

// A temp file holding `content`, removed by the destructor.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char name[] = "/tmp/ck-file-body-XXXXXX";
    int fd = ::mkstemp(name);
    EXPECT_GE(fd, 0);
    path_ = name;
    size_t done = 0;
    while (done < content.size()) {
      ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(fd);
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  // A new descriptor for reading, for a FileBody to own.
  int open() const { return ::open(path_.c_str(), O_RDONLY | O_CLOEXEC); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Response fileResponse(const TempFile& file, uint64_t offset, uint64_t length) {
  Response r;
  r.file = std::make_shared<const FileBody>(file.open(), offset, length);
  r.headers.emplace_back("Content-Type", "application/octet-stream");
  return r;
}

TEST(HttpFileBodyTest, SendsAWholeFileWithItsLength) {
  const std::string content = pattern(5 * 1024 * 1024 + 123);
  TempFile file(content);
  Router r;
  r.add("GET", "/file", [&](Request&) { return fileResponse(file, 0, content.size()); });
  r.add("GET", "/ok", [](Request&) {
    Response resp;
    resp.body = "ok";
    return resp;
  });
  TestServer server({}, std::move(r));

  Client client("127.0.0.1", server.port(), 20'000);
  Result<ClientResponse> got = client.get("/file");
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->header("content-length"), std::to_string(content.size()));
  EXPECT_TRUE(got->body == content) << "body differs, " << got->body.size() << " bytes";

  // Pipelined behind a file: answered in order on the same connection.
  RawSocket s(server.port());
  ASSERT_TRUE(s.send("GET /file HTTP/1.1\r\nHost: t\r\n\r\nGET /ok HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto first = s.readResponse(20'000);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body.size(), content.size());
  auto second = s.readResponse();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body, "ok");
  s.close();
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpFileBodyTest, SendsARangeOfAFile) {
  const std::string content = pattern(1'000'000);
  TempFile file(content);
  Router r;
  r.add("GET", "/part", [&](Request&) {
    Response resp = fileResponse(file, 300'000, 400'001);
    resp.status = 206;
    resp.headers.emplace_back("Content-Range", "bytes 300000-700000/1000000");
    return resp;
  });
  TestServer server({}, std::move(r));
  Client client("127.0.0.1", server.port(), 20'000);
  Result<ClientResponse> got = client.get("/part");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, 206);
  EXPECT_EQ(got->header("content-length"), "400001");
  EXPECT_TRUE(got->body == content.substr(300'000, 400'001));
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpFileBodyTest, HeadAndEmptyFiles) {
  TempFile file(pattern(4096));
  TempFile empty("");
  Router r;
  r.add("GET", "/file", [&](Request&) { return fileResponse(file, 0, 4096); });
  r.add("GET", "/empty", [&](Request&) { return fileResponse(empty, 0, 0); });
  TestServer server({}, std::move(r));
  Client client("127.0.0.1", server.port());  // one connection for both
  Result<ClientResponse> head = client.request("HEAD", "/file");
  ASSERT_TRUE(head.ok()) << head.status().message();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), "4096");
  EXPECT_TRUE(head->body.empty());
  Result<ClientResponse> none = client.get("/empty");
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_EQ(none->status, 200);
  EXPECT_EQ(none->header("content-length"), "0");
  EXPECT_TRUE(none->body.empty());
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpFileBodyTest, AFileShorterThanPromisedEndsTheConnection) {
  TempFile file(pattern(300'000));
  Router r;
  r.add("GET", "/short", [&](Request&) {
    Response resp = fileResponse(file, 0, 300'000);
    EXPECT_EQ(::truncate(file.path().c_str(), 1000), 0);  // shrinks after its length was taken
    return resp;
  });
  TestServer server({}, std::move(r));
  RawSocket s(server.port());
  ASSERT_TRUE(s.send("GET /short HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::string received;
  EXPECT_TRUE(s.waitClosed(5'000, &received));
  EXPECT_NE(received.find("Content-Length: 300000"), std::string::npos);
  EXPECT_LT(received.size(), 300'000u);
  s.close();
  ASSERT_TRUE(eventually([&] { return server.openConnections() == 0; }));
  EXPECT_EQ(server.stop(), 0);
  EXPECT_NE(server.log().dump().find("file body ended early"), std::string::npos);
}

TEST(HttpFileBodyTest, AClientThatLeavesMidDownloadLeavesNothingOpen) {
  // A large sparse file: nothing to write, much to send.
  TempFile file("");
  ASSERT_EQ(::truncate(file.path().c_str(), 256ll * 1024 * 1024), 0);
  std::atomic<int> served{0};
  Router r;
  r.add("GET", "/big", [&](Request&) {
    ++served;
    return fileResponse(file, 0, 256ull * 1024 * 1024);
  });
  TestServer server({}, std::move(r));
  for (int i = 0; i < 3; ++i) {
    RawSocket s(server.port());
    ASSERT_TRUE(s.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n"));
    ASSERT_TRUE(s.readable(5'000));
    s.close();  // after the first bytes, with most of the file unsent
  }
  EXPECT_EQ(served.load(), 3);
  ASSERT_TRUE(eventually([&] { return server.openConnections() == 0; }, 10'000));
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace ck::http
