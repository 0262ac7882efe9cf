// The files REST API end to end over HTTP against the server core started
// in-process (issue 5 item 2): upload (multipart, streamed), save (base64),
// download (streamed, with ranges), listing with pattern/sub/paging, exists,
// count, create directory, copy, move, rename, delete; a policy that grants
// a role files:/menus and nothing else (a deeper DENY on files:/menus/secret);
// doubled slashes normalised before the decision; ".." and friends refused
// with 400 before the disk is touched; the size limit answered 413 before the
// body is read; and `cloudkeep dev` loading the app folder's files/.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "services/app.h"
#include "services/host.h"
#include "tests/integration/in_process_server.h"

namespace ck::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr size_t kMaxFileBytes = 4u << 20;  // the test server's limit
constexpr const char* kBoundary = "ck-test-boundary-7MA4YWxkTrZu0gW";

constexpr const char* kPolicy = R"({
  "name": "kitchen",
  "roles": ["Chef"],
  "rules": [
    { "grant": ["read", "write", "delete", "list"], "roles": ["Chef"], "on": "files:/menus" },
    { "deny": ["read", "write", "delete", "list"], "roles": ["Chef"], "on": "files:/menus/secret" }
  ]
})";

json parse(const HttpResult& r) { return json::parse(r.body, nullptr, /*allow_exceptions=*/false); }

int codeOf(const HttpResult& r) {
  json body = parse(r);
  return body.is_object() && body.contains("code") && body["code"].is_number() ? body["code"].get<int>() : 0;
}

std::string multipart(const std::string& content, const std::string& field = "file",
                      const std::string& filename = "upload.bin") {
  return std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored\r\n" +
         "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\"" + filename +
         "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n--" + kBoundary + "--\r\n";
}

