// What owner-policy narrowing costs a find: median µs of
// services::DataService::find for a user whom the table's ownerPolicy
// narrows to their own rows (SQL `AND "ownerId" = ?`, served by the table's
// (ownerId, created, objectId) index), next to a baseline measured in the
// same run: the same find by a user whom an exact grant (level 2) lets see
// every row, so nothing is narrowed. Also the permission decision alone
// (evaluate()). One temporary app database, 10,000 rows in `Order` spread
// round-robin over 100 owners (100 rows each). Run by tools/bench/narrowing.
//   narrowing_bench [--rounds N] [--iterations N]
//
// Query shapes, each for both principals:
//   first page  pageSize 100, offset 0: 100 rows either way;
//   mid page    pageSize 25 in the middle of what the principal can see:
//               offset 50 of the owner's 100 rows, offset 5,000 of all
//               10,000 (so the baseline also pays for skipping 5,000 rows).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/log.h"
#include "base/random.h"
#include "services/audit.h"
#include "services/data.h"
#include "services/policy_bind.h"
#include "services/policy_eval.h"
#include "storage/app_store.h"
#include "storage/sqlite.h"
#include "storage/table_store.h"
#include "storage/test_temp_dir.h"

namespace {

using namespace ck;
using namespace ck::services;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

constexpr int kRows = 10'000;
constexpr int kOwners = 100;

constexpr const char* kPolicy = R"({
  "roles": ["Manager"],
  "rules": [{"grant": ["find"], "roles": ["Manager"], "on": "data:Order"}],
  "tables": {"Order": {"ownerPolicy": ["find", "create", "update", "delete"],
                       "columns": {"item": "string", "price": "number"}}}
})";

std::string owner(int i) { return fmt::format("U{:03}", i); }

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Shape {
  const char* name;
  const Principal* principal;
  storage::FindQuery query;
  size_t expectRows;
  std::vector<double> us;  // one latency per call
};

}  // namespace

