// Binding tests of the SDK (sdk-js/backendless.js) on real isolates through
// the Invoker against real apps: every SDK method once with its result, the
// on-behalf-of rules (asCaller / asServer / runAs), the ServerCode contract
// of sdk-js/README.md, the cache, the app log's redaction, isolation from
// other apps, and the SDK frozen across invocations.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "services/app.h"
#include "services/app_log.h"
#include "services/host.h"
#include "services/invoker.h"
#include "storage/test_temp_dir.h"

namespace ck::services {
namespace {

using nlohmann::json;

constexpr const char* kPolicy = R"({
  "name": "sdk",
  "roles": ["Customer"],
  "rules": [
    { "grant": ["invoke"], "roles": ["Customer"], "on": "service:*" },
    { "grant": ["find", "create"], "roles": ["Customer"], "on": "data:Note" }
  ],
  "tables": {
    "Restaurant": { "columns": { "name": "string", "open": "boolean" } },
    "Note": { "columns": { "text": "string" } },
    "Reading": { "columns": { "v": "number" } },
    "Odd": { "columns": { "constructor": "string", "toString": "number", "hasOwnProperty": "boolean" } },
    "Wide": { "columns": { "c01": "number", "c02": "string", "c03": "number", "c04": "string", "c05": "number",
                           "c06": "string", "c07": "number", "c08": "string", "c09": "number", "c10": "string",
                           "c11": "number", "c12": "string", "c13": "number", "c14": "string" } }
  },
  "services": {
    "OpenService": {},
    "CallerService": { "runAs": "caller" },
    "NarrowService": { "grants": [ { "ops": ["find"], "on": "data:Restaurant" } ] }
  }
})";

constexpr const char* kCode = R"js('use strict';
const B = Backendless;
const outcome = (p) => p.then((value) => ({ value }), (e) => ({ code: e.code, message: e.message }));
const Q = () => B.DataQueryBuilder.create();

exports.data = async () => {
  const R = B.Data.of('Restaurant');
  const out = {};
  out.find = await R.find(Q().setWhereClause("name = 'Alfa'").setProperties(['name']).setSortBy('name'));
  out.page = (await R.find(Q().setPageSize(1).setOffset(1).setSortBy(['name']))).map((r) => r.name);
  const first = await R.findFirst();
  out.first = first.name;
  out.last = (await R.findLast()).name;
  out.byId = (await R.findById(first.objectId)).name;
  out.count = await R.getObjectCount();
  out.countWhere = await R.getObjectCount(Q().setWhereClause("name = 'Bravo'"));
  const saved = await R.save({ name: 'Charlie', open: false, ownerId: 'forged' });
  out.saved = { name: saved.name, ownerId: saved.ownerId };
  out.updated = (await R.save({ objectId: saved.objectId, name: 'Charlie2' })).name;
  out.removed = typeof (await R.remove(saved)).deletionTime;
  out.bulkCreate = (await R.bulkCreate([{ name: 'D1' }, { name: 'D2' }])).length;
  out.bulkUpdate = await R.bulkUpdate("name LIKE 'D%'", { open: true });
  out.bulkDelete = await R.bulkDelete("name LIKE 'D%'");
  out.countAfter = await R.getObjectCount();
  out.qb = { where: Q().setWhereClause('a = 1').getWhereClause(), size: Q().setPageSize(5).getPageSize(),
             offset: Q().setOffset(2).getOffset(), sort: Q().setSortBy('x,y').getSortBy(),
             props: Q().setProperties(['a']).getProperties() };
  return out;
};

exports.find = (table) => outcome(B.Data.of(table).find());
exports.asCallerFind = (table) => outcome(B.asCaller().Data.of(table).find());
exports.asServerFind = (table) => outcome(B.asServer().Data.of(table).find());
exports.asCallerSave = async () => outcome(B.asCaller().Data.of('Note').save({ text: 'mine' }));

// A script naming another app, another principal or a bogus `as`.
exports.forge = async (otherApp) => ({
  rows: await outcome(Host.call('data.find', { table: 'Restaurant', appId: otherApp, principal: 'admin',
                                               app: otherApp, invocation: 'x' })),
  badAs: await outcome(Host.call('data.find', { table: 'Restaurant', as: 'admin' })),
});

