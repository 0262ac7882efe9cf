// Cloud code over HTTP: deploys and versions through the admin API, service
// invocation through /{appId}/{apiKey}/services/..., with the server core
// in-process on port 0 and real V8 isolates on the JS lane.
//
// Until the SDK (sdk-js/) provides Backendless.ServerCode, each bundle
// carries a stand-in of its registry (services/00_sdk.js, loaded first),
// written to sdk-js/README.md's contract; it steps aside when the real
// SDK is present.

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "services/invoker.h"
#include "tests/integration/in_process_server.h"

namespace ck::testing {
namespace {

using nlohmann::json;

const char* kStandInSdk = R"JS(
const B = globalThis.Backendless;
if (!B || !B.ServerCode || typeof B.ServerCode.__dispatch !== 'function') {
  const services = new Map();
  class ServerCodeError extends Error {
    constructor(code, message, httpStatus) { super(message); this.code = code; this.httpStatus = httpStatus; }
  }
  const own = (cls) => Object.getOwnPropertyNames(cls.prototype).filter((n) => {
    const d = Object.getOwnPropertyDescriptor(cls.prototype, n);
    return n !== 'constructor' && typeof d.value === 'function';
  });
  globalThis.Backendless = { ServerCode: {
    Error: ServerCodeError,
    addService(cls, configItems) { services.set(cls.name, { cls, configItems: configItems || [] }); },
    __describe() {
      return { services: [...services.values()].map(({ cls, configItems }) => ({
        name: cls.name, version: cls.version || '1.0.0', description: cls.description || '',
        methods: own(cls), configItems })), types: [] };
    },
    async __dispatch(req) {
      const { cls } = services.get(req.service);
      const inst = new cls(req.config);
      inst.request = { context: req.context, pathParams: req.pathParams, queryParams: req.queryParams };
      inst.response = { headers: {} };
      try {
        const value = await inst[req.method](...req.args);
        return { value, statusCode: inst.response.statusCode, headers: inst.response.headers };
      } catch (e) {
        if (e instanceof ServerCodeError) return { error: { code: e.code, message: e.message, httpStatus: e.httpStatus } };
        throw e;
      }
    },
  } };
}
)JS";

const char* kShop = R"JS(
const { label } = require('../lib/label');

class Shop {
  /**
   * @route GET /orders/{id}
   * @param {number} qty
   * @param {boolean} gift
   */
  getOrder(qty, gift) {
    return { id: this.request.pathParams.id, qty, gift, label: label('order') };
  }

  /** @param {string} name */
  hello(name) { return 'hello ' + name; }

  /**
   * @param {string} a
   * @param {number} b
   */
  addPair(a, b) { return [a, b]; }

  getNothing(x) { return arguments.length === 0 ? 'no args' : 'args'; }

  whoAmI() {
    const c = this.request.context;
    return { appId: c.appId, userId: c.userId, roles: c.userRoles, device: c.deviceType, path: c.httpPath,
             hasToken: c.userToken !== null };
  }

  // this.request as a method sees it: the context is read on demand but
  // behaves as an own, enumerable, replaceable member.
  requestShape() {
    const shape = { keys: Object.keys(this.request), copied: JSON.parse(JSON.stringify(this.request)).context.deviceType,
                    spread: { ...this.request }.context.httpPath,
                    frozen: Object.isFrozen(Object.getOwnPropertyDescriptor(this.request, 'context').get) };
    this.request.context = { replaced: true };
    shape.replaced = this.request.context;
    return shape;
  }

  leak() {
    const token = this.request.context.userToken;
    console.log('token ' + token);
    throw new Error('failing with ' + token);
  }

  refuse() { throw new Backendless.ServerCode.Error(4242, 'not today', 409); }
  crash() { throw new TypeError('secret detail'); }
  created() { this.response.statusCode = 201; this.response.headers['X-Shop'] = 'yes'; return { ok: true }; }

  /** @private */
  hidden() { return 'hidden'; }

  /** @executionTimeoutInSeconds 1 */
  spin() { for (;;) {} }

  version() { return VERSION; }

  // Date.now() does not move inside an invocation: count instead.
  slow() { let n = 0; for (let i = 0; i < 3e8; i++) n += i & 1; return n > 0 ? VERSION : 'never'; }
}
Backendless.ServerCode.addService(Shop);
)JS";

json policyGranting(const json& rules) {
  return {{"name", "shop"}, {"roles", {"Customer"}}, {"rules", rules}};
}

