// Where the dev runner's messages about cloudkeep.json point.

#include "tools/dev_json_place.h"

#include <gtest/gtest.h>

#include <string>

namespace ck::tools {
namespace {

const char* kText = R"({
  "name": "shop",
  "roles": ["Member", "Staff"],
  "rules": [
    { "grant": ["find"], "roles": ["Member"], "on": "data:A" },
    {
      "deny": ["delete"],
      "roles": ["X"], "on": "data:B"
    }
  ],
  "tables": { "Order": { "columns": { "at": "dte" } } },
  "a.b": 1
})";

TEST(DevJsonPlace, PathsToLineAndColumn) {
  struct Case {
    const char* path;
    size_t line;
    size_t column;
  };
  const Case cases[] = {
      {"name", 2, 3},
      {"roles[1]", 3, 23},
      {"rules[0]", 5, 5},
      {"rules[0].on", 5, 47},
      {"rules[1].roles[0]", 8, 17},
      {"rules[1].roles", 8, 7},
      {"tables.Order.columns.at", 11, 39},
      // Deeper than the document: its deepest existing part.
      {"rules[1].roles[0].x", 8, 17},
      {"rules[7]", 4, 3},
  };
  for (const Case& c : cases) {
    std::optional<TextPlace> p = placeOfPath(kText, c.path);
    ASSERT_TRUE(p) << c.path;
    EXPECT_EQ(p->line, c.line) << c.path;
    EXPECT_EQ(p->column, c.column) << c.path;
  }
}

TEST(DevJsonPlace, NotAPath) {
  for (const char* path : {"", "nope", "cloudkeep.json is not valid JSON", "rules[x]", "rules[]", "a b", "[0]"}) {
    EXPECT_FALSE(placeOfPath(kText, path)) << path;
  }
}

TEST(DevJsonPlace, Messages) {
  EXPECT_EQ(withJsonPlace("cloudkeep.json", kText, "rules[1].roles[0]: \"X\" is not a declared role"),
            "cloudkeep.json:8:17: rules[1].roles[0]: \"X\" is not a declared role");
  EXPECT_EQ(withJsonPlace("cloudkeep.json", kText, "has the key \"a\" twice in one object"),
            "cloudkeep.json: has the key \"a\" twice in one object");
  EXPECT_EQ(withJsonPlace("cloudkeep.json", kText, "unknown: thing"), "cloudkeep.json: unknown: thing");
}

TEST(DevJsonPlace, Offsets) {
  EXPECT_EQ(placeOfOffset("ab\ncd", 0).line, 1u);
  EXPECT_EQ(placeOfOffset("ab\ncd", 4).line, 2u);
  EXPECT_EQ(placeOfOffset("ab\ncd", 4).column, 2u);
  EXPECT_EQ(placeOfOffset("ab", 99).column, 3u);
}

}  // namespace
}  // namespace ck::tools
