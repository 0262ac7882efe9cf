// The streaming multipart/form-data parser: the boundary from Content-Type,
// the same events whatever the body's split into reads (every split point,
// and byte by byte), content that nearly holds the delimiter, preamble and
// epilogue, a missing field, a sink that refuses (oversize), malformed bodies.

#include "runtime/http/multipart.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ck::http {
namespace {

// Records what it is given, as one string per event; refuses content past
// `maxBytes` with kBodyTooLarge.
class RecordingSink : public PartSink {
 public:
  explicit RecordingSink(size_t maxBytes = SIZE_MAX) : maxBytes_(maxBytes) {}

  Status begin(const PartInfo& part) override {
    events.push_back("begin name=" + part.name + " filename=" + part.filename + " type=" + part.contentType);
    events.push_back("");
    return {};
  }
  Status data(const char* bytes, size_t n) override {
    bytes_ += n;
    if (bytes_ > maxBytes_) return Status(ErrorCode::kBodyTooLarge, "too large");
    events.back().append(bytes, n);  // one event per part's content, however it was split
    return {};
  }
  Status end() override {
    events.push_back("end");
    return {};
  }

  std::vector<std::string> events;

 private:
  size_t maxBytes_;
  size_t bytes_ = 0;
};

const std::string kBoundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

// Content that holds every prefix of the delimiter, but never all of it.
std::string trickyContent() {
  std::string delimiter = "\r\n--" + kBoundary;
  std::string out = "start";
  for (size_t i = 1; i < delimiter.size(); ++i) out += delimiter.substr(0, i) + "x";
  out += "--" + kBoundary;  // a boundary without its CRLF is content
  out += std::string("\0\xff\r\n\r\n", 6);
  return out;
}

std::string body() {
  return "this is the preamble\r\n"
         "--" + kBoundary + "\r\n"
         "Content-Disposition: form-data; name=\"title\"\r\n"
         "\r\n"
         "Today's menu\r\n"
         "--" + kBoundary + "  \r\n"  // transport padding
         "content-disposition: form-data; name=\"file\"; filename=\"menu \\\"today\\\".txt\"\r\n"
         "Content-Type: text/plain\r\n"
         "X-Other:\r\n"
         "  folded\r\n"
         "\r\n" +
         trickyContent() +
         "\r\n--" + kBoundary + "--\r\n"
         "this is the epilogue\r\n--" + kBoundary + "\r\n";
}

std::vector<std::string> expected() {
  return {"begin name=title filename= type=", "Today's menu", "end",
          "begin name=file filename=menu \"today\".txt type=text/plain", trickyContent(), "end"};
}

std::vector<std::string> parseIn(const std::vector<std::string>& pieces, Status* finished = nullptr) {
  RecordingSink sink;
  MultipartParser parser(kBoundary, sink);
  for (const std::string& piece : pieces) {
    Status s = parser.feed(piece);
    EXPECT_TRUE(s.ok()) << s.message();
  }
  Status f = parser.finish();
  if (finished) *finished = f;
  else EXPECT_TRUE(f.ok()) << f.message();
  return sink.events;
}

TEST(Multipart, BoundaryFromContentType) {
  EXPECT_EQ(*multipartBoundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(*multipartBoundary("Multipart/Form-Data;boundary=\"a b:c\""), "a b:c");
  EXPECT_EQ(*multipartBoundary("multipart/form-data; charset=utf-8; BOUNDARY=--x--"), "--x--");
  EXPECT_EQ(*multipartBoundary("multipart/form-data; boundary=" + kBoundary), kBoundary);
  EXPECT_EQ(multipartBoundary("application/json").status().code(), ErrorCode::kUnsupportedMediaType);
  EXPECT_EQ(multipartBoundary("text/plain; boundary=x").status().code(), ErrorCode::kUnsupportedMediaType);
  for (const std::string& bad : std::vector<std::string>{"multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"",
                          "multipart/form-data; boundary=\"unterminated", "multipart/form-data; boundary=a\x01" "b",
                          "multipart/form-data; boundary=\"trailing \"",
                          "multipart/form-data; boundary=" + std::string(71, 'b')}) {
    EXPECT_EQ(multipartBoundary(bad).status().code(), ErrorCode::kBadRequest) << bad;
  }
}

TEST(Multipart, WholeBody) { EXPECT_EQ(parseIn({body()}), expected()); }

TEST(Multipart, BoundariesSplitAcrossReadsAtEveryPoint) {
  const std::string b = body();
  for (size_t i = 0; i <= b.size(); ++i) {
    std::vector<std::string> events = parseIn({b.substr(0, i), b.substr(i)});
    ASSERT_EQ(events, expected()) << "split at " << i;
  }
}

TEST(Multipart, ByteByByte) {
  const std::string b = body();
  std::vector<std::string> pieces;
  for (char c : b) pieces.emplace_back(1, c);
  EXPECT_EQ(parseIn(pieces), expected());
}

TEST(Multipart, FirstBoundaryWithoutPreambleAndPartWithoutHeaders) {
  std::string b = "--" + kBoundary + "\r\n\r\nbare\r\n--" + kBoundary + "--";
  EXPECT_EQ(parseIn({b}), (std::vector<std::string>{"begin name= filename= type=", "bare", "end"}));
  // An empty part.
  std::string empty = "--" + kBoundary + "\r\nContent-Disposition: form-data; name=file\r\n\r\n\r\n--" + kBoundary + "--";
  EXPECT_EQ(parseIn({empty}), (std::vector<std::string>{"begin name=file filename= type=", "", "end"}));
}

TEST(Multipart, FieldSinkPassesOnTheFieldOnly) {
  RecordingSink target;
  FieldSink field("file", target);
  MultipartParser parser(kBoundary, field);
  ASSERT_TRUE(parser.feed(body()).ok());
  ASSERT_TRUE(parser.finish().ok());
  EXPECT_TRUE(field.found());
  EXPECT_EQ(target.events,
            (std::vector<std::string>{"begin name=file filename=menu \"today\".txt type=text/plain", trickyContent(), "end"}));
}

TEST(Multipart, MissingField) {
  RecordingSink target;
  FieldSink field("file", target);
  MultipartParser parser(kBoundary, field);
  std::string b = "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"notfile\"\r\n\r\nx\r\n--" +
                  kBoundary + "--\r\n";
  ASSERT_TRUE(parser.feed(b).ok());
  ASSERT_TRUE(parser.finish().ok());
  EXPECT_FALSE(field.found());
  EXPECT_TRUE(target.events.empty());
}

TEST(Multipart, OversizeContentStopsTheParseWithTheSinksStatus) {
  RecordingSink target(1000);
  FieldSink field("file", target);
  MultipartParser parser(kBoundary, field);
  std::string head = "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n";
  ASSERT_TRUE(parser.feed(head).ok());
  Status s;
  for (int i = 0; i < 10 && s.ok(); ++i) s = parser.feed(std::string(300, 'z'));
  EXPECT_EQ(s.code(), ErrorCode::kBodyTooLarge);
  // The parser is spent: later input is refused.
  EXPECT_FALSE(parser.feed("more").ok());
  EXPECT_FALSE(parser.finish().ok());
  EXPECT_FALSE(field.found());
}

TEST(Multipart, MalformedBodies) {
  Status finished;
  // Cut short: in the headers, in the content, before any boundary.
  parseIn({"--" + kBoundary + "\r\nContent-Disposition: form-da"}, &finished);
  EXPECT_EQ(finished.code(), ErrorCode::kBadRequest);
  parseIn({"--" + kBoundary + "\r\nContent-Disposition: form-data; name=file\r\n\r\npartial"}, &finished);
  EXPECT_EQ(finished.code(), ErrorCode::kBadRequest);
  parseIn({"no boundary at all"}, &finished);
  EXPECT_EQ(finished.code(), ErrorCode::kBadRequest);

  auto refused = [](const std::string& b) {
    RecordingSink sink;
    MultipartParser parser(kBoundary, sink);
    Status s = parser.feed(b);
    if (s.ok()) s = parser.finish();
    return s.code();
  };
  EXPECT_EQ(refused("--" + kBoundary + "junk\r\n\r\nx"), ErrorCode::kBadRequest);
  EXPECT_EQ(refused("--" + kBoundary + "\r\nno colon here\r\n\r\nx"), ErrorCode::kBadRequest);
  EXPECT_EQ(refused("--" + kBoundary + "\r\nContent-Disposition: attachment; name=x\r\n\r\nx"), ErrorCode::kBadRequest);
  EXPECT_EQ(refused("--" + kBoundary + "\r\nX-Long: " + std::string(kMaxPartHeaderBytes, 'h') + "\r\n\r\nx"),
            ErrorCode::kBadRequest);
  EXPECT_EQ(refused("--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"x\r\n\r\nx"), ErrorCode::kBadRequest);
}

}  // namespace
}  // namespace ck::http