exports.cache = async () => {
  const C = B.Cache;
  class Point { constructor() { this.x = 0; } norm() { return this.x * 2; } }
  C.setObjectFactory('Point', () => new Point());
  const out = {};
  await C.put('k', { a: 1 });
  out.get = await C.get('k');
  out.contains = await C.contains('k');
  const p = new Point(); p.x = 21;
  await C.put('p', p);
  out.point = (await C.get('p')).norm();
  out.expire = await C.expireIn('k', 1);
  out.removed = await C.remove('k');
  out.gone = await C.get('k');
  out.containsAfter = await C.contains('k');
  return out;
};
exports.cacheGet = (key) => B.Cache.get(key);
exports.cachePut = (key, value) => B.Cache.put(key, value);

exports.logs = (token) => {
  console.log('token is', token, { nested: token });
  B.Logging.getLogger('orders').warn('warned ' + token);
  return 'ok';
};
exports.fail = (token) => { throw new Error('bad token ' + token); };

exports.files = async () => {
  const F = B.Files;
  const out = {};
  out.saved = await F.saveFile('/docs', 'a.txt', 'hello', true);
  out.uploaded = await F.upload(new Uint8Array([0, 1, 2, 250, 255]), '/docs/b.bin', true);
  out.named = await F.upload({ name: 'c.txt', content: 'named' }, '/docs', true);
  out.text = await F.read('/docs/a.txt');
  out.bytes = Array.from(await F.read('/docs/b.bin', 'bytes'));
  out.listing = (await F.listing('/docs', '*.txt')).map((f) => f.name).sort();
  out.exists = await F.exists('/docs/a.txt');
  out.removed = await F.remove('/docs/a.txt');
  out.existsAfter = await F.exists('/docs/a.txt');
  return out;
};

exports.users = async (userId) => ({
  found: (await B.UserService.findById(userId)).email,
  assign: await outcome(B.UserService.assignRole(userId, 'Customer')),
  asCaller: await outcome(B.asCaller().UserService.assignRole(userId, 'Customer')),
  unassign: await outcome(B.UserService.unassignRole('boris@example.com', 'Customer')),
});

// ServerCode: the contract in sdk-js/README.md.
class Restaurant extends B.ServerCode.PersistenceItem {
  label() { return 'R:' + this.name; }
}
class Order { total() { return this.qty * 2; } }
class Shop {
  async hello(name) { return { hi: name, user: this.request.context.userId, greeting: this.config.greeting }; }
  async order(o) { return o.total(); }
  async orders(list) { return Array.isArray(list) ? list.map((o) => o.total()) : typeof list; }
  async fail() { throw new B.ServerCode.Error(4242, 'nope', 409); }
  async status() { this.response.statusCode = 201; this.response.headers['X-A'] = 'b'; return 1; }
  async items() {
    const found = await Restaurant.find(Q().setWhereClause("name = 'Alfa'"));
    const one = await Restaurant.findById(found[0].objectId);
    const r = new Restaurant({ name: 'Echo' });
    await r.save();
    const saved = r.objectId !== undefined;
    const count = await Restaurant.count();
    await r.remove();
    return { label: found[0].label(), one: one.label(), saved, count, first: (await Restaurant.findFirst()).name };
  }
  get notAMethod() { return 1; }
}
Shop.version = '1.2.0';
Shop.description = 'a shop';
B.ServerCode.addService(Shop, [{ name: 'greeting', defaultValue: 'hello' }]);
B.ServerCode.addType(Order);
exports.describe = () => B.ServerCode.__describe();
exports.dispatch = (request) => B.ServerCode.__dispatch(request);
exports.__dispatch = exports.dispatch;