class ServicesHttpTest : public InProcessServerTest {
 protected:
  void configure(runtime::Config& config) override {
    config.jsWorkers = 3;
    config.passwordOpsLimit = 1;
    config.passwordMemBytes = 8 << 10;
  }

  void SetUp() override {
    InProcessServerTest::SetUp();
    HttpResult r = call("POST", "/admin/apps", json({{"name", "shop"}}).dump());
    ASSERT_EQ(r.status, 201) << r.body;
    json app = json::parse(r.body);
    appId_ = app["id"];
    restKey_ = app["keys"]["REST"];
  }

  json bundle(const std::string& version = "v1") {
    return {{"services/00_sdk.js", kStandInSdk},
            {"services/shop.js", "const VERSION = '" + version + "';\n" + kShop},
            {"lib/label.js", "exports.label = (s) => '<' + s + '>';"}};
  }

  json openPolicy() {
    return policyGranting({{{"grant", {"invoke"}}, {"roles", {"NotAuthenticatedUser"}}, {"on", "service:Shop"}}});
  }

  HttpResult deploy(const json& files, const json& policy = nullptr) {
    json body = {{"files", files}};
    if (!policy.is_null()) body["policy"] = policy;
    return call("POST", "/admin/apps/" + appId_ + "/deploy", body.dump());
  }

  HttpResult client(const std::string& method, const std::string& path, const std::string& body = "") {
    return call(method, "/" + appId_ + "/" + restKey_ + "/services/" + path, body, /*admin=*/false);
  }

  std::string appId_;
  std::string restKey_;
};

TEST_F(ServicesHttpTest, DeploysAndInvokesByPost) {
  HttpResult d = deploy(bundle(), openPolicy());
  ASSERT_EQ(d.status, 200) << d.body;
  json out = json::parse(d.body);
  EXPECT_EQ(out["version"], 1);
  ASSERT_EQ(out["services"].size(), 1u);
  EXPECT_EQ(out["services"][0]["name"], "Shop");

  HttpResult r = client("POST", "Shop/hello", "\"ana\"");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), "hello ana");
  // One parameter: a body that is not JSON is the argument as text.
  r = client("POST", "Shop/hello", "boris");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), "hello boris");
  // Two or more: an object keyed by the @param names.
  r = client("POST", "Shop/addPair", R"({"b": 2, "a": "x"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json::array({"x", 2}));
  r = client("POST", "Shop/addPair", "[1, 2]");
  EXPECT_EQ(r.status, 400) << r.body;
  // No parameters: the body is ignored.
  r = client("POST", "Shop/getNothing", R"({"x": 1})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), "no args");
  // Unknown service, unknown and private methods.
  EXPECT_EQ(json::parse(client("POST", "Nope/hello").body)["code"], 14001);
  EXPECT_EQ(json::parse(client("POST", "Shop/nope").body)["code"], 14002);
  EXPECT_EQ(json::parse(client("POST", "Shop/hidden").body)["code"], 14002);
  EXPECT_EQ(json::parse(client("POST", "Shop/constructor").body)["code"], 14002);
}

TEST_F(ServicesHttpTest, RoutesWithPathAndQueryParameters) {
  ASSERT_EQ(deploy(bundle(), openPolicy()).status, 200);
  HttpResult r = client("GET", "Shop/orders/17?qty=3&gift=true");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json({{"id", "17"}, {"qty", 3}, {"gift", true}, {"label", "<order>"}}));
  // With the version segment.
  r = client("GET", "Shop/1.0.0/orders/abc");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["id"], "abc");
  // A parameter is decoded after the path is split: an encoded '/' stays in it.
  r = client("GET", "Shop/orders/a%2Fb%20c");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["id"], "a/b c");
  EXPECT_EQ(client("GET", "Shop/orders/a/b").status, 404);
  // A generated route: get… is GET.
  r = client("GET", "Shop/getNothing");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(client("DELETE", "Shop/orders/1").status, 404);
}

TEST_F(ServicesHttpTest, ContextStatusAndHeaders) {
  ASSERT_EQ(deploy(bundle(), openPolicy()).status, 200);
  HttpResult r = client("POST", "Shop/whoAmI");
  ASSERT_EQ(r.status, 200) << r.body;
  json who = json::parse(r.body);
  EXPECT_EQ(who["appId"], appId_);
  EXPECT_EQ(who["userId"], nullptr);
  EXPECT_EQ(who["device"], "REST");
  EXPECT_EQ(who["path"], "/services/Shop/whoAmI");
  EXPECT_EQ(who["hasToken"], false);
  EXPECT_NE(std::find(who["roles"].begin(), who["roles"].end(), "NotAuthenticatedUser"), who["roles"].end());
  r = client("POST", "Shop/requestShape");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"keys": ["context", "pathParams", "queryParams"], "copied": "REST",
                                                  "spread": "/services/Shop/requestShape", "frozen": true,
                                                  "replaced": {"replaced": true}})"));
  r = client("POST", "Shop/created");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.header("x-shop"), "yes");
}

