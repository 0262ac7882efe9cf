#include "base/json_text.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include <nlohmann/json.hpp>

namespace ck {
namespace {

std::string dumped(const nlohmann::json& v) { return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

std::string written(std::string_view s) {
  std::string out;
  appendJsonString(out, s);
  return out;
}

TEST(JsonText, StringsAreEscapedAsTheDomDumpsThem) {
  const std::string cases[] = {
      "",
      "plain",
      "quote \" backslash \\ slash /",
      std::string("\b\f\n\r\t\x01\x1f\x7f", 8),
      std::string("nul \0 inside", 12),
      "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80",  // 2, 3 and 4-byte sequences
      "lone \x80 continuation",
      "truncated \xE2\x82",
      "overlong \xC0\xAF and \xE0\x80\xAF",
      "surrogate \xED\xA0\x80",
      "past U+10FFFF \xF4\x90\x80\x80",
      "\xFF\xFE",
  };
  for (const std::string& s : cases) EXPECT_EQ(written(s), dumped(s)) << nlohmann::json(s).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

TEST(JsonText, RandomBytesMatchTheDomAndParseBack) {
  std::mt19937 rng(20261128);
  std::uniform_int_distribution<int> length(0, 24);
  // Bytes biased towards the interesting ranges: controls, ASCII, UTF-8 leads
  // and continuations.
  const unsigned char alphabet[] = {0x00, 0x09, 0x1f, '"', '\\', 'a', 0x7f, 0x80, 0xbf, 0xc2, 0xc0,
                                    0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xa0, 0x90, 0x8f};
  std::uniform_int_distribution<size_t> pick(0, sizeof alphabet - 1);
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    for (int n = length(rng); n > 0; --n) s += static_cast<char>(alphabet[pick(rng)]);
    const std::string text = written(s);
    ASSERT_EQ(text, dumped(s));
    ASSERT_TRUE(nlohmann::json::accept(text));
  }
}

TEST(JsonText, NumbersRoundTrip) {
  std::string out;
  appendJsonInt(out, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(out, "-9223372036854775808");
  const double values[] = {1.5, -0.1, 1e300, 5e-324, 3.141592653589793, 9007199254740993.0, -2.5e-7};
  for (double d : values) {
    out.clear();
    appendJsonDouble(out, d);
    EXPECT_EQ(nlohmann::json::parse(out).get<double>(), d) << out;
  }
  for (double d : {std::nan(""), std::numeric_limits<double>::infinity()}) {
    out.clear();
    appendJsonDouble(out, d);
    EXPECT_EQ(out, "null");
  }
}

TEST(JsonText, StringsSayHowTheirCharactersWereWritten) {
  std::string out;
  EXPECT_EQ(appendJsonString(out, ""), JsonChars::kAscii);
  EXPECT_EQ(appendJsonString(out, "a plain string longer than eight bytes"), JsonChars::kAscii);
  EXPECT_EQ(appendJsonString(out, "caf\xC3\xA9 with UTF-8 past the first word"), JsonChars::kUtf8);
  EXPECT_EQ(appendJsonString(out, "lone \x80 byte, replaced"), JsonChars::kUtf8);
  EXPECT_EQ(appendJsonString(out, "twelve bytes\n"), JsonChars::kEscaped);
  EXPECT_EQ(appendJsonString(out, "caf\xC3\xA9 \"quoted\""), JsonChars::kEscaped);
}

// appendJsonDouble's short path for values like 12.34 must give to_chars's
// text exactly; values near and between them go the long way.
TEST(JsonText, DoublesAreWrittenAsToCharsWritesThem) {
  auto reference = [](double d) {
    char buf[32];
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, d).ptr);
  };
  auto check = [&](double d) {
    std::string out;
    appendJsonDouble(out, d);
    ASSERT_EQ(out, reference(d)) << "for " << std::hexfloat << d;
  };
  const double cases[] = {0.5,   0.001, 0.0015, 0.01,  0.1,      0.125,   1.5,    12.34,  99.99,
                          0.999, 1.001, 1.0001, 2.5e-4, 123.456, 1e14 + 0.5, 999999999999999.9,
                          1e15 - 0.125, 0.3,  0.7,   1.1,   1e-3 + 1e-18};
  for (double d : cases) {
    check(d);
    check(-d);
    check(std::nextafter(d, 0.0));
    check(std::nextafter(d, 1e300));
  }
  std::mt19937_64 rng(20261129);
  const double powers[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
  for (int round = 0; round < 300000; ++round) {
    // m / 10^k for m of 1 to 16 digits.
    const uint64_t limit = uint64_t{1} << (1 + rng() % 53);
    const double m = static_cast<double>(rng() % limit);
    const double d = m / powers[rng() % 7];
    check(d);
    check(-d);
    check(std::nextafter(d, 1e300));
    // Any double at all.
    double any;
    const uint64_t bits = rng();
    std::memcpy(&any, &bits, sizeof any);
    if (std::isfinite(any)) check(any);
  }
}

TEST(JsonTextWithin, DepthAndSurrogatesAsNlohmannSeesThem) {
  struct Case {
    std::string text;
    size_t maxDepth;
    bool within;
  };
  const std::vector<Case> cases = {
      {"null", 0, true},
      {"[]", 1, true},
      {"[]", 0, false},
      {"[[1],{\"a\":[2]}]", 3, true},
      {"[[1],{\"a\":[2]}]", 2, false},
      {"[\"[[[[\"]", 1, true},            // brackets inside strings do not nest
      {"[\"\\\"[[\"]", 1, true},        // nor after an escaped quote
      {"\"\\ud83d\\ude00\"", 1, true},  // a pair
      {"\"\\uD83D\\uDE00\"", 1, true},
      {"\"\\ud83d\"", 1, false},          // a lone high surrogate
      {"\"\\ud83dx\"", 1, false},
      {"\"\\ud83d\\u0041\"", 1, false},
      {"\"\\ude00\"", 1, false},          // a lone low surrogate
      {"{\"k\\udfff\":1}", 1, false},      // in a key too
      {"\"\\\\ud83d\"", 1, true},        // an escaped backslash, then text
  };
  for (const Case& c : cases) {
    EXPECT_EQ(jsonTextWithin(c.text, c.maxDepth), c.within) << c.text;
    // The same verdict as parsing and measuring.
    nlohmann::json parsed = nlohmann::json::parse(c.text, nullptr, false);
    if (parsed.is_discarded()) {
      EXPECT_FALSE(c.within) << c.text;
    }
  }
}

TEST(JsonObjectMembers, SplitsTheTopLevel) {
  using Members = std::vector<std::pair<std::string_view, std::string_view>>;
  EXPECT_EQ(jsonObjectMembers(R"({"value":[{"a":"}],"},{"b":[1,2]}],"statusCode":201,"headers":{"x":"y,z"}})"),
            (Members{{"value", R"([{"a":"}],"},{"b":[1,2]}])"}, {"statusCode", "201"}, {"headers", R"({"x":"y,z"})"}}));
  EXPECT_EQ(jsonObjectMembers(R"( { "a" : "q\"}" , "b\"" : null } )"), (Members{{"a", R"("q\"}")"}, {R"(b\")", "null"}}));
  EXPECT_EQ(jsonObjectMembers("{}"), Members{});
  EXPECT_EQ(jsonObjectMembers("[1]"), Members{});
  EXPECT_EQ(jsonObjectMembers("null"), Members{});
  // Every member's text is the value nlohmann reads for it.
  nlohmann::json object = {{"n", -1.5e300}, {"s", "a,b}"}, {"o", {{"x", {nullptr, true}}}}, {"e", nlohmann::json::array()}};
  std::string text = object.dump();
  for (const auto& [key, value] : jsonObjectMembers(text)) {
    EXPECT_EQ(nlohmann::json::parse(value), object.at(std::string(key))) << key;
  }
}

// A last member named by the caller is the rest of the object, unread: text
// that would end the value early for a reader stays in it.
TEST(JsonObjectMembers, TheLastKeysValueIsTheRest) {
  using Members = std::vector<std::pair<std::string_view, std::string_view>>;
  EXPECT_EQ(jsonObjectMembers(R"({"statusCode":201,"value":[{"a":"}],"},{"b":[1,2]}]})", "value"),
            (Members{{"statusCode", "201"}, {"value", R"([{"a":"}],"},{"b":[1,2]}])"}}));
  EXPECT_EQ(jsonObjectMembers(R"({"value":null})", "value"), (Members{{"value", "null"}}));
  EXPECT_EQ(jsonObjectMembers(R"( { "h" : {"x":"y,z"} , "value" : "q\"}" } )", "value"),
            (Members{{"h", R"({"x":"y,z"})"}, {"value", R"("q\"}")"}}));
  // Without the key, every member is read as usual.
  EXPECT_EQ(jsonObjectMembers(R"({"a":1,"b":[2]})", "value"), (Members{{"a", "1"}, {"b", "[2]"}}));
}

}  // namespace
}  // namespace ck
