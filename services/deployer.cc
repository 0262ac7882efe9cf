#include "services/deployer.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "services/app.h"
#include "services/host.h"
#include "services/invoker.h"
#include "services/policy.h"
#include "services/service_bundle.h"

namespace ck::services {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

void writeAtomically(const fs::path& path, const std::string& content) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, path);
}

std::optional<json> readJson(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// The bundle with the generated entry module.
std::map<std::string, std::string> withEntry(std::map<std::string, std::string> files) {
  files[std::string(kEntryModule)] = entryModuleSource(serviceFilesOf(files));
  return files;
}

// cloudkeep.json's "services" object, or null.
json policyServices(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("services")) return j["services"];
  return nullptr;
}

}  // namespace

Deployer::Deployer(Host& host, Invoker& invoker, Logger& log, size_t keepVersions)
    : host_(host), invoker_(invoker), log_(log), keepVersions_(std::max<size_t>(keepVersions, 2)) {}
Deployer::~Deployer() = default;

std::string Deployer::versionsDir(const std::string& appId) const {
  return host_.dataDir() + "/apps/" + appId + "/versions";
}

json Deployer::readIndex(const std::string& appId) const {
  std::optional<json> index = readJson(fs::path(versionsDir(appId)) / "index.json");
  if (!index || !index->is_object()) return json{{"active", nullptr}, {"versions", json::array()}};
  return *index;
}

void Deployer::writeIndex(const std::string& appId, const json& index) const {
  writeAtomically(fs::path(versionsDir(appId)) / "index.json", index.dump(2));
}

std::shared_ptr<const ActiveVersion> Deployer::active(std::string_view appId) const {
  std::lock_guard lock(activeMu_);
  auto it = active_.find(appId);
  return it == active_.end() ? nullptr : it->second;
}

Result<json> Deployer::describe(const std::string& appId, const std::map<std::string, std::string>& files) {
  if (serviceFilesOf(files).empty()) return json{{"services", json::array()}, {"types", json::array()}};
  // A scratch name: the app's own isolates keep serving the active version.
  std::string scratch = fmt::format("{}~deploy-{}", appId, ++scratch_);
  if (Status st = invoker_.setAppCode(scratch, withEntry(files), {std::string(kEntryModule)}); !st.ok()) return st;
  auto promise = std::make_shared<std::promise<Result<json>>>();
  std::future<Result<json>> future = promise->get_future();
  invoker_.invoke(scratch, "__describe", json::array(), [promise](Result<json> r) { promise->set_value(std::move(r)); },
                  scratch);
  Result<json> described = future.get();
  invoker_.removeAppCode(scratch);
  if (!described.ok()) {
    const Status& st = described.status();
    if (st.code() == ErrorCode::kBundleError || st.code() == ErrorCode::kCodeTimeout) return st;
    return Status(ErrorCode::kBundleError, "The bundle failed to load: " + st.message());
  }
  return described;
}

Status Deployer::install(const std::string& appId, std::map<std::string, std::string> files, int number,
                         ServiceCatalog catalog) {
  if (Status st = invoker_.setAppCode(appId, withEntry(std::move(files)), {std::string(kEntryModule)}); !st.ok()) {
    return st;
  }
  auto version = std::make_shared<ActiveVersion>();
  version->number = number;
  version->catalog = std::move(catalog);
  std::lock_guard lock(activeMu_);
  active_[appId] = std::move(version);
  return {};
}

Result<DeployOutcome> Deployer::deploy(const std::string& appId, std::map<std::string, std::string> files,
                                       std::optional<std::string> policyText, const CallInfo& call) {
  App* app = host_.app(appId);
  if (app == nullptr) return Status::error(ErrorCode::kAppNotFound);
  for (const auto& [path, source] : files) {
    if (std::string why = checkBundlePath(path); !why.empty()) {
      return Status(ErrorCode::kInvalidArgument, fmt::format("File \"{}\" {}", path, why));
    }
  }
  if (policyText) {
    if (Result<Policy> p = parsePolicy(*policyText); !p.ok()) {
      return Status(p.status().code(), "cloudkeep.json: " + p.status().message());
    }
  }
  std::vector<ClassDoc> docs;
  for (const auto& [path, source] : files) {
    if (!path.ends_with(".js")) continue;
    Result<std::vector<ClassDoc>> parsed = parseServiceDocs(path, source);
    if (!parsed.ok()) return parsed.status();
    for (ClassDoc& d : *parsed) docs.push_back(std::move(d));
  }

  std::lock_guard lock(deployMu_);
  Result<json> described = describe(appId, files);
  if (!described.ok()) return described.status();
  std::optional<std::string> policyInForce = policyText ? policyText : app->policyText();
  Result<ServiceCatalog> catalog = ServiceCatalog::build(*described, docs, policyServices(policyInForce));
  if (!catalog.ok()) return catalog.status();

  DeployOutcome outcome;
  if (policyText) {
    Result<PolicyApplied> applied = app->applyPolicy(*policyText, call);
    if (!applied.ok()) return Status(applied.status().code(), "cloudkeep.json: " + applied.status().message());
    outcome.warnings = applied->warnings;
  }
  json index = readIndex(appId);
  int number = 1;
  for (const json& v : index["versions"]) number = std::max(number, v.get<int>() + 1);
  fs::path dir = fs::path(versionsDir(appId)) / std::to_string(number);
  fs::create_directories(dir);
  json stored = {{"version", number},
                 {"created", app->clock().nowMs()},
                 {"files", files},
                 {"policy", policyInForce ? json(*policyInForce) : json(nullptr)},
                 {"catalog", catalog->toJson()}};
  writeAtomically(dir / "bundle.json", stored.dump());
  outcome.version = number;
  outcome.catalog = catalog->toJson();
  size_t fileCount = files.size();
  if (Status st = install(appId, std::move(files), number, std::move(*catalog)); !st.ok()) return st;

  index["versions"].push_back(number);
  index["active"] = number;
  // Keep the newest versions; the active one is among them.
  std::vector<int> all = index["versions"].get<std::vector<int>>();
  std::sort(all.begin(), all.end());
  while (all.size() > keepVersions_) {
    std::error_code ec;
    fs::remove_all(fs::path(versionsDir(appId)) / std::to_string(all.front()), ec);
    all.erase(all.begin());
  }
  index["versions"] = all;
  writeIndex(appId, index);
  app->auditAdmin(call, "code.deploy", "app", fmt::format("version {}, {} files", number, fileCount));
  log_.info("deployed", {{"app", appId}, {"version", static_cast<uint64_t>(number)},
                         {"files", static_cast<uint64_t>(fileCount)}});
  return outcome;
}