std::string base64(const std::string& in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int k = 3; k >= 0; --k) out.push_back(kAlphabet[(n >> (6 * k)) & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t n = static_cast<unsigned char>(in[i]) << 16;
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

std::string pattern(size_t n) {
  std::string s(n, '\0');
  uint32_t x = 99;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245 + 12345;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

std::vector<std::string> names(const json& listing) {
  std::vector<std::string> out;
  for (const json& e : listing) out.push_back(e.value("name", ""));
  return out;
}

class FilesHttpTest : public InProcessServerTest {
 protected:
  void configure(runtime::Config& config) override {
    config.passwordOpsLimit = 1;
    config.passwordMemBytes = 8u << 10;
    config.maxFileBytes = kMaxFileBytes;
  }

  void SetUp() override {
    InProcessServerTest::SetUp();
    HttpResult created = call("POST", "/admin/apps", R"({"name": "kitchen"})");
    ASSERT_EQ(created.status, 201) << created.body;
    json app = parse(created);
    appId_ = app["id"];
    key_ = app["keys"]["JS"];
    HttpResult applied = call("PUT", "/admin/apps/" + appId_ + "/policy", kPolicy);
    ASSERT_EQ(applied.status, 200) << applied.body;

    HttpResult reg = client("POST", "/users/register", R"({"email":"chef@example.com","password":"pw-123456"})",
                            {{"Content-Type", "application/json"}});
    ASSERT_EQ(reg.status, 200) << reg.body;
    const std::string userId = parse(reg)["objectId"];
    HttpResult role = call("PUT", "/admin/apps/" + appId_ + "/users/" + userId + "/roles/Chef");
    ASSERT_EQ(role.status, 200) << role.body;
    HttpResult in = client("POST", "/users/login", R"({"login":"chef@example.com","password":"pw-123456"})",
                           {{"Content-Type", "application/json"}});
    ASSERT_EQ(in.status, 200) << in.body;
    token_ = parse(in)["user-token"];
  }

  std::string base() const { return "/" + appId_ + "/" + key_; }
  std::string filesDir() const { return dir_.path() + "/data/apps/" + appId_ + "/files"; }
  // The URL the server answers for a path (the test client sends Host: 127.0.0.1).
  std::string url(const std::string& path) const { return "http://127.0.0.1" + base() + "/files" + path; }

  // A client request under /<appId>/<JS key>; `rest` starts with "/".
  HttpResult client(const std::string& method, const std::string& rest, const std::string& body = "",
                    Headers headers = {}) {
    return httpCall(server_->port(), method, base() + rest, headers, body, 20'000);
  }
  // The same as the signed-in chef.
  HttpResult chef(const std::string& method, const std::string& rest, const std::string& body = "",
                  Headers headers = {}) {
    headers.emplace_back("user-token", token_);
    return client(method, rest, body, std::move(headers));
  }
  HttpResult upload(const std::string& path, const std::string& content, const std::string& query = "",
                    bool signedIn = true) {
    Headers h{{"Content-Type", std::string("multipart/form-data; boundary=") + kBoundary}};
    std::string rest = "/files" + path + query;
    return signedIn ? chef("POST", rest, multipart(content), h) : client("POST", rest, multipart(content), h);
  }
  HttpResult chefJson(const std::string& method, const std::string& rest, const json& body) {
    return chef(method, rest, body.dump(), {{"Content-Type", "application/json"}});
  }
  // Past the policy, as the admin.
  void plant(const std::string& path, const std::string& content) {
    services::App* app = server_->host().app(appId_);
    ASSERT_NE(app, nullptr);
    services::CallInfo call;
    call.channel = services::Channel::kAdmin;
    ASSERT_TRUE(app->files().save(services::Principal::admin(), call, path, content, true).ok());
  }

  std::string appId_;
  std::string key_;
  std::string token_;
};

TEST_F(FilesHttpTest, UploadListDownloadRoundTrip) {
  HttpResult up = upload("/menus/today.txt", "soup of the day\n");
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(parse(up), (json{{"fileURL", url("/menus/today.txt")}}));

  HttpResult got = chef("GET", "/files/menus/today.txt");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.body, "soup of the day\n");
  EXPECT_EQ(got.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(got.header("content-length"), "16");
  EXPECT_EQ(got.header("accept-ranges"), "bytes");
  EXPECT_EQ(got.header("x-content-type-options"), "nosniff");

  // Ranges: one part, the tail, and past the end.
  HttpResult part = chef("GET", "/files/menus/today.txt", "", {{"Range", "bytes=0-3"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, "soup");
  EXPECT_EQ(part.header("content-range"), "bytes 0-3/16");
  HttpResult tail = chef("GET", "/files/menus/today.txt", "", {{"Range", "bytes=-4"}});
  EXPECT_EQ(tail.status, 206);
  EXPECT_EQ(tail.body, "day\n");
  HttpResult rest = chef("GET", "/files/menus/today.txt", "", {{"Range", "bytes=12-"}});
  EXPECT_EQ(rest.status, 206);
  EXPECT_EQ(rest.body, "day\n");
  EXPECT_EQ(rest.header("content-range"), "bytes 12-15/16");
  HttpResult past = chef("GET", "/files/menus/today.txt", "", {{"Range", "bytes=16-"}});
  EXPECT_EQ(past.status, 416);
  EXPECT_EQ(past.header("content-range"), "bytes */16");
  HttpResult several = chef("GET", "/files/menus/today.txt", "", {{"Range", "bytes=0-1,3-4"}});
  EXPECT_EQ(several.status, 200);  // several ranges: the whole file
  EXPECT_EQ(several.body.size(), 16u);

  // A file of some megabytes streams both ways.
  const std::string big = pattern(3u << 20);
  ASSERT_EQ(upload("/menus/big.bin", big).status, 200);
  HttpResult bigBack = chef("GET", "/files/menus/big.bin");
  ASSERT_EQ(bigBack.status, 200);
  EXPECT_EQ(bigBack.header("content-type"), "application/octet-stream");
  EXPECT_TRUE(bigBack.body == big) << bigBack.body.size();

  // Listing: a directory's GET, with the shape the SDK reads.
  ASSERT_EQ(upload("/menus/week/mon.txt", "mon").status, 200);
  HttpResult listed = chef("GET", "/files/menus");
  ASSERT_EQ(listed.status, 200) << listed.body;
  json entries = parse(listed);
  ASSERT_TRUE(entries.is_array());
  EXPECT_EQ(names(entries), (std::vector<std::string>{"big.bin", "today.txt", "week"}));
  const json& today = entries[1];
  EXPECT_EQ(today["size"], 16);
  EXPECT_EQ(today["url"], "menus/today.txt");
  EXPECT_EQ(today["publicUrl"], url("/menus/today.txt"));
  EXPECT_TRUE(today["createdOn"].is_number());
  EXPECT_EQ(names(parse(chef("GET", "/files/menus?pattern=*.txt"))), (std::vector<std::string>{"today.txt"}));
  EXPECT_EQ(names(parse(chef("GET", "/files/menus/?pattern=*.txt&sub=true"))),
            (std::vector<std::string>{"today.txt", "mon.txt"}));
  EXPECT_EQ(names(parse(chef("GET", "/files/menus?sub=true&pagesize=2&offset=2"))),
            (std::vector<std::string>{"week", "mon.txt"}));
  HttpResult tooBig = chef("GET", "/files/menus?pagesize=101");
  EXPECT_EQ(tooBig.status, 400);
  EXPECT_EQ(codeOf(tooBig), 1025);
  EXPECT_EQ(chef("GET", "/files/menus?pagesize=-1").status, 400);
  EXPECT_EQ(chef("GET", "/files/menus?sub=maybe").status, 400);

  // exists and count, as the SDK asks.
  EXPECT_EQ(chef("GET", "/files/menus/today.txt?action=exists").body, "true");
  EXPECT_EQ(chef("GET", "/files/menus/nope.txt?action=exists").body, "false");
  EXPECT_EQ(chef("GET", "/files/menus?action=count&pattern=*&sub=true&countDirectories=false").body, "3");
  EXPECT_EQ(chef("GET", "/files/menus?action=count&pattern=*&sub=true&countDirectories=true").body, "4");
  EXPECT_EQ(chef("GET", "/files/menus?action=count&pattern=*.txt&sub=false").body, "1");
  EXPECT_EQ(chef("GET", "/files/menus?action=delete").status, 400);
}

TEST_F(FilesHttpTest, SaveDirectoryCopyMoveRenameDelete) {
  // saveFile: base64 text, answered with the URL as a JSON string.
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  HttpResult saved = chef("PUT", "/files/binary/menus/bin/all.bin", base64(bytes), {{"Content-Type", "text/plain"}});
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(parse(saved), url("/menus/bin/all.bin"));
  HttpResult back = chef("GET", "/files/menus/bin/all.bin");
  EXPECT_TRUE(back.body == bytes);
  HttpResult again = chef("PUT", "/files/binary/menus/bin/all.bin?overwrite=false", base64("x"));
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(codeOf(again), 6003);
  // Line breaks are fine; other characters are not.
  EXPECT_EQ(chef("PUT", "/files/binary/menus/bin/wrapped.txt", "aGVs\r\nbG8=\r\n").status, 200);
  EXPECT_EQ(chef("GET", "/files/menus/bin/wrapped.txt").body, "hello");
  EXPECT_EQ(chef("PUT", "/files/binary/menus/bin/bad.txt", "not base64!").status, 400);
  EXPECT_FALSE(fs::exists(filesDir() + "/menus/bin/bad.txt"));

  // Create a directory: POST with a trailing slash.
  HttpResult made = chef("POST", "/files/menus/week/");
  ASSERT_EQ(made.status, 200) << made.body;
  EXPECT_TRUE(fs::is_directory(filesDir() + "/menus/week"));

  ASSERT_EQ(upload("/menus/today.txt", "soup").status, 200);
  HttpResult taken = upload("/menus/today.txt", "stew");
  EXPECT_EQ(taken.status, 409);
  EXPECT_EQ(codeOf(taken), 6003);
  EXPECT_EQ(upload("/menus/today.txt", "stew", "?overwrite=true").status, 200);
  EXPECT_EQ(chef("GET", "/files/menus/today.txt").body, "stew");

  // Copy and move into a directory; rename in place.
  HttpResult copied = chefJson("PUT", "/files/copy", {{"sourcePath", "/menus/today.txt"}, {"targetPath", "/menus/archive"}});
  ASSERT_EQ(copied.status, 200) << copied.body;
  EXPECT_EQ(parse(copied), url("/menus/archive/today.txt"));
  HttpResult copiedAgain =
      chefJson("PUT", "/files/copy", {{"sourcePath", "/menus/today.txt"}, {"targetPath", "/menus/archive"}});
  EXPECT_EQ(codeOf(copiedAgain), 6018);
  HttpResult moved = chefJson("PUT", "/files/move", {{"sourcePath", "/menus/archive/today.txt"}, {"targetPath", "/menus/week"}});
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(parse(moved), url("/menus/week/today.txt"));
  HttpResult renamed = chefJson("PUT", "/files/rename", {{"oldPathName", "/menus/week/today.txt"}, {"newName", "monday.txt"}});
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(parse(renamed), url("/menus/week/monday.txt"));
  EXPECT_EQ(chef("GET", "/files/menus/week/monday.txt").body, "stew");
  EXPECT_EQ(chefJson("PUT", "/files/rename", {{"oldPathName", "/menus/week/monday.txt"}}).status, 400);
  EXPECT_EQ(chef("PUT", "/files/move", "not json").status, 400);

  // Delete: a file answers 1, a directory how many entries went.
  HttpResult removed = chef("DELETE", "/files/menus/today.txt");
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(removed.body, "1");
  HttpResult gone = chef("DELETE", "/files/menus/today.txt");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(codeOf(gone), 6000);
  EXPECT_EQ(chef("GET", "/files/menus/today.txt").status, 404);
  EXPECT_EQ(chef("DELETE", "/files/menus/week").body, "2");  // the folder and monday.txt
  EXPECT_FALSE(fs::exists(filesDir() + "/menus/week"));

  // Not (yet) supported: 501.
  EXPECT_EQ(chefJson("POST", "/files/menus/x.txt", {{"url", "http://example.com/x.txt"}}).status, 501);
  EXPECT_EQ(chef("PUT", "/files/append/binary/menus/x.txt", "eA==").status, 501);
}

TEST_F(FilesHttpTest, DeniedOutsideTheGrantedPrefix) {
  plant("/drinks/wine.txt", "red");
  plant("/menus/secret/recipe.txt", "salt");
  auto expectDenied = [](const HttpResult& r, const std::string& what) {
    EXPECT_EQ(r.status, 403) << what << ": " << r.body;
    EXPECT_EQ(codeOf(r), 4000) << what;
  };
  expectDenied(upload("/drinks/beer.txt", "x"), "upload outside");
  expectDenied(upload("/menus2/x.txt", "x"), "a string prefix is not a path prefix");
  expectDenied(upload("/menus/secret/x.txt", "x"), "upload under the deeper deny");
  expectDenied(chef("GET", "/files/drinks/wine.txt"), "download outside");
  expectDenied(chef("GET", "/files/drinks/nope.txt"), "a missing file outside: the same answer");
  expectDenied(chef("GET", "/files/"), "listing the root");
  expectDenied(chef("GET", "/files/drinks?action=exists"), "exists outside");
  expectDenied(chef("GET", "/files/drinks?action=count"), "count outside");
  expectDenied(chef("DELETE", "/files/drinks/wine.txt"), "delete outside");
  expectDenied(chef("PUT", "/files/binary/drinks/x.bin", base64("x")), "save outside");
  expectDenied(chef("POST", "/files/drinks/new/"), "create a directory outside");
  expectDenied(chefJson("PUT", "/files/copy", {{"sourcePath", "/drinks/wine.txt"}, {"targetPath", "/menus"}}),
               "copy from outside");
  expectDenied(chefJson("PUT", "/files/copy", {{"sourcePath", "/menus/secret/recipe.txt"}, {"targetPath", "/menus"}}),
               "copy from the deeper deny");
  expectDenied(chefJson("PUT", "/files/move", {{"sourcePath", "/menus/secret"}, {"targetPath", "/menus/open"}}),
               "move the denied folder");
  expectDenied(chef("DELETE", "/files/menus"), "delete a folder holding a denied one");
  // Without a signed-in user the role is not there.
  expectDenied(upload("/menus/anon.txt", "x", "", false), "anonymous upload");
  expectDenied(client("GET", "/files/menus/secret/recipe.txt"), "anonymous download");

  // Nothing was written or removed.
  EXPECT_FALSE(fs::exists(filesDir() + "/drinks/beer.txt"));
  EXPECT_FALSE(fs::exists(filesDir() + "/menus2"));
  EXPECT_FALSE(fs::exists(filesDir() + "/menus/secret/x.txt"));
  EXPECT_FALSE(fs::exists(filesDir() + "/drinks/new"));
  EXPECT_FALSE(fs::exists(filesDir() + "/menus/anon.txt"));
  EXPECT_TRUE(fs::exists(filesDir() + "/drinks/wine.txt"));
  EXPECT_TRUE(fs::exists(filesDir() + "/menus/secret/recipe.txt"));

  // The listing of the granted folder does not show the denied one.
  plant("/menus/open.txt", "o");
  EXPECT_EQ(names(parse(chef("GET", "/files/menus?sub=true"))), (std::vector<std::string>{"open.txt"}));
}

TEST_F(FilesHttpTest, DoubledSlashesAreNormalisedBeforeTheDecision) {
  // Into the granted prefix...
  HttpResult up = upload("//menus///today.txt", "soup");
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(parse(up)["fileURL"], url("/menus/today.txt"));
  EXPECT_EQ(chef("GET", "/files//menus//today.txt").body, "soup");
  EXPECT_EQ(chef("GET", "/files/menus//today.txt?action=exists").body, "true");
  // ... and into a denied one.
  plant("/menus/secret/recipe.txt", "salt");
  for (const std::string path : {"/files/menus//secret/recipe.txt", "/files//menus/secret//recipe.txt",
                                  "/files/menus///secret///recipe.txt"}) {
    HttpResult r = chef("GET", path);
    EXPECT_EQ(r.status, 403) << path;
    EXPECT_EQ(codeOf(r), 4000) << path;
  }
  HttpResult w = upload("/menus//secret//x.txt", "x");
  EXPECT_EQ(codeOf(w), 4000);
  EXPECT_FALSE(fs::exists(filesDir() + "/menus/secret/x.txt"));
}

TEST_F(FilesHttpTest, DotSegmentsAndBadBytesAreRefusedBeforeTheDisk) {
  const std::string b = base();
  Headers h{{"user-token", token_}, {"Content-Type", std::string("multipart/form-data; boundary=") + kBoundary}};
  // Refused by the HTTP server (400, 100400) whatever the route: ".", "..",
  // their percent-encoded forms (decoded before routing), and a NUL byte.
  for (const std::string rest : {"/files/menus/../drinks/x.txt", "/files/menus/%2e%2e/drinks/x.txt",
                                  "/files/menus/%2E%2E/drinks/x.txt", "/files/menus/.%2e/drinks/x.txt",
                                  "/files/menus/..%2fdrinks/x.txt", "/files/menus/%2e%2e%2fdrinks%2fx.txt",
                                  "/files/menus/./x.txt", "/files/menus/%2e/x.txt", "/files/menus/x%00.txt",
                                  "/files/../../../etc/passwd"}) {
    HttpResult r = httpCall(server_->port(), "POST", b + rest, h, multipart("x"));
    EXPECT_EQ(r.status, 400) << rest << ": " << r.body;
    EXPECT_EQ(codeOf(r), 100400) << rest;
    EXPECT_EQ(httpCall(server_->port(), "GET", b + rest, {{"user-token", token_}}, "").status, 400) << rest;
  }
  // Refused by the path rules (400, 6006): a backslash, control bytes, overlong names.
  for (const std::string& rest : std::vector<std::string>{"/files/menus/a%5cb.txt", "/files/menus/%5c..%5cx.txt", "/files/menus/a%01b.txt",
                                  "/files/menus/" + std::string(256, 'n') + ".txt", "/files/menus/bad%ff.txt",
                                  "/files/menus/.cktmp-abc"}) {
    HttpResult r = httpCall(server_->port(), "POST", b + rest, h, multipart("x"));
    EXPECT_EQ(r.status, 400) << rest << ": " << r.body;
    EXPECT_EQ(codeOf(r), 6006) << rest;
  }
  HttpResult renamed = chefJson("PUT", "/files/rename", {{"oldPathName", "/menus/x.txt"}, {"newName", "../x.txt"}});
  EXPECT_EQ(codeOf(renamed), 6006);
  HttpResult moved = chefJson("PUT", "/files/move", {{"sourcePath", "/menus/x.txt"}, {"targetPath", "/menus/../drinks"}});
  EXPECT_EQ(codeOf(moved), 6006);
  // Nothing reached the disk: not even the app's files folder holds anything.
  EXPECT_TRUE(!fs::exists(filesDir()) || fs::is_empty(filesDir()));
}

// Sends a request head and reads what comes back within `ms`, without ever
// sending the body the head announces.
std::string headOnly(int port, const std::string& head, int ms) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string got;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, head.data(), head.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(head.size())) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    char buf[4096];
    while (got.find("\r\n\r\n") == std::string::npos || got.find('}') == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return got;
}

TEST_F(FilesHttpTest, SizeLimitIsAnswered413BeforeTheBodyIsRead) {
  // A declared body past the limit: answered at once, with no byte of it sent.
  for (const std::string route : {"/files/menus/huge.bin", "/files/binary/menus/huge.bin"}) {
    std::string head = (route.find("binary") != std::string::npos ? "PUT " : "POST ") + base() + route +
                       " HTTP/1.1\r\nHost: 127.0.0.1\r\nuser-token: " + token_ +
                       "\r\nContent-Type: multipart/form-data; boundary=" + kBoundary +
                       "\r\nContent-Length: " + std::to_string(64u << 20) + "\r\n\r\n";
    std::string answer = headOnly(server_->port(), head, 5'000);
    EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << route << ": " << answer;
    EXPECT_NE(answer.find("100413"), std::string::npos) << answer;
  }
  // A file past the limit inside a body that is not: 413 once the limit is
  // passed, and nothing is left behind.
  HttpResult over = upload("/menus/over.bin", std::string(kMaxFileBytes + 1, 'o'));
  EXPECT_EQ(over.status, 413) << over.body;
  EXPECT_EQ(codeOf(over), 100413);
  EXPECT_FALSE(fs::exists(filesDir() + "/menus/over.bin"));
  EXPECT_TRUE(fs::is_empty(filesDir() + "/menus"));  // no temp file either
  // Exactly the limit is fine.
  EXPECT_EQ(upload("/menus/exact.bin", std::string(kMaxFileBytes, 'e')).status, 200);
  EXPECT_EQ(fs::file_size(filesDir() + "/menus/exact.bin"), kMaxFileBytes);
}

TEST_F(FilesHttpTest, MalformedUploads) {
  Headers multi{{"Content-Type", std::string("multipart/form-data; boundary=") + kBoundary}};
  HttpResult noField = chef("POST", "/files/menus/x.txt", multipart("x", "other"), multi);
  EXPECT_EQ(noField.status, 400) << noField.body;
  EXPECT_NE(noField.body.find("\\\"file\\\""), std::string::npos) << noField.body;
  HttpResult plain = chef("POST", "/files/menus/x.txt", "x", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(plain.status, 415);
  HttpResult noBoundary = chef("POST", "/files/menus/x.txt", "x", {{"Content-Type", "multipart/form-data"}});
  EXPECT_EQ(noBoundary.status, 400);
  std::string cut = multipart("content");
  cut.resize(cut.size() - 10);
  HttpResult truncated = chef("POST", "/files/menus/x.txt", cut, multi);
  EXPECT_EQ(truncated.status, 400);
  EXPECT_EQ(chef("POST", "/files/menus/x.txt?overwrite=perhaps", multipart("x"), multi).status, 400);
  EXPECT_FALSE(fs::exists(filesDir() + "/menus/x.txt"));
}

// `cloudkeep dev` loads the app folder's files/ into file storage when the
// seeds load (a new data folder, or --reseed), and says how many.
TEST(FilesDev, DevLoadsTheAppFoldersFiles) {
  using namespace std::chrono_literals;
  TempDir dir;
  const std::string app = dir.path() + "/app";
  fs::create_directories(app + "/files/public/sub");
  fs::create_directories(app + "/files/empty");
  auto write = [](const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  };
  write(app + "/cloudkeep.json", R"({"name": "filesdev", "rules": [
    { "grant": ["read", "list"], "roles": ["NotAuthenticatedUser"], "on": "files:/public" }]})");
  write(app + "/files/public/welcome.txt", "welcome\n");
  write(app + "/files/public/sub/menu.json", "[]");
  write(dir.path() + "/secret.txt", "not for clients");
  fs::create_symlink(dir.path() + "/secret.txt", app + "/files/public/link.txt");

  struct Dev {
    Dev(const std::string& app, const std::string& prefix, std::vector<std::string> extra = {}) {
      fs::remove(app + "/.cloudkeep/dev.json");
      std::vector<std::string> args = {"dev", app, "--port", "0"};
      args.insert(args.end(), extra.begin(), extra.end());
      process.emplace(cloudkeepBinary(), args, prefix);
      ready = waitFor([&] { return !readFile(app + "/.cloudkeep/dev.json").empty(); }, 30s);
    }
    int stop() {
      process->signal(SIGINT);
      return process->wait(20s);
    }
    std::optional<ChildProcess> process;
    bool ready = false;
  };
  {
    Dev dev(app, dir.path() + "/dev1");
    ASSERT_TRUE(dev.ready) << dev.process->stderrText();
    EXPECT_NE(dev.process->stdoutText().find("files/: 2 files loaded into file storage"), std::string::npos)
        << dev.process->stdoutText();
    EXPECT_NE(dev.process->stderrText().find("files/public/link.txt: a symlink, not loaded"), std::string::npos)
        << dev.process->stderrText();
    json info = json::parse(readFile(app + "/.cloudkeep/dev.json"));
    const std::string base = "/" + info["appId"].get<std::string>() + "/" + info["keys"]["JS"].get<std::string>();
    const int port = portOf(info["url"]);
    HttpResult got = httpCall(port, "GET", base + "/files/public/welcome.txt", {}, "");
    EXPECT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.body, "welcome\n");
    EXPECT_EQ(httpCall(port, "GET", base + "/files/public/sub/menu.json", {}, "").body, "[]");
    EXPECT_EQ(httpCall(port, "GET", base + "/files/public/link.txt", {}, "").status, 404);
    EXPECT_EQ(httpCall(port, "GET", base + "/files/empty?action=exists", {}, "").status, 403);  // not granted
    ASSERT_EQ(dev.stop(), 0) << dev.process->stderrText();
  }
  write(app + "/files/public/welcome.txt", "welcome again\n");
  {
    Dev dev(app, dir.path() + "/dev2");  // seeds loaded before: files are not loaded again
    ASSERT_TRUE(dev.ready) << dev.process->stderrText();
    EXPECT_EQ(dev.process->stdoutText().find("loaded into file storage"), std::string::npos);
    ASSERT_EQ(dev.stop(), 0);
  }
  {
    Dev dev(app, dir.path() + "/dev3", {"--reseed"});
    ASSERT_TRUE(dev.ready) << dev.process->stderrText();
    EXPECT_NE(dev.process->stdoutText().find("files/: 2 files loaded"), std::string::npos);
    ASSERT_EQ(dev.stop(), 0);
  }
  json info = json::parse(readFile(app + "/.cloudkeep/dev.json"));
  EXPECT_EQ(readFile(app + "/.cloudkeep/apps/" + info["appId"].get<std::string>() + "/files/public/welcome.txt"),
            "welcome again\n");
  EXPECT_TRUE(fs::is_directory(app + "/.cloudkeep/apps/" + info["appId"].get<std::string>() + "/files/empty"));
}

}  // namespace
}  // namespace ck::testing
