// TableStore: the reads (find, findById, count): paging, selection, owner
// narrowing, where and sortBy errors.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "storage/table_store.h"
#include "storage/table_store_test_util.h"

namespace ck::storage {
namespace {

using nlohmann::json;
using namespace testing_util;

// ---------------------------------------------------------------------------
// Reads: paging, selection, owner narrowing

class PagingTest : public TableStoreTest {
 protected:
  // 25 rows with the same `created`, inserted in a shuffled order, each with
  // one of three groups.
  PagingTest() {
    std::vector<int> order(25);
    for (int i = 0; i < 25; ++i) order[i] = i + 1;
    std::shuffle(order.begin(), order.end(), std::mt19937(42));
    for (int i : order) {
      EXPECT_TRUE(store_->create("Row", {{"group", i % 3}, {"i", i}}, ctx(guid(i), 5000)).ok());
    }
  }

  std::vector<std::string> allPages(FindQuery query) {
    std::vector<std::string> ids;
    for (query.offset = 0;; query.offset += query.pageSize) {
      Result<json> page = store_->find("Row", query);
      EXPECT_TRUE(page.ok()) << page.status().message();
      if (!page.ok() || page->empty()) break;
      EXPECT_LE(static_cast<int64_t>(page->size()), query.pageSize);
      for (const std::string& id : idsOf(*page)) ids.push_back(id);
    }
    return ids;
  }
};

TEST_F(PagingTest, EqualCreatedNeverRepeatsOrVanishes) {
  for (int64_t pageSize : {1, 4, 7, 25, 100}) {
    std::vector<std::string> ids = allPages(FindQuery{.pageSize = pageSize});
    std::vector<std::string> expected;
    for (int i = 1; i <= 25; ++i) expected.push_back(guid(i));
    EXPECT_EQ(ids, expected) << "pageSize " << pageSize << ": created asc, then objectId asc";
  }
}

TEST_F(PagingTest, SortByIsFollowedByObjectId) {
  std::vector<std::string> expected;
  for (int g : {2, 1, 0}) {
    for (int i = 1; i <= 25; ++i) {
      if (i % 3 == g) expected.push_back(guid(i));
    }
  }
  for (int64_t pageSize : {2, 5, 9}) {
    EXPECT_EQ(allPages(FindQuery{.sortBy = {"group desc"}, .pageSize = pageSize}), expected)
        << "pageSize " << pageSize;
  }
  // Sorting by a unique column works as asked.
  std::vector<std::string> byIDesc = allPages(FindQuery{.sortBy = {"i DESC"}, .pageSize = 6});
  ASSERT_EQ(byIDesc.size(), 25u);
  EXPECT_EQ(byIDesc.front(), guid(25));
  EXPECT_EQ(byIDesc.back(), guid(1));
}

TEST_F(PagingTest, BlankSortByIsTheDefaultOrder) {
  std::vector<std::string> expected;
  for (int i = 1; i <= 25; ++i) expected.push_back(guid(i));
  EXPECT_EQ(allPages(FindQuery{.sortBy = {"", " "}, .pageSize = 8}), expected);
}

TEST_F(PagingTest, PageSizeAndOffsetLimits) {
  Result<json> hundred = store_->find("Row", FindQuery{.pageSize = 100});
  ASSERT_TRUE(hundred.ok());
  EXPECT_EQ(hundred->size(), 25u);
  EXPECT_EQ(store_->find("Row", FindQuery{.pageSize = 101}).status().code(), ErrorCode::kPageSizeTooLarge);
  EXPECT_EQ(store_->find("Row", FindQuery{.pageSize = 0}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->find("Row", FindQuery{.pageSize = -5}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->find("Row", FindQuery{.offset = -1}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->find("Row", FindQuery{})->size(), 10u) << "the default page size";
  EXPECT_EQ(store_->find("Row", FindQuery{.offset = 20})->size(), 5u);
  EXPECT_EQ(store_->find("Row", FindQuery{.offset = 1000})->size(), 0u);
}

TEST_F(PagingTest, WhereAndCountAgree) {
  Result<json> rows = store_->find("Row", FindQuery{.where = "group = 1 AND i > 10", .pageSize = 100});
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  for (const json& r : *rows) {
    EXPECT_EQ(r["group"], 1);
    EXPECT_GT(r["i"].get<int>(), 10);
  }
  EXPECT_EQ(static_cast<int64_t>(rows->size()), countAll("Row", "group = 1 AND i > 10"));
  EXPECT_EQ(countAll("Row"), 25);
}

TEST_F(TableStoreTest, PropsAndExcludeProps) {
  std::string id = put("Person", {{"name", "Ann"}, {"age", 30}, {"city", "Oslo"}})["objectId"];
  auto keys = [](const json& row) {
    std::set<std::string> out;
    for (const auto& [k, v] : row.items()) out.insert(k);
    return out;
  };
  struct Case {
    std::vector<std::string> props, exclude;
    std::set<std::string> keys;
  };
  const std::vector<Case> cases = {
      {{"name"}, {}, {"name", "___class"}},
      {{"name", "objectId", "created"}, {}, {"name", "objectId", "created", "___class"}},
      {{}, {"age", "ownerId", "updated"}, {"name", "city", "objectId", "created", "___class"}},
      {{"*"}, {"city"}, {"name", "age", "objectId", "ownerId", "created", "updated", "___class"}},
      {{"name", "age"}, {"age"}, {"name", "___class"}},
      {{"___class"}, {}, {"___class"}},
  };
  for (const Case& c : cases) {
    Result<json> rows = store_->find("Person", FindQuery{.props = c.props, .excludeProps = c.exclude});
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ(keys((*rows)[0]), c.keys);
    Result<json> one = store_->findById("Person", id, FindByIdQuery{.props = c.props, .excludeProps = c.exclude});
    ASSERT_TRUE(one.ok()) << one.status().message();
    EXPECT_EQ(keys(*one), c.keys);
  }
  EXPECT_EQ(store_->find("Person", FindQuery{.props = {"name", "nope"}}).status().code(),
            ErrorCode::kInvalidProperties);
  EXPECT_EQ(store_->find("Person", FindQuery{.excludeProps = {"Name"}}).status().code(),
            ErrorCode::kInvalidProperties);
  EXPECT_EQ(store_->findById("Person", id, FindByIdQuery{.props = {"x"}}).status().code(),
            ErrorCode::kInvalidProperties);
}

// findText writes, without the DOM, the text dumping find's rows gives:
// every type, nulls, strings needing escapes, selections in any order.
TEST_F(TableStoreTest, FindTextIsFindsRowsAsText) {
  ASSERT_TRUE(store_->declareTable("Mixed", {{"when", ValueType::kDate}}).ok());
  put("Mixed", {{"zeta", "last"}, {"Alpha", 1.5}, {"b", true}, {"when", 1700000000000LL}, {"n", 42},
                {"doc", {{"k", {1, 2, nullptr}}, {"a", "\u00e9\n"}}}, {"s", "quote \" tab \t caf\xC3\xA9 \x01"}});
  put("Mixed", {{"zeta", nullptr}, {"Alpha", -2.5e-7}, {"b", false}, {"n", -9007199254740991LL}, {"doc", json::array()}});
  put("Mixed", {{"Alpha", 1e300}, {"s", ""}});
  const std::vector<FindQuery> queries = {
      {},
      FindQuery{.props = {"zeta", "Alpha"}},
      FindQuery{.props = {"___class"}},
      FindQuery{.excludeProps = {"doc", "created"}},
      FindQuery{.sortBy = {"Alpha desc"}, .pageSize = 2, .offset = 1},
      FindQuery{.where = "b = true"},
      FindQuery{.where = "n = 12345"},  // no rows
  };
  for (const FindQuery& q : queries) {
    Result<json> rows = store_->find("Mixed", q);
    Result<RowsText> text = store_->findText("Mixed", q);
    ASSERT_TRUE(rows.ok() && text.ok());
    EXPECT_EQ(text->json, rows->dump(-1, ' ', false, json::error_handler_t::replace));
    EXPECT_EQ(text->count, rows->size());
  }
  EXPECT_EQ(store_->findText("Mixed", FindQuery{.pageSize = 101}).status().code(), ErrorCode::kPageSizeTooLarge);
  EXPECT_EQ(store_->findText("Nope", {}).status().code(), ErrorCode::kUnknownTable);
  EXPECT_EQ(store_->findText("Mixed", FindQuery{.where = "nope = 1"}).status().code(), ErrorCode::kInvalidWhere);
}

// With flatCells, findText says where each key and value of its page is,
// and what each value is, as a JSON parser reads the text.
TEST_F(TableStoreTest, FindTextRecordsWhereEachValueIs) {
  ASSERT_TRUE(store_->declareTable("Flat", {{"when", ValueType::kDate}}).ok());
  put("Flat", {{"s", "plain"}, {"n", 42}, {"x", 12.34}, {"b", true}, {"when", 1700000000000LL}});
  put("Flat", {{"s", "caf\xC3\xA9"}, {"n", -9007199254740991LL}, {"x", -2.5e-7}, {"b", false}});
  put("Flat", {{"s", "quote \" tab \t \x01 and a lone \x80"}, {"x", 1e300}});
  put("Flat", {{"s", ""}, {"n", 0.1}});
  const std::vector<FindQuery> queries = {
      FindQuery{.flatCells = true},
      FindQuery{.props = {"s", "___class"}, .flatCells = true},
      FindQuery{.props = {"___class"}, .flatCells = true},
      FindQuery{.sortBy = {"x desc"}, .pageSize = 3, .offset = 1, .flatCells = true},
  };
  for (const FindQuery& q : queries) {
    Result<RowsText> page = store_->findText("Flat", q);
    ASSERT_TRUE(page.ok());
    ASSERT_TRUE(page->flat.has_value()) << page->json;
    const std::string_view text = page->json;
    const FlatRows& flat = *page->flat;
    const nlohmann::ordered_json rows = nlohmann::ordered_json::parse(text);
    ASSERT_EQ(flat.cells.size(), rows.size() * flat.names.size());
    size_t k = 0;
    for (const auto& row : rows) {
      size_t j = 0;
      for (const auto& [key, value] : row.items()) {
        ASSERT_LT(j, flat.names.size());
        EXPECT_EQ(flat.names[j++].in(text), key);
        const FlatCell& cell = flat.cells[k++];
        if (value.is_null()) {
          EXPECT_EQ(cell.kind, FlatCell::Kind::kNull);
        } else if (value.is_boolean()) {
          EXPECT_EQ(cell.kind, value.get<bool>() ? FlatCell::Kind::kTrue : FlatCell::Kind::kFalse);
        } else if (value.is_number()) {
          EXPECT_EQ(cell.kind, FlatCell::Kind::kNumber);
          EXPECT_EQ(cell.number, value.get<double>()) << key;
        } else {
          ASSERT_EQ(cell.kind, FlatCell::Kind::kString);
          const std::string_view raw = cell.text.in(text);
          EXPECT_EQ(nlohmann::json::parse("\"" + std::string(raw) + "\""), value);
          const bool escaped = raw.find('\\') != std::string_view::npos;
          const bool ascii = std::all_of(raw.begin(), raw.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
          EXPECT_EQ(cell.chars, escaped ? JsonChars::kEscaped : ascii ? JsonChars::kAscii : JsonChars::kUtf8) << raw;
        }
      }
      EXPECT_EQ(j, flat.names.size());
    }
  }
  // Not asked, no rows, or a json column's value: no cells.
  EXPECT_FALSE(store_->findText("Flat", {})->flat);
  EXPECT_FALSE(store_->findText("Flat", FindQuery{.where = "n = 12345", .flatCells = true})->flat);
  put("Flat", {{"doc", {{"k", 1}}}});
  EXPECT_FALSE(store_->findText("Flat", FindQuery{.flatCells = true})->flat);
  EXPECT_TRUE(store_->findText("Flat", FindQuery{.excludeProps = {"doc"}, .flatCells = true})->flat);
}

// A withheld column is never read, whatever props asks for.
TEST_F(TableStoreTest, WithheldColumnsAreNeverReturned) {
  std::string id = put("Account", {{"email", "a@example.com"}, {"secret", "hash"}})["objectId"];
  for (const std::vector<std::string>& props : std::vector<std::vector<std::string>>{{}, {"*"}, {"secret", "email"}}) {
    Result<json> rows = store_->find("Account", FindQuery{.props = props, .withheld = {"secret"}});
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_FALSE((*rows)[0].contains("secret"));
    EXPECT_EQ((*rows)[0]["email"], "a@example.com");
    Result<RowsText> text = store_->findText("Account", FindQuery{.props = props, .withheld = {"secret"}});
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(text->json.find("hash"), std::string::npos);
    Result<json> one = store_->findById("Account", id, FindByIdQuery{.props = props, .withheld = {"secret"}});
    ASSERT_TRUE(one.ok());
    EXPECT_FALSE(one->contains("secret"));
  }
}

TEST_F(TableStoreTest, OwnerNarrowingHappensInSql) {
  // 15 rows: owners U1, U2 and none in turn, all with the same `created`.
  for (int i = 1; i <= 15; ++i) {
    std::optional<std::string> owner;
    if (i % 3 == 1) owner = "U1";
    if (i % 3 == 2) owner = "U2";
    ASSERT_TRUE(store_->create("Item", {{"i", i}}, ctx(guid(i), 1000, true, owner)).ok());
  }
  std::vector<std::string> mine;
  for (int64_t offset = 0;; offset += 2) {
    Result<json> page = store_->find("Item", FindQuery{.pageSize = 2, .offset = offset, .ownerNarrowing = "U1"});
    ASSERT_TRUE(page.ok()) << page.status().message();
    if (page->empty()) break;
    for (const json& r : *page) {
      EXPECT_EQ(r["ownerId"], "U1");
      mine.push_back(r["objectId"]);
    }
  }
  EXPECT_EQ(mine, (std::vector<std::string>{guid(1), guid(4), guid(7), guid(10), guid(13)}))
      << "the owner's rows, every one, paged right";
  EXPECT_EQ(*store_->count("Item", "", "U1"), 5);
  EXPECT_EQ(*store_->count("Item", "i > 5", "U1"), 3);
  EXPECT_EQ(*store_->count("Item", "i > 5"), 10);
  EXPECT_EQ(store_->find("Item", FindQuery{.where = "i = 2", .ownerNarrowing = "U1"})->size(), 0u);
  EXPECT_EQ(store_->find("Item", FindQuery{.ownerNarrowing = "nobody"})->size(), 0u);

  EXPECT_TRUE(store_->findById("Item", guid(1), FindByIdQuery{.ownerNarrowing = "U1"}).ok());
  EXPECT_EQ(store_->findById("Item", guid(2), FindByIdQuery{.ownerNarrowing = "U1"}).status().code(),
            ErrorCode::kEntityNotFound);
  EXPECT_EQ(store_->findById("Item", guid(3), FindByIdQuery{.ownerNarrowing = "U1"}).status().code(),
            ErrorCode::kEntityNotFound)
      << "a row with no owner is nobody's";

  // Bulk writes narrow the same way.
  Result<int64_t> updated = store_->bulkUpdate("Item", "i <= 6", {{"seen", true}}, ctx("", 2000), "U2");
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_EQ(*updated, 2);  // rows 2 and 5
  EXPECT_EQ(countAll("Item", "seen = true"), 2);
  Result<int64_t> deleted = store_->bulkDelete("Item", "", "U1");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 5);
  EXPECT_EQ(countAll("Item"), 10);
}

TEST_F(TableStoreTest, UnknownTablesOnRead) {
  EXPECT_EQ(store_->find("Nope", {}).status().code(), ErrorCode::kUnknownTable);
  EXPECT_EQ(store_->findById("Nope", guid(1)).status().code(), ErrorCode::kUnknownTable);
  EXPECT_EQ(store_->count("Nope", "").status().code(), ErrorCode::kUnknownTable);
  EXPECT_EQ(store_->describe("Nope").status().code(), ErrorCode::kUnknownTable);
  EXPECT_EQ(store_->remove("Nope", guid(1), 1).status().code(), ErrorCode::kUnknownTable);
  EXPECT_EQ(store_->update("Nope", guid(1), {{"a", 1}}, ctx("", 1, true)).status().code(),
            ErrorCode::kUnknownTable)
      << "an update never creates a table";
  EXPECT_TRUE(store_->listTables().empty());
}

TEST_F(TableStoreTest, BadWhereOrSortByIsInvalidWhere) {
  put("P", {{"name", "a"}});
  EXPECT_EQ(store_->find("P", FindQuery{.where = "nope = 1"}).status().code(), ErrorCode::kInvalidWhere);
  EXPECT_EQ(store_->find("P", FindQuery{.where = "name = "}).status().code(), ErrorCode::kInvalidWhere);
  EXPECT_EQ(store_->find("P", FindQuery{.sortBy = {"nope"}}).status().code(), ErrorCode::kInvalidWhere);
  EXPECT_EQ(store_->count("P", "nope = 1").status().code(), ErrorCode::kInvalidWhere);
  EXPECT_EQ(store_->bulkUpdate("P", "nope = 1", {{"name", "b"}}, ctx("")).status().code(), ErrorCode::kInvalidWhere);
  EXPECT_EQ(store_->bulkDelete("P", "nope = 1").status().code(), ErrorCode::kInvalidWhere);
  EXPECT_EQ(countAll("P", "name = 'a'"), 1);
}

}  // namespace
}  // namespace ck::storage