// Rows a find handed over, returned as they are or changed in every way
// JSON.stringify would see.
class Rows {
  async same() { return B.Data.of('Reading').find(); }
  async awaited() { const rows = await B.Data.of('Reading').find(); rows.note = 'not serialised'; return rows; }
  async read() { const rows = await B.Data.of('Reading').find(); return rows.map((r) => r.v).length ? rows : []; }
  async changed() { const rows = await B.Data.of('Reading').find(); rows[1].v = 3; return rows; }
  async added() { const rows = await B.Data.of('Reading').find(); rows[1].extra = 1; return rows; }
  async removed() { const rows = await B.Data.of('Reading').find(); delete rows[1].v; return rows; }
  async moved() {
    const rows = await B.Data.of('Reading').find();
    const v = rows[1].ownerId; delete rows[1].ownerId; rows[1].ownerId = v; return rows;
  }
  async hidden() {
    const rows = await B.Data.of('Reading').find();
    Object.defineProperty(rows[1], 'v', { enumerable: false }); return rows;
  }
  async rowToJson() {
    const rows = await B.Data.of('Reading').find();
    Object.defineProperty(rows[1], 'toJSON', { value: () => 'row' }); return rows;
  }
  async arrayToJson() {
    const rows = await B.Data.of('Reading').find();
    Object.defineProperty(rows, 'toJSON', { value: () => 'rows' }); return rows;
  }
  async proto() {
    const rows = await B.Data.of('Reading').find();
    Object.setPrototypeOf(rows[1], { toJSON: () => 'proto' }); return rows;
  }
  async copied() { const rows = await B.Data.of('Reading').find(); rows[1] = { ...rows[1] }; return rows; }
  async pushed() { const rows = await B.Data.of('Reading').find(); rows.push(7); return rows; }
  async sorted() { const rows = await B.Data.of('Reading').find(); return rows.reverse(); }
  async wrapped() { return { rows: await B.Data.of('Reading').find() }; }
  async twice() { await B.Data.of('Reading').find(); return B.Data.of('Reading').find(); }
  async many() { let rows; for (let i = 0; i < 70; i++) rows = await B.Data.of('Reading').find(); return rows; }
  // Rows of more keys than buildRows stores one by one (19), copied so that
  // they are serialised, not answered with the page's text.
  async wide() { const rows = await B.Data.of('Wide').find({ sortBy: ['c01'] }); return rows.map((r) => ({ ...r })); }
  // Columns named as Object.prototype's members are the rows' own values.
  async odd() {
    const rows = await B.Data.of('Odd').find();
    return { rows, own: rows.map((r) => [Object.prototype.hasOwnProperty.call(r, 'constructor'), r.constructor,
                                         r.toString, r.hasOwnProperty, Object.getPrototypeOf(r) === Object.prototype]) };
  }
}
B.ServerCode.addService(Rows);
exports.lateAdd = () => { try { B.ServerCode.addService(class Late {}); return 'added'; } catch (e) { return e.message; } };

// Pollution attempts; the next invocation checks they did not stick.
let invocations = 0;
exports.count = () => ++invocations;
exports.pollute = () => {
  const tries = [
    () => { B.Data.of = () => 'evil'; },
    () => { Object.getPrototypeOf(Q()).setWhereClause = () => 'evil'; },
    () => { B.asCaller().Data.of = () => 'evil'; },
    () => { B.asCaller().Data.of('X').find = () => 'evil'; },
    () => { console.log = () => 'evil'; },
    () => { B.ServerCode.PersistenceItem.find = () => 'evil'; },
    () => { B.Cache.get = () => 'evil'; },
    () => { globalThis.Backendless = {}; },
  ];
  return tries.map((t) => { try { t(); return 'changed?'; } catch (e) { return 'refused'; } });
};
exports.check = () => [typeof B.Data.of('X').find, Q().setWhereClause('a = 1').getWhereClause(),
                       B.asCaller().Data.of === B.Data.of, String(console.log).includes('evil'),
                       String(B.ServerCode.PersistenceItem.find).includes('evil'), globalThis.Backendless === B,
                       Object.isFrozen(B.asServer().Files)];
)js";

class SdkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AppConfig config;
    config.users.password = {1, 8u << 10};
    host_ = Host::open(tmp_.path(), random_, clock_, log_, config);
    appId_ = makeApp("sdk");
    otherId_ = makeApp("other");
    app_ = host_->app(appId_);
    CallInfo admin{Channel::kAdmin, "setup"};
    {
      AppLease lease = app_->lease();
      Result<json> boris = lease.users().registerUser({{"email", "boris@example.com"}, {"password", "pw"}});
      ASSERT_TRUE(boris.ok()) << boris.status().message();
      borisId_ = (*boris)["objectId"].get<std::string>();
    }
    ASSERT_TRUE(app_->assignRole(admin, borisId_, "Customer").ok());
    ASSERT_TRUE(app_->applyPolicy(kPolicy, admin).ok());
    for (App* app : {app_, host_->app(otherId_)}) {
      AppLease lease = app->lease();
      DataService data = lease.data();
      for (const char* name : {"Alfa", "Bravo"}) {
        std::string n = app == app_ ? name : std::string("Other") + name;
        ASSERT_TRUE(data.create(Principal::admin(), admin, "Restaurant", {{"name", n}, {"open", true}}).ok());
        clock_.advanceMs(1);  // created in this order
      }
    }
    Result<Session> session = app_->login(ClientKind::kRest, CallInfo{}, "boris@example.com", "pw");
    ASSERT_TRUE(session.ok());
    token_ = session->token;
    invoker_ = std::make_unique<Invoker>(InvokerConfig{.workers = 2}, log_, host_.get());
    ASSERT_TRUE(invoker_->setAppCode(appId_, {{"main.js", kCode}}, {"main.js"}).ok());
  }

  std::string makeApp(const std::string& name) {
    Result<AppInfo> info = host_->createApp(name);
    EXPECT_TRUE(info.ok());
    return info.ok() ? info->id : "";
  }

  // Runs `fn` as `service` called by Boris (or by nobody).
  Result<json> run(const std::string& service, const std::string& fn, json args, bool withCaller = true) {
    auto promise = std::make_shared<std::promise<Result<json>>>();
    auto future = promise->get_future();
    InvokeAs as;
    as.service = service;
    as.method = fn;
    if (withCaller) {
      Result<Principal> p = app_->principalFor(ClientKind::kJs, token_);
      EXPECT_TRUE(p.ok());
      as.caller = *p;
      as.callerToken = token_;
    }
    invoker_->invoke(appId_, fn, std::move(args), [promise](Result<json> r) { promise->set_value(std::move(r)); },
                     "req-" + fn + "-" + std::to_string(++calls_), std::move(as));
    EXPECT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    return future.get();
  }
  json invoke(const std::string& service, const std::string& fn, json args = json::array(), bool withCaller = true) {
    Result<json> r = run(service, fn, std::move(args), withCaller);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : json();
  }

  storage::TempDir tmp_;
  FakeClock clock_;
  SystemRandom random_;
  MemoryLogger log_;
  std::unique_ptr<Host> host_;
  std::unique_ptr<Invoker> invoker_;  // after host_: stopped before it goes
  std::string appId_;
  std::string otherId_;
  App* app_ = nullptr;
  std::string borisId_;
  std::string token_;
  int calls_ = 0;
};

TEST_F(SdkTest, DataMethodsAnswerAsTheSdkDoes) {
  json out = invoke("OpenService", "data");
  ASSERT_TRUE(out.is_object()) << out.dump();
  ASSERT_EQ(out["find"].size(), 1u) << out.dump();
  EXPECT_EQ(out["find"][0]["name"], "Alfa");
  EXPECT_FALSE(out["find"][0].contains("open")) << "setProperties(['name'])";
  EXPECT_EQ(out["page"], json::array({"Bravo"}));
  EXPECT_EQ(out["first"], "Alfa");
  EXPECT_EQ(out["last"], "Bravo");
  EXPECT_EQ(out["byId"], "Alfa");
  EXPECT_EQ(out["count"], 2);
  EXPECT_EQ(out["countWhere"], 1);
  EXPECT_EQ(out["saved"]["name"], "Charlie");
  EXPECT_EQ(out["saved"]["ownerId"], borisId_) << "created for a signed-in caller: owned by the caller";
  EXPECT_EQ(out["updated"], "Charlie2");
  EXPECT_EQ(out["removed"], "number");
  EXPECT_EQ(out["bulkCreate"], 2);
  EXPECT_EQ(out["bulkUpdate"], 2);
  EXPECT_EQ(out["bulkDelete"], 2);
  EXPECT_EQ(out["countAfter"], 2);
  EXPECT_EQ(out["qb"], json::parse(R"({"where":"a = 1","size":5,"offset":2,"sort":["x","y"],"props":["a"]})"));
}

