// One permission decision against a 1,000-rule policy: median ns of
// services::evaluate() (no trace) and of explain() (with trace), next to a
// baseline measured in the same run: one std::unordered_map<std::string,
// int> find of the resource's text in a map of 1,000 resources, the least a
// lookup keyed by the resource could cost. Also the median per request
// shape, so a slow level shows. Run by tools/bench/policy.
//   policy_bench [--rounds N] [--decisions N]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "services/policy_bind.h"
#include "services/policy_eval.h"

namespace {

using namespace ck::services;
using Clock = std::chrono::steady_clock;
using nlohmann::ordered_json;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// A deterministic xorshift, so every run measures the same policy.
struct Rng {
  uint64_t s = 0x9e3779b97f4a7c15ull;
  uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
};

constexpr int kTables = 200, kFolders = 20, kSubfolders = 10, kServices = 50, kMethods = 5, kRoles = 20, kUsers = 100;

std::string table(size_t i) { return "T" + std::to_string(i); }
std::string folder(size_t i) { return "/d" + std::to_string(i); }
std::string role(size_t i) { return "R" + std::to_string(i); }
std::string email(size_t i) { return "u" + std::to_string(i) + "@example.com"; }

// 1,000 rules: 400 on tables, 150 on folders, 150 on services and methods,
// 100 users' rules on tables, 150 on kind wildcards and 50 on *, with owner
// policy on a quarter of the tables and grants on half the services.
std::string generatedPolicy(std::map<std::string, int>* shape) {
  Rng rng;
  ordered_json j;
  j["roles"] = ordered_json::array();
  for (size_t i = 0; i < kRoles; ++i) j["roles"].push_back(role(i));
  ordered_json rules = ordered_json::array();
  auto add = [&](const char* what, ordered_json rule) {
    rules.push_back(std::move(rule));
    (*shape)[what]++;
  };
  auto effect = [&] { return rng.below(3) == 0 ? "deny" : "grant"; };
  auto someRole = [&] { return role(rng.below(kRoles)); };
  for (int i = 0; i < 400; ++i) {
    add("exact table", {{effect(), {"find", "update"}}, {"roles", {someRole()}}, {"on", "data:" + table(rng.below(kTables))}});
  }
  for (int i = 0; i < 150; ++i) {
    std::string on = "files:" + folder(rng.below(kFolders));
    if (rng.below(2)) on += "/e" + std::to_string(rng.below(kSubfolders));
    add("folder", {{effect(), {"read", "list"}}, {"roles", {someRole(), "JSUser"}}, {"on", on}});
  }
  for (int i = 0; i < 150; ++i) {
    std::string on = "service:S" + std::to_string(rng.below(kServices));
    if (rng.below(2)) on += ".m" + std::to_string(rng.below(kMethods));
    add("service", {{effect(), {"invoke"}}, {"roles", {someRole()}}, {"on", on}});
  }
  for (int i = 0; i < 100; ++i) {
    add("user", {{effect(), {"find", "delete"}}, {"users", {email(rng.below(kUsers))}}, {"on", "data:" + table(rng.below(kTables))}});
  }
  const char* wildcards[] = {"data:*", "files:*", "service:*"};
  const char* wildcardOps[] = {"describe", "write", "invoke"};
  for (int i = 0; i < 150; ++i) {
    size_t k = rng.below(3);
    add("kind wildcard", {{effect(), {wildcardOps[k]}}, {"roles", {someRole()}}, {"on", wildcards[k]}});
  }
  for (int i = 0; i < 50; ++i) add("global", {{"deny", {"create"}}, {"roles", {someRole()}}, {"on", "*"}});
  j["rules"] = std::move(rules);
  j["tables"] = ordered_json::object();
  for (size_t i = 0; i < kTables; i += 4) j["tables"][table(i)] = {{"ownerPolicy", {"find", "update", "delete"}}};
  j["services"] = ordered_json::object();
  for (size_t i = 0; i < kServices; i += 2) {
    j["services"]["S" + std::to_string(i)] = {{"grants", {{{"ops", {"find", "create"}}, {"on", "data:*"}},
                                                          {{"ops", {"read"}}, {"on", "files:/d1"}}}}};
  }
  return j.dump();
}

// The worst shape for a scan: 1,000 rules on one pattern, all listing the op.
std::string onePatternPolicy() {
  Rng rng;
  ordered_json j;
  j["roles"] = ordered_json::array();
  for (size_t i = 0; i < kRoles; ++i) j["roles"].push_back(role(i));
  j["rules"] = ordered_json::array();
  for (int i = 0; i < 1000; ++i) {
    ordered_json rule = {{rng.below(2) ? "deny" : "grant", {"find"}}};
    if (rng.below(4) == 0) {
      rule["users"] = {email(rng.below(kUsers))};
    } else {
      rule["roles"] = {role(rng.below(kRoles))};
    }
    rule["on"] = "data:*";
    j["rules"].push_back(std::move(rule));
  }
  return j.dump();
}

struct Request {
  const char* shape;
  const Principal* principal;  // null: ServerCodeUser of `service`
  std::string service;
  Op op;
  ResourceRef resource;
};

}  // namespace

