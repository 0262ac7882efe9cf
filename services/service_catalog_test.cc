// The JSDoc reader, the catalog it feeds, route matching, and bundle
// collection (require graph, escapes refused), table-driven.

#include "services/service_catalog.h"

#include <gtest/gtest.h>

#include "services/service_bundle.h"

namespace ck::services {
namespace {

using nlohmann::json;

TEST(MethodVerbTest, MapsNamePrefixes) {
  struct Case {
    const char* name;
    const char* verb;
  } cases[] = {
      {"getRestaurants", "GET"}, {"get", "GET"},          {"get2", "GET"},          {"getter", "POST"},
      {"addOrder", "POST"},      {"address", "POST"},     {"setPrice", "PUT"},      {"settle", "POST"},
      {"deleteOrder", "DELETE"}, {"deleted", "POST"},     {"placeOrder", "POST"},   {"get_all", "GET"},
  };
  for (const Case& c : cases) EXPECT_EQ(methodVerb(c.name), c.verb) << c.name;
}

TEST(ParseServiceDocsTest, ReadsClassesMethodsAndTags) {
  const char* src = R"JS(
/**
 * Orders of a shop.
 */
class OrderService {
  /**
   * @route GET /orders/{id}
   * @param {string} id
   * @returns {Promise.<Order>}
   * @executionTimeoutInSeconds 3
   */
  async getOrder(id) { const s = "class Fake { notAMethod() {} }"; return { id, s }; }

  /**
   * Places an order.
   * @param {Order} order the order
   * @param {number} [count=1]
   */
  placeOrder(order, count = compute(1)) { if (order) { helper(); } }

  /** @private */
  secret() {}

  /** @description Made up. */
  static make() {}
  get total() { return 1; }
  // /** not a doc */
  plain() {}
}
Backendless.ServerCode.addService(OrderService);
)JS";
  Result<std::vector<ClassDoc>> docs = parseServiceDocs("services/orders.js", src);
  ASSERT_TRUE(docs.ok()) << docs.status().message();
  ASSERT_EQ(docs->size(), 1u);
  const ClassDoc& cls = (*docs)[0];
  EXPECT_EQ(cls.name, "OrderService");
  EXPECT_EQ(cls.line, 5);
  EXPECT_EQ(cls.description, "Orders of a shop.");
  ASSERT_EQ(cls.methods.size(), 4u);
  EXPECT_EQ(cls.methods[0].name, "getOrder");
  EXPECT_EQ(cls.methods[0].verb, "GET");
  EXPECT_EQ(cls.methods[0].route, "/orders/{id}");
  EXPECT_EQ(cls.methods[0].params, (std::vector<ParamDoc>{{"string", "id"}}));
  EXPECT_EQ(cls.methods[0].returns, "Order");
  EXPECT_EQ(cls.methods[0].timeoutSeconds, 3u);
  EXPECT_EQ(cls.methods[1].name, "placeOrder");
  EXPECT_EQ(cls.methods[1].description, "Places an order.");
  EXPECT_EQ(cls.methods[1].params, (std::vector<ParamDoc>{{"Order", "order"}, {"number", "count"}}));
  EXPECT_EQ(cls.methods[2].name, "secret");
  EXPECT_TRUE(cls.methods[2].isPrivate);
  EXPECT_EQ(cls.methods[3].name, "plain");
  EXPECT_TRUE(cls.methods[3].params.empty());
}

TEST(ParseServiceDocsTest, RouteForms) {
  struct Case {
    const char* tag;
    const char* verb;
    const char* route;
  } cases[] = {
      {"@route GET /a", "GET", "/a"},
      {"@route post /a/{b}", "POST", "/a/{b}"},
      {"@route /plain", "GET", "/plain"},
      {"@route DELETE /x/{id}/y", "DELETE", "/x/{id}/y"},
  };
  for (const Case& c : cases) {
    std::string src = std::string("class S {\n/** ") + c.tag + " */\nm() {}\n}\n";
    auto docs = parseServiceDocs("s.js", src);
    ASSERT_TRUE(docs.ok()) << c.tag << ": " << docs.status().message();
    ASSERT_EQ((*docs)[0].methods.size(), 1u) << c.tag;
    EXPECT_EQ((*docs)[0].methods[0].verb, c.verb) << c.tag;
    EXPECT_EQ((*docs)[0].methods[0].route, c.route) << c.tag;
  }
}

TEST(ParseServiceDocsTest, BadTagsNameFileAndLine) {
  struct Case {
    const char* tag;
    const char* message;
  } cases[] = {
      {"@route PATCH /a", "s.js:3: @route: \"PATCH\" is not GET, POST, PUT or DELETE"},
      {"@route GET", "s.js:3: @route needs a path starting with '/'"},
      {"@param {string}", "s.js:3: @param needs a name"},
      {"@executionTimeoutInSeconds soon", "s.js:3: @executionTimeoutInSeconds needs a positive whole number"},
      {"@executionTimeoutInSeconds 0", "s.js:3: @executionTimeoutInSeconds needs a positive whole number"},
  };
  for (const Case& c : cases) {
    std::string src = std::string("// x\nclass S {\n/** ") + c.tag + " */\nm() {}\n}\n";
    auto docs = parseServiceDocs("s.js", src);
    ASSERT_FALSE(docs.ok()) << c.tag;
    EXPECT_EQ(docs.status().code(), ErrorCode::kBundleError);
    EXPECT_EQ(docs.status().message().rfind(c.message, 0), 0u) << docs.status().message();
  }
}

TEST(ParseServiceDocsTest, SeveralClassesAndNoise) {
  const char* src = R"JS(
const re = 'a{'; // an unbalanced brace in a string
const t = `x ${1} {`;
class A { /** @route GET /a */ one() {} }
module.exports = class { anon() {} };
class B extends A {
  constructor() { super(); }
  /** @param {string} x */
  two(x) { return x.class; }
}
)JS";
  auto docs = parseServiceDocs("f.js", src);
  ASSERT_TRUE(docs.ok()) << docs.status().message();
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0].name, "A");
  ASSERT_EQ((*docs)[0].methods.size(), 1u);
  EXPECT_EQ((*docs)[0].methods[0].route, "/a");
  EXPECT_EQ((*docs)[1].name, "B");
  ASSERT_EQ((*docs)[1].methods.size(), 1u);
  EXPECT_EQ((*docs)[1].methods[0].name, "two");
}