TEST_F(SdkTest, AsCallerIsDeniedWhereTheCallerIsAndAllowedWhereTheCallerIs) {
  EXPECT_EQ(invoke("OpenService", "find", {"Restaurant"})["value"].size(), 2u);
  json denied = invoke("OpenService", "asCallerFind", {"Restaurant"});
  EXPECT_EQ(denied["code"], static_cast<int>(ErrorCode::kNoPermissionFind)) << denied.dump();
  json allowed = invoke("OpenService", "asCallerFind", {"Note"});
  EXPECT_TRUE(allowed["value"].is_array()) << allowed.dump();
  json saved = invoke("OpenService", "asCallerSave");
  EXPECT_EQ(saved["value"]["ownerId"], borisId_) << saved.dump();
}

TEST_F(SdkTest, AsCallerWithoutACallerIsRefused) {
  json r = invoke("OpenService", "asCallerFind", {"Note"}, /*withCaller=*/false);
  EXPECT_EQ(r["code"], static_cast<int>(ErrorCode::kInvalidArgument)) << r.dump();
  EXPECT_NE(r["message"].get<std::string>().find("no caller"), std::string::npos) << r.dump();
}

TEST_F(SdkTest, AsServerElevatesUnderRunAsCaller) {
  json mine = invoke("CallerService", "find", {"Restaurant"});
  EXPECT_EQ(mine["code"], static_cast<int>(ErrorCode::kNoPermissionFind)) << mine.dump();
  json elevated = invoke("CallerService", "asServerFind", {"Restaurant"});
  EXPECT_EQ(elevated["value"].size(), 2u) << elevated.dump();
  // asServer() stays within the service's grants.
  json narrowed = invoke("NarrowService", "asServerFind", {"Note"});
  EXPECT_EQ(narrowed["code"], static_cast<int>(ErrorCode::kNoPermissionFind)) << narrowed.dump();
}

TEST_F(SdkTest, ScriptsCannotNameAnotherAppOrPrincipal) {
  json r = invoke("CallerService", "forge", {otherId_});
  ASSERT_TRUE(r.is_object()) << r.dump();
  // runAs caller: Boris's own permissions, in this app, whatever the args say.
  EXPECT_EQ(r["rows"]["code"], static_cast<int>(ErrorCode::kNoPermissionFind)) << r.dump();
  EXPECT_EQ(r["badAs"]["code"], static_cast<int>(ErrorCode::kInvalidArgument)) << r.dump();
  json open = invoke("OpenService", "forge", {otherId_});
  ASSERT_EQ(open["rows"]["value"].size(), 2u) << open.dump();
  for (const json& row : open["rows"]["value"]) EXPECT_EQ(row["name"].get<std::string>().rfind("Other", 0), std::string::npos);
}

TEST_F(SdkTest, CacheRoundTripsAndExpires) {
  json out = invoke("OpenService", "cache");
  EXPECT_EQ(out["get"], json::parse(R"({"a":1})"));
  EXPECT_EQ(out["contains"], true);
  EXPECT_EQ(out["point"], 42) << "setObjectFactory rebuilt the instance";
  EXPECT_EQ(out["expire"], true);
  EXPECT_EQ(out["removed"], true);
  EXPECT_TRUE(out["gone"].is_null());
  EXPECT_EQ(out["containsAfter"], false);
  // The cache outlives an invocation, and time expires it.
  invoke("OpenService", "cache");  // leaves "p"
  EXPECT_FALSE(invoke("OpenService", "cacheGet", {"p"}).is_null());
  clock_.advanceMs(7'200'001);
  EXPECT_TRUE(invoke("OpenService", "cacheGet", {"p"}).is_null());
}

TEST_F(SdkTest, CacheIsPerApp) {
  ASSERT_TRUE(invoker_->setAppCode(otherId_, {{"main.js", kCode}}, {"main.js"}).ok());
  invoke("OpenService", "cachePut", {"shared", "from sdk"});
  auto promise = std::make_shared<std::promise<Result<json>>>();
  auto future = promise->get_future();
  invoker_->invoke(otherId_, "cacheGet", {"shared"}, [promise](Result<json> r) { promise->set_value(std::move(r)); },
                   "other", InvokeAs{"OpenService", "cacheGet", std::nullopt, false});
  ASSERT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  Result<json> r = future.get();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->is_null()) << r->dump();
  EXPECT_EQ(invoke("OpenService", "cacheGet", {"shared"}), "from sdk");
}