int main(int argc, char** argv) {
  int rounds = 9;
  int iterations = 300;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--iterations") && i + 1 < argc) {
      iterations = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: narrowing_bench [--rounds N] [--iterations N]\n");
      return 2;
    }
  }
  if (rounds < 1 || iterations < 1) {
    std::fprintf(stderr, "narrowing_bench: --rounds and --iterations must be at least 1\n");
    return 2;
  }

  storage::TempDir tmp;
  storage::AppStore::open(tmp.path());
  const std::string dbPath = tmp.file("app.db");
  storage::Database db(dbPath);
  storage::TableStore tables(db);
  FakeClock clock;
  SystemRandom random;
  NullLogger log;
  AuditLog audit(dbPath, AuditConfig{}, clock, log);

  Result<Policy> parsed = parsePolicy(kPolicy);
  if (!parsed.ok()) {
    std::fprintf(stderr, "narrowing_bench: policy refused: %s\n", parsed.status().message().c_str());
    return 1;
  }
  BoundPolicy policy = bindPolicy(std::move(parsed).value(), [](std::string_view) { return std::nullopt; });

  // The table as applying the policy declares it, then the rows: owners
  // round-robin, so one owner's rows are spread over the whole table.
  if (Status s = tables.declareTable("Order", {{"item", storage::ValueType::kString},
                                                {"price", storage::ValueType::kNumber}});
      !s.ok()) {
    std::fprintf(stderr, "narrowing_bench: %s\n", s.message().c_str());
    return 1;
  }
  {
    storage::Transaction tx(db);
    for (int row = 0; row < kRows; ++row) {
      storage::WriteContext ctx;
      ctx.objectId = newGuid(random);
      ctx.ownerId = owner(row % kOwners);
      ctx.nowMs = clock.nowMs() + row;
      Result<json> r = tables.create("Order", {{"item", fmt::format("item {}", row)}, {"price", row % 97}}, ctx);
      if (!r.ok()) {
        std::fprintf(stderr, "narrowing_bench: seeding failed: %s\n", r.status().message().c_str());
        return 1;
      }
    }
    tx.commit();
  }
  db.exec("ANALYZE");

  const Principal narrowed =
      Principal::client({.key = ClientKind::kRest, .authenticated = true, .user = PrincipalUser{owner(42), "u42@x.io"}})
          .value();
  const Principal granted = Principal::client({.key = ClientKind::kRest,
                                               .authenticated = true,
                                               .user = PrincipalUser{owner(43), "u43@x.io"},
                                               .customRoles = {"Manager"}})
                                .value();
  const ResourceRef order = ResourceRef::data("Order").value();
  {
    Decision a = evaluate(policy, narrowed, Op::kDataFind, order);
    Decision b = evaluate(policy, granted, Op::kDataFind, order);
    if (!a.allow || !a.narrowToOwner || !b.allow || b.narrowToOwner) {
      std::fprintf(stderr, "narrowing_bench: the policy does not decide as intended\n");
      return 1;
    }
  }

  // How SQLite runs the narrowed page (the SQL TableStore::find builds for an
  // empty where clause with ownerNarrowing).
  std::string plan;
  {
    storage::CachedStatement stmt = db.prepare(
        "EXPLAIN QUERY PLAN SELECT * FROM \"Order\" WHERE (1) AND \"ownerId\" = ? "
        "ORDER BY \"created\" ASC, \"objectId\" ASC LIMIT ? OFFSET ?");
    stmt->bind(1, owner(42)).bind(2, 100).bind(3, 0);
    while (stmt->step()) plan += (plan.empty() ? "" : "; ") + stmt->columnText(3);
  }

  DataService data(DataEnv{db, tables, policy, audit, clock, random, false});
  const CallInfo call;
  const int64_t perOwner = kRows / kOwners;
  std::vector<Shape> shapes;
  shapes.push_back({"narrowed, first page", &narrowed, {.pageSize = 100, .offset = 0}, 100, {}});
  shapes.push_back({"baseline, first page", &granted, {.pageSize = 100, .offset = 0}, 100, {}});
  shapes.push_back({"narrowed, mid page", &narrowed, {.pageSize = 25, .offset = perOwner / 2}, 25, {}});
  shapes.push_back({"baseline, mid page", &granted, {.pageSize = 25, .offset = kRows / 2}, 25, {}});

  for (Shape& s : shapes) {  // warm the statement cache and check the answers
    Result<json> rows = data.find(*s.principal, call, "Order", s.query);
    if (!rows.ok() || rows->size() != s.expectRows) {
      std::fprintf(stderr, "narrowing_bench: %s answered %s\n", s.name,
                   rows.ok() ? fmt::format("{} rows", rows->size()).c_str() : rows.status().message().c_str());
      return 1;
    }
  }

  std::vector<double> decisionNs;
  volatile size_t sink = 0;
  for (int round = 0; round < rounds; ++round) {
    for (Shape& s : shapes) {
      for (int i = 0; i < iterations; ++i) {
        auto start = Steady::now();
        Result<json> rows = data.find(*s.principal, call, "Order", s.query);
        auto end = Steady::now();
        sink = sink + rows->size();
        s.us.push_back(std::chrono::duration<double, std::micro>(end - start).count());
      }
    }
    // The decision alone, timed in a batch (one call is below the clock's grain).
    constexpr int kBatch = 10'000;
    auto start = Steady::now();
    for (int i = 0; i < kBatch; ++i) sink = sink + evaluate(policy, narrowed, Op::kDataFind, order).narrowToOwner;
    auto end = Steady::now();
    decisionNs.push_back(std::chrono::duration<double, std::nano>(end - start).count() / kBatch);
  }

  fmt::print("narrowing_bench: {} rows in Order over {} owners ({} each), {} rounds x {} finds per shape\n", kRows,
             kOwners, perOwner, rounds, iterations);
  fmt::print("plan of the narrowed page: {}\n", plan);
  fmt::print("{:<24} {:>8} {:>12} {:>10}\n", "find", "rows", "median µs", "p90 µs");
  for (const Shape& s : shapes) {
    fmt::print("{:<24} {:>8} {:>12.1f} {:>10.1f}\n", s.name, s.expectRows, median(s.us), percentile(s.us, 0.9));
  }
  fmt::print("{:<24} {:>8} {:>12.3f} {:>10}\n", "decision alone", "-", median(decisionNs) / 1000, "");
  fmt::print("ratio narrowed/baseline: first page {:.2f}x, mid page {:.2f}x\n",
             median(shapes[0].us) / median(shapes[1].us), median(shapes[2].us) / median(shapes[3].us));
  return sink == 0 ? 1 : 0;
}