int main(int argc, char** argv) {
  int rounds = 9;
  size_t decisions = 400000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--decisions") && i + 1 < argc) {
      decisions = std::strtoul(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: policy_bench [--rounds N] [--decisions N]\n");
      return 2;
    }
  }

  std::map<std::string, int> shape;
  ck::Result<Policy> parsed = parsePolicy(generatedPolicy(&shape));
  if (!parsed.ok()) {
    std::fprintf(stderr, "policy_bench: generated policy refused: %s\n", parsed.status().message().c_str());
    return 1;
  }
  size_t ruleCount = parsed->rules.size();
  BoundPolicy policy = bindPolicy(std::move(parsed).value(), [](std::string_view e) -> std::optional<std::string> {
    return "id-" + std::string(e);
  });

  Principal customer = Principal::client({.key = ClientKind::kRest,
                                          .authenticated = true,
                                          .user = PrincipalUser{"id-" + email(7), email(7)},
                                          .customRoles = {role(3), role(11)}})
                           .value();
  Principal anonymous = Principal::client({.key = ClientKind::kJs}).value();

  // Requests of each shape, cycled through.
  Rng rng;
  rng.s = 42;
  std::vector<Request> requests;
  for (int i = 0; i < 128; ++i) {
    std::string t = table(1 + 4 * rng.below(kTables / 4));  // never an owner-policy table
    requests.push_back({"data, exact rules", &customer, "", Op::kDataFind, ResourceRef::data(t).value()});
    std::string owned = table(4 * rng.below(kTables / 4));
    requests.push_back({"data, owner policy", &customer, "", Op::kDataUpdate, ResourceRef::data(owned).value()});
    std::string path = folder(rng.below(kFolders)) + "/e" + std::to_string(rng.below(kSubfolders)) + "/x/menu.txt";
    requests.push_back({"files, covering", &anonymous, "", Op::kFilesRead, ResourceRef::file(path).value()});
    std::string svc = "S" + std::to_string(rng.below(kServices));
    requests.push_back({"service method", &customer, "", Op::kServiceInvoke,
                        ResourceRef::service(svc, "m" + std::to_string(rng.below(kMethods))).value()});
    requests.push_back({"no rule: default", &anonymous, "", Op::kDataDelete, ResourceRef::data(t).value()});
    requests.push_back({"ServerCodeUser + grants", nullptr, svc, Op::kDataFind, ResourceRef::data(t).value()});
  }

  // The baseline's map: the text of 1,000 resources, the requests' among them.
  std::unordered_map<std::string, int> baseline;
  for (const Request& r : requests) baseline.emplace(r.resource.text(), 1);
  for (int i = 0; baseline.size() < 1000; ++i) baseline.emplace("data:X" + std::to_string(i), 0);

  volatile size_t sink = 0;
  auto decide = [&](const Request& r) {
    return r.principal ? evaluate(policy, *r.principal, r.op, r.resource)
                       : evaluateAsService(policy, r.service, r.op, r.resource);
  };
  auto explainOne = [&](const Request& r) {
    return r.principal ? explain(policy, *r.principal, r.op, r.resource)
                       : explainAsService(policy, r.service, r.op, r.resource);
  };
  // ns per call of `body(i)` over n calls.
  auto timeIt = [&](size_t n, auto&& body) {
    auto start = Clock::now();
    for (size_t i = 0; i < n; ++i) body(i);
    return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / static_cast<double>(n);
  };

  std::vector<double> evalNs, explainNs, baseNs;
  std::map<std::string, std::vector<double>> byShape;
  size_t allowed = 0;
  for (const Request& r : requests) allowed += decide(r).allow ? 1 : 0;
  for (int round = 0; round < rounds; ++round) {
    baseNs.push_back(timeIt(decisions, [&](size_t i) {
      sink = sink + baseline.find(requests[i % requests.size()].resource.text())->second;
    }));
    evalNs.push_back(timeIt(decisions, [&](size_t i) { sink = sink + decide(requests[i % requests.size()]).allow; }));
    explainNs.push_back(
        timeIt(decisions / 20, [&](size_t i) { sink = sink + explainOne(requests[i % requests.size()]).decision.allow; }));
    for (size_t k = 0; k < 6; ++k) {  // each shape alone
      byShape[requests[k].shape].push_back(timeIt(decisions / 6, [&](size_t i) {
        sink = sink + decide(requests[(i * 6 + k) % requests.size()]).allow;
      }));
    }
  }

  // The same principal against one pattern holding 1,000 rules.
  BoundPolicy crowded = bindPolicy(parsePolicy(onePatternPolicy()).value(),
                                   [](std::string_view e) -> std::optional<std::string> { return "id-" + std::string(e); });
  ResourceRef crowdedTable = ResourceRef::data("Anything").value();
  std::vector<double> crowdedNs;
  for (int round = 0; round < rounds; ++round) {
    crowdedNs.push_back(timeIt(decisions, [&](size_t) {
      sink = sink + evaluate(crowded, customer, Op::kDataFind, crowdedTable).allow;
    }));
  }

  std::string shapes;
  for (const auto& [what, n] : shape) shapes += fmt::format("{}{} {}", shapes.empty() ? "" : ", ", n, what);
  double e = median(evalNs), x = median(explainNs), b = median(baseNs);
  fmt::print("policy_bench: {} rules ({}), {} requests ({} allowed), medians of {} rounds of {} decisions\n", ruleCount,
             shapes, requests.size(), allowed, rounds, decisions);
  fmt::print("  evaluate(), no trace           {:8.1f} ns/decision\n", e);
  fmt::print("  explain(), with trace          {:8.1f} ns/decision\n", x);
  fmt::print("  baseline: unordered_map find   {:8.1f} ns/lookup (1,000 resource strings)\n", b);
  fmt::print("  ratio evaluate / baseline      {:8.1f}x\n", e / b);
  fmt::print("  ratio explain / evaluate       {:8.1f}x\n", x / e);
  fmt::print("  evaluate() by request shape:\n");
  for (const auto& [what, ns] : byShape) fmt::print("    {:<28} {:8.1f} ns\n", what, median(ns));
  fmt::print("  evaluate(), 1,000 rules on data:* {:5.1f} ns/decision (the worst case for a scan)\n", median(crowdedNs));
  return sink == 0xdeadbeef ? 1 : 0;
}