TEST_F(SdkTest, AppLogHasTheInvocationIdAndNeverTheCallersToken) {
  invoke("OpenService", "logs", {token_});
  Result<json> failed = run("OpenService", "fail", {token_});
  EXPECT_FALSE(failed.ok());
  std::vector<AppLogLine> lines = readAppLog(appLogDir(tmp_.path(), appId_), {});
  ASSERT_GE(lines.size(), 3u);
  bool console = false, logger = false, failure = false;
  for (const AppLogLine& l : lines) {
    EXPECT_EQ(l.message.find(token_), std::string::npos) << l.message;
    EXPECT_EQ(l.invocationId.rfind("req-", 0), 0u) << l.invocationId;
    if (l.source == "console") console = l.message.find("token is [redacted]") != std::string::npos;
    if (l.source == "logger:orders") logger = l.level == "warn" && l.message == "warned [redacted]";
    if (l.source == "invocation") failure = l.level == "error" && l.message.find("bad token [redacted]") != std::string::npos;
  }
  EXPECT_TRUE(console);
  EXPECT_TRUE(logger);
  EXPECT_TRUE(failure);
  for (size_t i = 1; i < lines.size(); ++i) EXPECT_GT(lines[i].seq, lines[i - 1].seq);
}

TEST_F(SdkTest, FilesSaveReadListAndRemove) {
  json out = invoke("OpenService", "files");
  ASSERT_TRUE(out.is_object()) << out.dump();
  EXPECT_EQ(out["saved"], "/docs/a.txt");
  EXPECT_EQ(out["uploaded"]["fileURL"], "/docs/b.bin");
  EXPECT_EQ(out["named"]["fileURL"], "/docs/c.txt");
  EXPECT_EQ(out["text"], "hello");
  EXPECT_EQ(out["bytes"], json::parse("[0,1,2,250,255]"));
  EXPECT_EQ(out["listing"], json::parse(R"(["a.txt","c.txt"])"));
  EXPECT_EQ(out["exists"], true);
  EXPECT_EQ(out["removed"], 1);
  EXPECT_EQ(out["existsAfter"], false);
}

TEST_F(SdkTest, UserServiceChangesRolesAsServiceCodeOnly) {
  json out = invoke("OpenService", "users", {borisId_});
  EXPECT_EQ(out["found"], "boris@example.com") << out.dump();
  EXPECT_TRUE(out["assign"].contains("value")) << out.dump();
  EXPECT_EQ(out["asCaller"]["code"], static_cast<int>(ErrorCode::kNoPermissionUpdate)) << out.dump();
  EXPECT_TRUE(out["unassign"].contains("value")) << out.dump();
  // A service whose grants leave out update on data:Users may not.
  json narrowed = invoke("NarrowService", "users", {borisId_});
  EXPECT_EQ(narrowed["assign"]["code"], static_cast<int>(ErrorCode::kNoPermissionUpdate)) << narrowed.dump();
  bool audited = false;
  for (const AuditEntry& e : app_->audit().query(AuditQuery{})) {
    if (e.detail.find("role.unassign Customer") != std::string::npos && e.service == "OpenService") {
      audited = e.allowed && e.callerUserId == borisId_ && e.resource == "data:Users" && e.op == "update";
    }
  }
  EXPECT_TRUE(audited);
}