Result<DeployOutcome> Deployer::rollback(const std::string& appId, const CallInfo& call) {
  App* app = host_.app(appId);
  if (app == nullptr) return Status::error(ErrorCode::kAppNotFound);
  std::lock_guard lock(deployMu_);
  json index = readIndex(appId);
  std::vector<int> all = index["versions"].get<std::vector<int>>();
  int current = index["active"].is_number_integer() ? index["active"].get<int>() : 0;
  int previous = 0;
  for (int v : all) {
    if (v < current) previous = std::max(previous, v);
  }
  if (previous == 0) return Status(ErrorCode::kNotFound, "There is no earlier version to roll back to");
  std::optional<json> stored = readJson(fs::path(versionsDir(appId)) / std::to_string(previous) / "bundle.json");
  if (!stored) return Status(ErrorCode::kInternal, fmt::format("Version {} cannot be read", previous));
  Result<ServiceCatalog> catalog = ServiceCatalog::fromJson((*stored)["catalog"]);
  if (!catalog.ok()) return catalog.status();
  auto files = (*stored)["files"].get<std::map<std::string, std::string>>();
  DeployOutcome outcome;
  if ((*stored)["policy"].is_string()) {
    Result<PolicyApplied> applied = app->applyPolicy((*stored)["policy"].get<std::string>(), call);
    if (!applied.ok()) return Status(applied.status().code(), "cloudkeep.json: " + applied.status().message());
    outcome.warnings = applied->warnings;
  }
  outcome.version = previous;
  outcome.catalog = catalog->toJson();
  if (Status st = install(appId, std::move(files), previous, std::move(*catalog)); !st.ok()) return st;
  index["active"] = previous;
  writeIndex(appId, index);
  app->auditAdmin(call, "code.rollback", "app", fmt::format("version {} (was {})", previous, current));
  log_.info("rolled back", {{"app", appId}, {"version", static_cast<uint64_t>(previous)},
                            {"from", static_cast<uint64_t>(current)}});
  return outcome;
}

Result<json> Deployer::versions(const std::string& appId) {
  if (!host_.findApp(appId)) return Status::error(ErrorCode::kAppNotFound);
  json index = readIndex(appId);
  json list = json::array();
  std::vector<int> all = index["versions"].get<std::vector<int>>();
  std::sort(all.rbegin(), all.rend());
  for (int v : all) {
    std::optional<json> stored = readJson(fs::path(versionsDir(appId)) / std::to_string(v) / "bundle.json");
    json entry = {{"version", v}};
    if (stored) {
      entry["created"] = (*stored)["created"];
      json files = json::array();
      for (const auto& [path, source] : (*stored)["files"].items()) files.push_back(path);
      entry["files"] = files;
    }
    list.push_back(std::move(entry));
  }
  return json{{"active", index["active"]}, {"versions", list}};
}

void Deployer::restoreAll() {
  for (const AppInfo& info : host_.listApps()) {
    try {
      json index = readIndex(info.id);
      if (!index["active"].is_number_integer()) continue;
      int number = index["active"].get<int>();
      std::optional<json> stored = readJson(fs::path(versionsDir(info.id)) / std::to_string(number) / "bundle.json");
      if (!stored) throw std::runtime_error(fmt::format("version {} cannot be read", number));
      Result<ServiceCatalog> catalog = ServiceCatalog::fromJson((*stored)["catalog"]);
      if (!catalog.ok()) throw std::runtime_error(catalog.status().message());
      Status st = install(info.id, (*stored)["files"].get<std::map<std::string, std::string>>(), number,
                          std::move(*catalog));
      if (!st.ok()) throw std::runtime_error(st.message());
      log_.info("restored app code", {{"app", info.id}, {"version", static_cast<uint64_t>(number)}});
    } catch (const std::exception& e) {
      log_.error("cannot restore app code", {{"app", info.id}, {"error", e.what()}});
    }
  }
}

}  // namespace ck::services