ServiceCatalog sampleCatalog() {
  const char* src = R"JS(
class Shop {
  /** @route GET /orders/{id} */
  getOrder() {}
  /** @route GET /orders/latest */
  latest() {}
  getMenu() {}
  /** @param {string} a
      @param {number} b */
  addItem(a, b) {}
  /** @private */
  hidden() {}
}
)JS";
  auto docs = parseServiceDocs("services/shop.js", src);
  EXPECT_TRUE(docs.ok());
  json described = {{"services",
                     {{{"name", "Shop"},
                       {"version", "2.0.0"},
                       {"methods", {"getOrder", "latest", "getMenu", "addItem", "hidden", "undocumented"}}}}}};
  auto catalog = ServiceCatalog::build(described, *docs, json{{"Shop", {{"executionTimeoutInSeconds", 7}}}});
  EXPECT_TRUE(catalog.ok()) << catalog.status().message();
  return *catalog;
}

// cloudkeep.json may set values only for the items a service declares.
TEST(ServiceCatalogTest, ConfigValuesMustNameDeclaredItems) {
  json described = {{"services",
                     {{{"name", "Shop"},
                       {"methods", {"getMenu"}},
                       {"configItems", {{{"name", "currency"}, {"defaultValue", "EUR"}}, {{"name", "apiKey"}}}}}}}};
  EXPECT_TRUE(ServiceCatalog::build(described, {}, json{{"Shop", {{"config", {{"apiKey", "k"}}}}}}).ok());
  EXPECT_TRUE(ServiceCatalog::build(described, {}, json{{"Other", {{"config", {{"x", 1}}}}}}).ok());
  auto typo = ServiceCatalog::build(described, {}, json{{"Shop", {{"config", {{"currancy", "USD"}}}}}});
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.status().code(), ErrorCode::kBundleError);
  EXPECT_EQ(typo.status().message(),
            "cloudkeep.json services.Shop.config.currancy: Shop has no config item named \"currancy\"");
}

TEST(ServiceCatalogTest, JoinsDescribeWithDocs) {
  ServiceCatalog catalog = sampleCatalog();
  const ServiceInfo* shop = catalog.service("Shop");
  ASSERT_NE(shop, nullptr);
  EXPECT_EQ(shop->version, "2.0.0");
  EXPECT_EQ(shop->timeoutSeconds, 7u);
  EXPECT_EQ(shop->methods.count("hidden"), 0u);
  ASSERT_EQ(shop->methods.count("undocumented"), 1u);
  EXPECT_EQ(shop->methods.at("undocumented").verb, "POST");
  EXPECT_EQ(shop->methods.at("getMenu").route, "/getMenu");
  EXPECT_EQ(shop->methods.at("getMenu").verb, "GET");
  EXPECT_EQ(shop->methods.at("addItem").params.size(), 2u);
  // The stored form reads back the same.
  auto again = ServiceCatalog::fromJson(catalog.toJson());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->toJson(), catalog.toJson());
}