TEST_F(ServicesHttpTest, SignedInCallerIsSeenByTheCode) {
  json policy = policyGranting({{{"grant", {"invoke"}}, {"roles", {"Customer"}}, {"on", "service:Shop"}}});
  ASSERT_EQ(deploy(bundle(), policy).status, 200);
  const std::string base = "/" + appId_ + "/" + restKey_;
  HttpResult r = call("POST", base + "/users/register", R"({"email": "boris@example.com", "password": "123123qwe"})",
                      /*admin=*/false);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string userId = json::parse(r.body)["objectId"];
  r = call("POST", base + "/users/login", R"({"login": "boris@example.com", "password": "123123qwe"})", false);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string token = json::parse(r.body)["user-token"];
  auto asBoris = [&](const std::string& path) {
    return httpCall(server_->port(), "POST", base + "/services/Shop/" + path, {{"user-token", token}}, "", 20'000);
  };
  // Signed in without the role: denied; with it: the code sees who called.
  EXPECT_EQ(json::parse(asBoris("whoAmI").body)["code"], 14008);
  ASSERT_EQ(call("PUT", "/admin/apps/" + appId_ + "/users/" + userId + "/roles/Customer").status, 200);
  r = asBoris("whoAmI");
  ASSERT_EQ(r.status, 200) << r.body;
  json who = json::parse(r.body);
  EXPECT_EQ(who["userId"], userId);
  EXPECT_EQ(who["hasToken"], true);
  EXPECT_NE(std::find(who["roles"].begin(), who["roles"].end(), "Customer"), who["roles"].end()) << who;
  // Anonymous callers are still denied.
  EXPECT_EQ(json::parse(client("POST", "Shop/whoAmI").body)["code"], 14008);
}

TEST_F(ServicesHttpTest, CallersTokenNeverReachesALog) {
  json policy = policyGranting({{{"grant", {"invoke"}}, {"roles", {"AuthenticatedUser"}}, {"on", "service:Shop"}}});
  ASSERT_EQ(deploy(bundle(), policy).status, 200);
  const std::string base = "/" + appId_ + "/" + restKey_;
  ASSERT_EQ(call("POST", base + "/users/register", R"({"email": "ana@example.com", "password": "123123qwe"})", false)
                .status,
            200);
  HttpResult r = call("POST", base + "/users/login", R"({"login": "ana@example.com", "password": "123123qwe"})", false);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string token = json::parse(r.body)["user-token"];
  r = httpCall(server_->port(), "POST", base + "/services/Shop/leak", {{"user-token", token}}, "", 20'000);
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_EQ(r.body.find(token), std::string::npos) << r.body;

  // The app log has the console line and the failure, named by the service
  // method, with the token redacted; the server's log never has it.
  r = call("GET", "/admin/apps/" + appId_ + "/logs");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find(token), std::string::npos) << r.body;
  bool consoleLine = false, failure = false;
  const json logs = json::parse(r.body);
  for (const json& line : logs["lines"]) {
    const std::string message = line["message"];
    if (line["source"] == "console") consoleLine = message == "token [redacted]";
    if (line["source"] == "invocation") {
      failure = message.starts_with("Shop.leak failed: ") && message.find("failing with [redacted]") != std::string::npos;
    }
  }
  EXPECT_TRUE(consoleLine) << r.body;
  EXPECT_TRUE(failure) << r.body;
  EXPECT_EQ(log_.dump().find(token), std::string::npos) << log_.dump();
  EXPECT_NE(log_.dump().find("Shop.leak"), std::string::npos) << log_.dump();
}

TEST_F(ServicesHttpTest, DeniedWithoutInvokeGrant) {
  json policy = policyGranting({{{"grant", {"invoke"}}, {"roles", {"NotAuthenticatedUser"}}, {"on", "service:Shop.hello"}}});
  ASSERT_EQ(deploy(bundle(), policy).status, 200);
  EXPECT_EQ(client("POST", "Shop/hello", "\"a\"").status, 200);
  HttpResult r = client("POST", "Shop/whoAmI");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(json::parse(r.body)["code"], 14008);
  // No policy at all: nothing is invocable by clients.
  ASSERT_EQ(deploy(bundle(), policyGranting(json::array())).status, 200);
  EXPECT_EQ(json::parse(client("POST", "Shop/hello", "\"a\"").body)["code"], 14008);
}

TEST_F(ServicesHttpTest, ErrorsMapToResponses) {
  ASSERT_EQ(deploy(bundle(), openPolicy()).status, 200);
  HttpResult r = client("POST", "Shop/refuse");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(json::parse(r.body), json({{"code", 4242}, {"message", "not today"}}));
  r = client("POST", "Shop/crash");
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_EQ(r.body.find("secret detail"), std::string::npos) << r.body;
  EXPECT_EQ(json::parse(r.body)["code"], 100700);
  r = client("POST", "Shop/spin");  // @executionTimeoutInSeconds 1
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_EQ(json::parse(r.body)["code"], 15000);
  // The app keeps answering.
  EXPECT_EQ(client("POST", "Shop/hello", "\"x\"").status, 200);
}

TEST_F(ServicesHttpTest, BrokenBundleIsRejectedWhole) {
  ASSERT_EQ(deploy(bundle("v1"), openPolicy()).status, 200);
  json broken = bundle("v2");
  broken["services/bad.js"] = "// fine\n\nconst x = ;\n";
  HttpResult r = deploy(broken, openPolicy());
  EXPECT_EQ(r.status, 400) << r.body;
  json err = json::parse(r.body);
  EXPECT_EQ(err["code"], 100701);
  EXPECT_NE(err["message"].get<std::string>().find("services/bad.js:3"), std::string::npos) << r.body;
  // A bad JSDoc tag and a throw at load are refused too.
  broken = bundle("v2");
  broken["services/tag.js"] = "class T {\n  /** @route PATCH /x */\n  m() {}\n}\n";
  r = deploy(broken);
  EXPECT_NE(json::parse(r.body)["message"].get<std::string>().find("services/tag.js:2"), std::string::npos) << r.body;
  broken = bundle("v2");
  broken["services/throws.js"] = "\nthrow new Error('no db config');\n";
  r = deploy(broken);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(json::parse(r.body)["message"].get<std::string>().find("services/throws.js:2"), std::string::npos)
      << r.body;
  // Paths outside the bundle's rules.
  r = deploy(json{{"../x.js", "1"}});
  EXPECT_EQ(r.status, 400) << r.body;
  // v1 still serves.
  HttpResult v = client("POST", "Shop/version");
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_EQ(json::parse(v.body), "v1");
}

TEST_F(ServicesHttpTest, RollbackRestoresBundleAndPolicy) {
  ASSERT_EQ(deploy(bundle("v1"), openPolicy()).status, 200);
  json closed = policyGranting({{{"grant", {"invoke"}}, {"roles", {"NotAuthenticatedUser"}}, {"on", "service:Shop.version"}}});
  ASSERT_EQ(deploy(bundle("v2"), closed).status, 200);
  EXPECT_EQ(json::parse(client("POST", "Shop/version").body), "v2");
  EXPECT_EQ(client("POST", "Shop/hello", "\"a\"").status, 403);

  HttpResult r = call("POST", "/admin/apps/" + appId_ + "/rollback");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["version"], 1);
  EXPECT_EQ(json::parse(client("POST", "Shop/version").body), "v1");
  EXPECT_EQ(client("POST", "Shop/hello", "\"a\"").status, 200);  // v1's policy again
  r = call("GET", "/admin/apps/" + appId_ + "/versions");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["active"], 1);
  EXPECT_EQ(json::parse(r.body)["versions"].size(), 2u);
  EXPECT_EQ(call("POST", "/admin/apps/" + appId_ + "/rollback").status, 404);

  // The active version comes back after a restart.
  server_->stop();
  start();
  EXPECT_EQ(json::parse(client("POST", "Shop/version").body), "v1");
}

TEST_F(ServicesHttpTest, InFlightInvocationsFinishOnTheOldVersion) {
  ASSERT_EQ(deploy(bundle("v1"), openPolicy()).status, 200);
  auto slow = std::async(std::launch::async, [this] { return client("POST", "Shop/slow"); });
  // Wait until it runs, then deploy under it.
  for (int i = 0; i < 200 && server_->invoker().load(appId_).running == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(server_->invoker().load(appId_).running, 1u);
  ASSERT_EQ(deploy(bundle("v2"), openPolicy()).status, 200);
  EXPECT_EQ(json::parse(client("POST", "Shop/version").body), "v2");
  HttpResult old = slow.get();
  ASSERT_EQ(old.status, 200) << old.body;
  EXPECT_EQ(json::parse(old.body), "v1");
}

}  // namespace
}  // namespace ck::testing
