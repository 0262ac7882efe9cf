// The motivating scenario end to end inside the host (DESIGN.md "The
// problem it solves"): a Customer with no direct grants is denied the
// Restaurant table with every client key, while CustomerService's code,
// invoked by that customer, reads it as ServerCodeUser within the service's
// grants, is refused what the grants leave out, sees who called, owns what
// it creates to the caller, and leaves both principals in the audit log.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "services/app.h"
#include "services/host.h"
#include "services/invoker.h"
#include "storage/test_temp_dir.h"

namespace ck::services {
namespace {

using nlohmann::json;

constexpr const char* kPolicy = R"({
  "name": "restaurants",
  "roles": ["Customer"],
  "rules": [
    { "grant": ["invoke"], "roles": ["Customer"], "on": "service:CustomerService" }
  ],
  "tables": {
    "Restaurant": { "columns": { "name": "string", "open": "boolean" } },
    "Order": { "columns": { "item": "string" } }
  },
  "services": {
    "CustomerService": { "grants": [ { "ops": ["find"], "on": "data:Restaurant" } ] },
    "OrderService": {},
    "CallerService": { "runAs": "caller" }
  }
})";

constexpr const char* kCode = R"(
  const call = (op, args) => Host.call(op, args).then((value) => ({ value }), (e) => ({ code: e.code }));
  exports.find = (table) => call('data.find', { table, sortBy: ['name'] });
  exports.remove = (table, objectId) => call('data.remove', { table, objectId });
  exports.save = (table, object) => call('data.save', { table, object });
)";

class InvokerDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AppConfig config;
    config.users.password = {1, 8u << 10};  // cheap hashes: the test is not about them
    host_ = Host::open(tmp_.path(), random_, clock_, log_, config);
    Result<AppInfo> info = host_->createApp("restaurants");
    ASSERT_TRUE(info.ok());
    appId_ = info->id;
    app_ = host_->app(appId_);
    ASSERT_NE(app_, nullptr);
    CallInfo admin{Channel::kAdmin, "setup"};

    {
      AppLease lease = app_->lease();
      Result<json> boris = lease.users().registerUser({{"email", "boris@example.com"}, {"password", "pw"}});
      ASSERT_TRUE(boris.ok()) << boris.status().message();
      borisId_ = (*boris)["objectId"].get<std::string>();
    }
    ASSERT_TRUE(app_->assignRole(admin, borisId_, "Customer").ok());
    Result<PolicyApplied> applied = app_->applyPolicy(kPolicy, admin);
    ASSERT_TRUE(applied.ok()) << applied.status().message();
    {
      AppLease lease = app_->lease();
      DataService data = lease.data();
      for (const char* name : {"Alfa", "Bravo"}) {
        Result<json> r = data.create(Principal::admin(), admin, "Restaurant", {{"name", name}, {"open", true}});
        ASSERT_TRUE(r.ok()) << r.status().message();
        restaurantIds_.push_back((*r)["objectId"].get<std::string>());
      }
    }
    Result<Session> session = app_->login(ClientKind::kRest, CallInfo{}, "boris@example.com", "pw");
    ASSERT_TRUE(session.ok());
    token_ = session->token;
    invoker_ = std::make_unique<Invoker>(InvokerConfig{.workers = 2}, log_, host_.get());
    ASSERT_TRUE(invoker_->setAppCode(appId_, {{"main.js", kCode}}, {"main.js"}).ok());
  }

  Principal boris(ClientKind key) {
    Result<Principal> p = app_->principalFor(key, token_);
    EXPECT_TRUE(p.ok());
    return *p;
  }

  json invoke(const std::string& service, const std::string& fn, json args) {
    auto promise = std::make_shared<std::promise<Result<json>>>();
    auto future = promise->get_future();
    InvokeAs as{service, fn, boris(ClientKind::kJs), false};
    invoker_->invoke(appId_, fn, std::move(args), [promise](Result<json> r) { promise->set_value(std::move(r)); },
                     "req-" + fn, std::move(as));
    EXPECT_EQ(future.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    Result<json> r = future.get();
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
  App* app_ = nullptr;
  std::string borisId_;
  std::string token_;
  std::vector<std::string> restaurantIds_;
};

TEST_F(InvokerDataTest, CustomerIsDeniedDirectAccessWithEveryKey) {
  for (ClientKind key : kAllClientKinds) {
    AppLease lease = app_->lease();
    DataService data = lease.data();
    Result<json> rows = data.find(boris(key), CallInfo{}, "Restaurant", {});
    EXPECT_EQ(rows.status().code(), ErrorCode::kNoPermissionFind) << clientKindName(key);
    Result<int64_t> removed = data.remove(boris(key), CallInfo{}, "Restaurant", restaurantIds_[0]);
    EXPECT_EQ(removed.status().code(), ErrorCode::kNoPermissionDelete) << clientKindName(key);
  }
}

TEST_F(InvokerDataTest, ServiceReadsWithinItsGrantsAndIsRefusedTheRest) {
  json found = invoke("CustomerService", "find", {"Restaurant"});
  ASSERT_TRUE(found.contains("value")) << found.dump();
  ASSERT_EQ(found["value"].size(), 2u);
  EXPECT_EQ(found["value"][0]["name"], "Alfa");

  json removed = invoke("CustomerService", "remove", {"Restaurant", restaurantIds_[0]});
  EXPECT_EQ(removed["code"], static_cast<int>(ErrorCode::kNoPermissionDelete)) << removed.dump();
  // The grants cover Restaurant only.
  json orders = invoke("CustomerService", "find", {"Order"});
  EXPECT_EQ(orders["code"], static_cast<int>(ErrorCode::kNoPermissionFind)) << orders.dump();

  // Nothing was deleted.
  AppLease lease = app_->lease();
  Result<int64_t> n = lease.data().count(Principal::admin(), CallInfo{}, "Restaurant", "");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
}

TEST_F(InvokerDataTest, WhatServiceCodeCreatesIsOwnedByTheCaller) {
  json saved = invoke("OrderService", "save", {"Order", {{"item", "soup"}, {"ownerId", "someone-else"}}});
  ASSERT_TRUE(saved.contains("value")) << saved.dump();
  EXPECT_EQ(saved["value"]["ownerId"], borisId_);
}

TEST_F(InvokerDataTest, RunAsCallerUsesTheCallersOwnPermissions) {
  json found = invoke("CallerService", "find", {"Restaurant"});
  EXPECT_EQ(found["code"], static_cast<int>(ErrorCode::kNoPermissionFind)) << found.dump();
}

TEST_F(InvokerDataTest, ElevatedAccessIsAuditedWithBothPrincipals) {
  invoke("CustomerService", "find", {"Restaurant"});
  invoke("CustomerService", "remove", {"Restaurant", restaurantIds_[0]});
  std::vector<AuditEntry> entries = app_->audit().query(AuditQuery{});
  const AuditEntry* find = nullptr;
  const AuditEntry* remove = nullptr;
  for (const AuditEntry& e : entries) {
    if (e.channel != "service") continue;
    if (e.op == "find") find = &e;
    if (e.op == "delete") remove = &e;
  }
  ASSERT_NE(find, nullptr);
  ASSERT_NE(remove, nullptr);
  EXPECT_TRUE(find->allowed);
  EXPECT_FALSE(remove->allowed);
  for (const AuditEntry* e : {find, remove}) {
    EXPECT_EQ(e->callerUserId, borisId_);
    EXPECT_EQ(e->callerEmail, "boris@example.com");
    EXPECT_EQ(e->callerKey, "JS");
    EXPECT_EQ(e->service, "CustomerService");
    EXPECT_EQ(e->resource, "data:Restaurant");
    EXPECT_NE(e->principal.find("ServerCodeUser"), std::string::npos) << e->principal;
    EXPECT_NE(std::find(e->callerRoles.begin(), e->callerRoles.end(), "Customer"), e->callerRoles.end());
  }
}

TEST_F(InvokerDataTest, CodeWithoutAServiceCannotReachData) {
  auto promise = std::make_shared<std::promise<Result<json>>>();
  auto future = promise->get_future();
  invoker_->invoke(appId_, "find", {"Restaurant"}, [promise](Result<json> r) { promise->set_value(std::move(r)); });
  ASSERT_EQ(future.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  Result<json> r = future.get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["code"], static_cast<int>(ErrorCode::kInvalidArgument)) << r->dump();
}

}  // namespace
}  // namespace ck::services