TEST(ServiceCatalogTest, MatchesRequests) {
  ServiceCatalog catalog = sampleCatalog();
  struct Case {
    const char* verb;
    std::vector<std::string> rest;
    const char* method;  // nullptr: no match
    std::vector<std::pair<std::string, std::string>> params;
  } cases[] = {
      {"GET", {"orders", "17"}, "getOrder", {{"id", "17"}}},
      {"GET", {"orders", "latest"}, "latest", {}},          // literal beats parameter
      {"GET", {"2.0.0", "orders", "9"}, "getOrder", {{"id", "9"}}},
      {"GET", {"getMenu"}, "getMenu", {}},
      {"POST", {"getMenu"}, "getMenu", {}},                 // the SDK's invoke: POST by name
      {"POST", {"addItem"}, "addItem", {}},
      {"POST", {"hidden"}, nullptr, {}},
      {"POST", {"constructor"}, nullptr, {}},
      {"DELETE", {"orders", "1"}, nullptr, {}},
      {"GET", {"orders"}, nullptr, {}},
  };
  for (const Case& c : cases) {
    auto t = catalog.match("Shop", c.verb, c.rest);
    std::string label = std::string(c.verb) + " " + (c.rest.empty() ? "" : c.rest.back());
    if (c.method == nullptr) {
      EXPECT_FALSE(t.has_value()) << label;
      continue;
    }
    ASSERT_TRUE(t.has_value()) << label;
    EXPECT_EQ(t->method->name, c.method) << label;
    EXPECT_EQ(t->pathParams, c.params) << label;
  }
  EXPECT_FALSE(catalog.match("Nope", "POST", {"getMenu"}).has_value());
}

TEST(ServiceCatalogTest, RefusesBadDescribe) {
  for (const json& bad : {json(nullptr), json{{"services", 1}}, json{{"services", {{{"version", "1"}}}}},
                          json{{"services", {{{"name", "A"}, {"methods", json::array()}},
                                             {{"name", "A"}, {"methods", json::array()}}}}}}) {
    auto c = ServiceCatalog::build(bad, {});
    EXPECT_FALSE(c.ok()) << bad.dump();
    EXPECT_EQ(c.status().code(), ErrorCode::kBundleError);
  }
}

// --- Bundle collection ---

BundleReader readerOf(std::map<std::string, std::string> files) {
  return [files = std::move(files)](const std::string& path) -> std::optional<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
}

TEST(CollectBundleTest, FollowsTheRequireGraph) {
  std::map<std::string, std::string> folder = {
      {"services/a.js", "const u = require('../lib/util');\n// require('./ignored')\nconst m = require(\"../models\");"},
      {"lib/util.js", "module.exports = require('./deep/x.json');"},
      {"lib/deep/x.json", "{}"},
      {"models/index.js", "exports.a = require('../lib/util.js');"},
      {"unused.js", "nothing"},
  };
  auto files = collectBundle({"services/a.js"}, readerOf(folder));
  ASSERT_TRUE(files.ok()) << files.status().message();
  std::vector<std::string> paths;
  for (const auto& [p, s] : *files) paths.push_back(p);
  EXPECT_EQ(paths, (std::vector<std::string>{"lib/deep/x.json", "lib/util.js", "models/index.js", "services/a.js"}));
}

TEST(CollectBundleTest, RefusesEscapesAndBareNames) {
  struct Case {
    const char* source;
    const char* message;
  } cases[] = {
      {"\nrequire('../../etc/passwd')", "services/a.js:2: require('../../etc/passwd'): the path leaves the app folder"},
      {"require('fs')", "services/a.js:1: require('fs'): only relative paths"},
      {"require('./missing')", "services/a.js:1: require('./missing'): no such file in the app folder"},
      {"require('../seed/Orders.json')", "services/a.js:1: require('../seed/Orders.json'): seed/Orders.json is in a folder deploys skip"},
      {"require('../.cloudkeep/x.js')", "services/a.js:1: require('../.cloudkeep/x.js'): .cloudkeep/x.js is in a folder"},
  };
  for (const Case& c : cases) {
    std::map<std::string, std::string> folder = {
        {"services/a.js", c.source}, {"seed/Orders.json", "[]"}, {".cloudkeep/x.js", "x"}};
    auto files = collectBundle({"services/a.js"}, readerOf(folder));
    ASSERT_FALSE(files.ok()) << c.source;
    EXPECT_EQ(files.status().code(), ErrorCode::kBundleError);
    EXPECT_EQ(files.status().message().rfind(c.message, 0), 0u) << files.status().message();
  }
}

TEST(CheckBundlePathTest, Table) {
  struct Case {
    const char* path;
    bool ok;
  } cases[] = {
      {"services/a.js", true},   {"lib/x.json", true},      {"a.js", true},          {"/abs.js", false},
      {"a/../b.js", false},      {"./a.js", false},         {"a//b.js", false},      {"a.txt", false},
      {"seed/T.json", false},    {".git/x.js", false},      {"__cloudkeep_entry.js", false}, {"", false},
      {"a\\b.js", false},
  };
  for (const Case& c : cases) EXPECT_EQ(checkBundlePath(c.path).empty(), c.ok) << c.path;
  EXPECT_EQ(serviceFilesOf({{"services/a.js", ""}, {"services/lib/b.js", ""}, {"lib/c.js", ""}, {"services/d.json", ""}}),
            std::vector<std::string>{"services/a.js"});
}

}  // namespace
}  // namespace ck::services