TEST_F(SdkTest, ServerCodeDescribeAndDispatchKeepTheContract) {
  json described = invoke("", "describe");
  ASSERT_EQ(described["services"].size(), 2u) << described.dump();  // Shop, then Rows
  const json& shop = described["services"][0];
  EXPECT_EQ(shop["name"], "Shop");
  EXPECT_EQ(shop["version"], "1.2.0");
  EXPECT_EQ(shop["description"], "a shop");
  EXPECT_EQ(shop["methods"], json::parse(R"(["hello","order","orders","fail","status","items"])"));
  EXPECT_EQ(described["types"], json::parse(R"(["Order"])"));

  auto request = [&](const std::string& method, json args, json paramTypes = json::array()) {
    return json{{"service", "Shop"}, {"method", method}, {"args", args}, {"paramTypes", paramTypes},
                {"config", json::object()}, {"context", {{"appId", appId_}, {"userId", borisId_}}},
                {"pathParams", json::object()}, {"queryParams", json::object()}};
  };
  json hello = invoke("Shop", "__dispatch", {request("hello", {"Ann"})});
  EXPECT_EQ(hello, json::parse(R"({"value":{"hi":"Ann","user":")" + borisId_ + R"(","greeting":"hello"}})"));
  json order = invoke("Shop", "__dispatch", {request("order", {{{"qty", 4}}}, {"Order"})});
  EXPECT_EQ(order["value"], 8);
  // Arrays of a registered type, as JSDoc writes them.
  for (const char* type : {"Order[]", "Array.<Order>", "Array<Order>"}) {
    json list = json::array({json{{"qty", 1}}, json{{"qty", 2}}});
    json orders = invoke("Shop", "__dispatch", {request("orders", json::array({list}), json::array({type}))});
    EXPECT_EQ(orders["value"], json::parse("[2,4]")) << type;
  }
  EXPECT_EQ(invoke("Shop", "__dispatch", {request("orders", json::array({nullptr}), json::array({"Order[]"}))})["value"],
            "object");
  json fail = invoke("Shop", "__dispatch", {request("fail", json::array())});
  EXPECT_EQ(fail, json::parse(R"({"error":{"code":4242,"message":"nope","httpStatus":409},"value":null})"));
  json status = invoke("Shop", "__dispatch", {request("status", json::array())});
  EXPECT_EQ(status, json::parse(R"({"value":1,"statusCode":201,"headers":{"X-A":"b"}})"));
  json items = invoke("Shop", "__dispatch", {request("items", json::array())});
  EXPECT_EQ(items["value"], json::parse(R"({"label":"R:Alfa","one":"R:Alfa","saved":true,"count":3,"first":"Alfa"})"))
      << items.dump();
  for (const char* bad : {"notAMethod", "constructor", "toString", "nothing"}) {
    Result<json> r = run("Shop", "__dispatch", {request(bad, json::array())});
    EXPECT_EQ(r.status().code(), ErrorCode::kScriptError) << bad;
  }
  EXPECT_EQ(invoke("Shop", "lateAdd"), "Services are registered while the bundle loads, not later");
}

