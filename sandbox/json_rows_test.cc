// readFlatRows and decodeJsonString against lists of texts. That the cells
// build what V8's JSON.parse builds is AppIsolateTest.CallRowsBuildsWhatJsonParseBuilds.

#include "sandbox/json_rows.h"

#include <cmath>

#include <gtest/gtest.h>

namespace ck::sandbox {
namespace {

using Kind = FlatCell::Kind;
using Chars = JsonChars;

std::vector<std::string_view> namesIn(std::string_view text, const FlatRows& rows) {
  std::vector<std::string_view> names;
  for (const TextSpan& name : rows.names) names.push_back(name.in(text));
  return names;
}

TEST(ReadFlatRows, ReadsArraysOfObjectsWithTheSameKeys) {
  std::string_view text =
      R"([{"a":1,"b":"x","c":null,"d":true},{"a":-2.5,"b":"caf\u00e9","c":false,"d":"\u00e9"}])";
  std::optional<FlatRows> rows = readFlatRows(text);
  ASSERT_TRUE(rows);
  EXPECT_EQ(namesIn(text, *rows), (std::vector<std::string_view>{"a", "b", "c", "d"}));
  ASSERT_EQ(rows->cells.size(), 8u);
  EXPECT_EQ(rows->cells[0].kind, Kind::kNumber);
  EXPECT_EQ(rows->cells[0].number, 1.0);
  EXPECT_EQ(rows->cells[1].kind, Kind::kString);
  EXPECT_EQ(rows->cells[1].text.in(text), "x");
  EXPECT_EQ(rows->cells[1].chars, Chars::kAscii);
  EXPECT_EQ(rows->cells[2].kind, Kind::kNull);
  EXPECT_EQ(rows->cells[3].kind, Kind::kTrue);
  EXPECT_EQ(rows->cells[4].number, -2.5);
  EXPECT_EQ(rows->cells[5].text.in(text), "caf\\u00e9");
  EXPECT_EQ(rows->cells[5].chars, Chars::kEscaped);
  EXPECT_EQ(rows->cells[6].kind, Kind::kFalse);
  // Raw UTF-8 is kept as it is.
  rows = readFlatRows("[{\"s\":\"caf\xC3\xA9\"}]");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->cells[0].chars, Chars::kUtf8);
  // JSON whitespace anywhere JSON allows it.
  text = " [ { \"a\" : 1 , \"b\" :\t\"y\" } ,\n{\"a\":2,\"b\":\"z\"} ] \r\n";
  rows = readFlatRows(text);
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->cells.size(), 4u);
  EXPECT_EQ(rows->cells[3].text.in(text), "z");
}

TEST(ReadFlatRows, NumbersAreWhatJsonParseGives) {
  const std::pair<const char*, double> cases[] = {
      {"0", 0.0},
      {"-0", -0.0},
      {"7", 7.0},
      {"123456789012345", 123456789012345.0},
      {"1733000000000", 1733000000000.0},
      {"1234567890123456789", 1234567890123456789.0},
      {"9007199254740993", 9007199254740992.0},  // rounds to even, as JSON.parse does
      {"0.1", 0.1},
      {"1.50", 1.5},
      {"4.35", 4.35},
      {"1234567890.12345", 1234567890.12345},  // 15 digits: one exact division
      {"-99999999999999.9", -99999999999999.9},
      {"0.000000000000001", 1e-15},            // 16 digits: the general path
      {"-0.0", -0.0},
      {"-1.5e-7", -1.5e-7},
      {"1E2", 100.0},
      {"1e+300", 1e300},
      {"2.2250738585072014e-308", 2.2250738585072014e-308},
  };
  for (const auto& [text, want] : cases) {
    std::optional<FlatRows> rows = readFlatRows(std::string("[{\"n\":") + text + "}]");
    ASSERT_TRUE(rows) << text;
    EXPECT_EQ(rows->cells[0].number, want) << text;
    EXPECT_EQ(std::signbit(rows->cells[0].number), std::signbit(want)) << text;
  }
}

TEST(ReadFlatRows, RefusesOtherShapes) {
  const char* refused[] = {
      "", "null", "{}", "1", "[]", "[1]", "[{}]", "[{},{}]", "[[]]",
      R"([{"a":{}}])",                // nested values are left to JSON.parse
      R"([{"a":[1]}])",
      R"([{"a":1},{"b":1}])",         // other keys
      R"([{"a":1,"b":2},{"b":2,"a":1}])",  // another order
      R"([{"a":1,"b":2},{"a":1}])",   // fewer
      R"([{"a":1},{"a":1,"b":2}])",   // more
      R"([{"\u0061":1}])",            // an escaped key
      R"([{"a":"\ud800"}])",          // lone surrogates
      R"([{"a":"\udc00x"}])",
      R"([{"a":"\ud800\u0041"}])",
      R"([{"a":"\x"}])",              // bad escapes
      R"([{"a":"\u12"}])",
      R"([{"a":1e400}])",             // beyond a double
      R"([{"a":01}])",                // not JSON
      R"([{"a":1.}])", R"([{"a":.5}])", R"([{"a":1e}])", R"([{"a":+1}])", R"([{"a":-}])",
      R"([{"a":NaN}])", R"([{"a":Infinity}])", R"([{"a":nul}])", R"([{"a":truex}])",
      "[{\"a\":\"tab\there\"}]",      // a raw control character
      R"([{"a":"open}])", R"([{"a":1})", R"([{"a":1}]x)", R"([{"a":1},])", R"([{"a":1,}])", R"([{"a" 1}])",
      R"([{a:1}])", R"([{"a":1}]])",
  };
  for (const char* text : refused) EXPECT_FALSE(readFlatRows(text)) << text;
}

TEST(DecodeJsonString, DecodesEveryEscape) {
  const std::pair<const char*, const char*> cases[] = {
      {"plain", "plain"},
      {R"(\"\\\/)", "\"\\/"},
      {R"(\b\f\n\r\t)", "\b\f\n\r\t"},
      {R"(\u0041\u00e9\u20AC)", "A\xC3\xA9\xE2\x82\xAC"},
      {R"(\ud83d\ude00!)", "\xF0\x9F\x98\x80!"},
      {"caf\xC3\xA9 \\u00e9", "caf\xC3\xA9 \xC3\xA9"},
  };
  for (const auto& [raw, want] : cases) {
    std::string out;
    EXPECT_TRUE(decodeJsonString(raw, &out)) << raw;
    EXPECT_EQ(out, want) << raw;
  }
  std::string out;
  out.assign(1, '\0');
  EXPECT_TRUE(decodeJsonString(R"(\u0000)", &out));
  EXPECT_EQ(out, std::string(2, '\0'));  // appends
  for (const char* bad : {"\\", R"(\x)", R"(\u00)", R"(\u00zz)", R"(\ud800)", R"(\ud800x)", R"(\ude00)",
                          R"(\ud800\ud800)", R"(\ud800\n)"}) {
    EXPECT_FALSE(decodeJsonString(bad, &out)) << bad;
  }
}

}  // namespace
}  // namespace ck::sandbox