// A find's rows returned unchanged go out as the text the host wrote (its
// numbers formatted by the host: "1.5e-07" where V8 writes "1.5e-7");
// any change JSON.stringify would see sends them through it.
TEST_F(SdkTest, RowsReturnedUnchangedKeepTheHostsText) {
  CallInfo admin{Channel::kAdmin, "setup"};
  {
    AppLease lease = app_->lease();
    DataService data = lease.data();
    for (double v : {1.5e-7, 2.5e-7}) {
      ASSERT_TRUE(data.create(Principal::admin(), admin, "Reading", {{"v", v}}).ok());
      clock_.advanceMs(1);
    }
  }
  auto dispatch = [&](const std::string& method) {
    json request{{"service", "Rows"}, {"method", method}, {"args", json::array()}, {"context", json::object()}};
    auto promise = std::make_shared<std::promise<Result<std::string>>>();
    auto future = promise->get_future();
    invoker_->invokeText(appId_, "__dispatch", json::array({request}),
                         [promise](Result<std::string> r) { promise->set_value(std::move(r)); },
                         "req-rows-" + method, InvokeAs{.service = "Rows", .method = method});
    EXPECT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    Result<std::string> r = future.get();
    EXPECT_TRUE(r.ok()) << method << ": " << r.status().message();
    return r.ok() ? *r : std::string();
  };
  const std::string same = dispatch("same");
  const json rows = json::parse(same)["value"];
  ASSERT_EQ(rows.size(), 2u) << same;
  EXPECT_NE(same.find("1.5e-07"), std::string::npos) << same;
  EXPECT_NE(same.find("2.5e-07"), std::string::npos) << same;
  for (const char* method : {"awaited", "read", "twice"}) {
    std::string text = dispatch(method);
    EXPECT_EQ(json::parse(text)["value"], rows) << method;
    EXPECT_NE(text.find("2.5e-07"), std::string::npos) << method << ": " << text;
  }

  auto with = [&](const std::function<void(json&)>& change) {
    json v = rows;
    change(v);
    return v;
  };
  std::map<std::string, json> changed = {
      {"changed", with([](json& v) { v[1]["v"] = 3; })},
      {"added", with([](json& v) { v[1]["extra"] = 1; })},
      {"removed", with([](json& v) { v[1].erase("v"); })},
      {"hidden", with([](json& v) { v[1].erase("v"); })},
      {"rowToJson", with([](json& v) { v[1] = "row"; })},
      {"arrayToJson", json("rows")},
      {"proto", with([](json& v) { v[1] = "proto"; })},
      {"copied", rows},
      {"pushed", with([](json& v) { v.push_back(7); })},
      {"sorted", json::array({rows[1], rows[0]})},
      {"wrapped", json{{"rows", rows}}},
  };
  // Rows past the number of arrays one invocation records: serialised again,
  // still the same rows. (Rows kept from an earlier invocation are the
  // host's to refuse: AppIsolateTest.AnEnvelopeCarriesAnAnsweredTextAsItsValue.)
  changed.emplace("many", rows);
  for (const auto& [method, expected] : changed) {
    std::string text = dispatch(method);
    EXPECT_EQ(json::parse(text)["value"], expected) << method << ": " << text;
    EXPECT_EQ(text.find("e-07"), std::string::npos) << method << ": " << text;
  }
  // A key moved to the end: the order JSON.stringify would write.
  std::string moved = dispatch("moved");
  EXPECT_EQ(json::parse(moved)["value"], rows);
  EXPECT_LT(moved.find("\"v\":2.5e-7"), moved.rfind("\"ownerId\"")) << moved;

  {
    AppLease lease = app_->lease();
    ASSERT_TRUE(lease.data()
                    .create(Principal::admin(), admin, "Odd",
                            {{"constructor", "c"}, {"toString", 5}, {"hasOwnProperty", true}})
                    .ok());
  }
  {
    AppLease lease = app_->lease();
    for (int i = 0; i < 3; ++i) {
      json wide = json::object();
      for (int c = 1; c <= 14; ++c) {
        std::string name = fmt::format("c{:02}", c);
        if (c % 2 == 1) wide[name] = i * 100 + c; else wide[name] = fmt::format("{}-{}", i, c);
      }
      if (i == 1) wide["c14"] = nullptr;
      ASSERT_TRUE(lease.data().create(Principal::admin(), admin, "Wide", wide).ok());
    }
  }
  json wide = json::parse(dispatch("wide"))["value"];
  json expected;
  {
    AppLease lease = app_->lease();
    Result<json> found = lease.data().find(Principal::admin(), admin, "Wide", {.sortBy = {"c01"}});
    ASSERT_TRUE(found.ok());
    expected = *found;
  }
  EXPECT_EQ(wide, expected);
  ASSERT_EQ(wide.size(), 3u);
  EXPECT_EQ(wide[2].size(), 19u) << wide.dump();
  json odd = json::parse(dispatch("odd"))["value"];
  ASSERT_EQ(odd["rows"].size(), 1u) << odd.dump();
  EXPECT_EQ(odd["rows"][0]["constructor"], "c") << odd.dump();
  EXPECT_EQ(odd["own"], json::parse(R"([[true, "c", 5, true, true]])")) << odd.dump();
}

TEST_F(SdkTest, SdkIsFrozenAcrossInvocations) {
  // One worker, so the check runs in the isolate the pollution ran in (the
  // module's own counter shows it); with two it could run in the other.
  invoker_ = std::make_unique<Invoker>(InvokerConfig{.workers = 1}, log_, host_.get());
  ASSERT_TRUE(invoker_->setAppCode(appId_, {{"main.js", kCode}}, {"main.js"}).ok());
  EXPECT_EQ(invoke("OpenService", "count"), 1);
  json tries = invoke("OpenService", "pollute");
  for (const json& t : tries) EXPECT_EQ(t, "refused") << tries.dump();
  json check = invoke("OpenService", "check");
  EXPECT_EQ(check, json::parse(R"(["function","a = 1",false,false,false,true,true])")) << check.dump();
  EXPECT_EQ(invoke("OpenService", "count"), 2);
}

}  // namespace
}  // namespace ck::services
