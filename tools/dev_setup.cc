#include "tools/dev_setup.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "services/host.h"
#include "services/policy.h"
#include "tools/commands.h"
#include "tools/deploy_commands.h"
#include "tools/dev_json_place.h"
#include "tools/files.h"

namespace ck::tools {
namespace {

using nlohmann::json;

// The app setting that records the first seed load.
constexpr std::string_view kSeededSetting = "devSeeded";

int refuse(const std::string& reason) {
  std::fprintf(stderr, "cloudkeep: %s\n", reason.c_str());
  return kExitUsage;
}

services::CallInfo devCall() {
  services::CallInfo call;
  call.channel = services::Channel::kAdmin;
  call.requestId = "dev";
  call.devMode = true;
  return call;
}

// One seed file, read and checked.
struct Seed {
  std::string file;   // "seed/Restaurant.json", for messages
  std::string table;  // "Restaurant"
  json rows;          // an array of objects
};

// Reads APP_DIR/seed/*.json in name order. The reason, naming the file,
// when one is not a JSON array of objects or not named like a table.
Result<std::vector<Seed>> readSeeds(const std::string& appDir) {
  std::vector<Seed> seeds;
  std::filesystem::path dir = std::filesystem::path(appDir) / "seed";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return seeds;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const std::filesystem::path& path : files) {
    Seed seed;
    seed.file = "seed/" + path.filename().string();
    seed.table = path.stem().string();
    if (std::string why = services::checkTableName(seed.table); !why.empty()) {
      return Status(ErrorCode::kInvalidArgument, seed.file + ": the file names its table: " + why);
    }
    std::string text;
    if (!readWholeFile(path.string(), &text)) return Status(ErrorCode::kInvalidArgument, seed.file + ": cannot read");
    seed.rows = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (seed.rows.is_discarded()) return Status(ErrorCode::kInvalidArgument, seed.file + ": not valid JSON");
    if (!seed.rows.is_array()) {
      return Status(ErrorCode::kInvalidArgument, seed.file + ": must be a JSON array of objects (one per row)");
    }
    for (size_t i = 0; i < seed.rows.size(); ++i) {
      if (!seed.rows[i].is_object()) {
        return Status(ErrorCode::kInvalidArgument, fmt::format("{}: [{}] is not an object", seed.file, i));
      }
    }
    seeds.push_back(std::move(seed));
  }
  return seeds;
}

}  // namespace

Status ensureDevUsers(services::App& app, const services::Policy& policy) {
  const services::CallInfo call = devCall();
  for (size_t i = 0; i < policy.devUsers.size(); ++i) {
    const services::DevUser& user = policy.devUsers[i];
    const std::string where = fmt::format("dev.users[{}]", i);
    std::optional<std::string> id = app.userIdByEmail(user.email);
    if (!id) {
      services::AppLease lease = app.lease();
      Result<json> created = lease.users().registerUser(json{{"email", user.email}, {"password", user.password}});
      if (!created.ok()) return Status(created.status().code(), where + ": " + created.status().message());
      id = (*created)["objectId"].get<std::string>();
      app.auditAdmin(call, "user.register", "user:" + *id, "dev user");
      std::printf("cloudkeep dev: created dev user %s\n", user.email.c_str());
    }
    std::vector<std::string> has;
    {
      services::AppLease lease = app.lease();
      Result<std::vector<std::string>> roles = lease.users().rolesOf(*id);
      if (roles.ok()) has = std::move(*roles);
    }
    for (const std::string& role : user.roles) {
      if (std::find(has.begin(), has.end(), role) != has.end()) continue;
      if (Status s = app.assignRole(call, *id, role); !s.ok()) {
        return Status(s.code(), where + ".roles: " + s.message());
      }
    }
  }
  return {};
}

namespace {

bool seededBefore(services::Host& host, const std::string& appId) {
  auto settings = host.appSettings(appId);
  if (!settings.ok()) return false;
  return std::any_of(settings->begin(), settings->end(), [](const auto& kv) { return kv.first == kSeededSetting; });
}

// Loads the seeds in one transaction as the admin; the reason, naming the
// file, when a row is refused (then nothing is loaded).
Status loadSeeds(services::App& app, const std::vector<Seed>& seeds, bool reseed, const services::CallInfo& call) {
  const services::Principal admin = services::Principal::admin();
  services::AppLease lease = app.lease();
  services::DataService data = lease.data();
  services::AppTransaction tx(lease);
  std::vector<std::string> lines;
  for (const Seed& seed : seeds) {
    if (reseed) {
      Result<int64_t> deleted = data.bulkDelete(admin, call, seed.table, "");
      if (!deleted.ok() && deleted.status().code() != ErrorCode::kUnknownTable) {
        return Status(deleted.status().code(), seed.file + ": " + deleted.status().message());
      }
    }
    for (size_t start = 0; start < seed.rows.size(); start += services::kMaxBulkObjects) {
      size_t end = std::min(seed.rows.size(), start + services::kMaxBulkObjects);
      json chunk(seed.rows.begin() + static_cast<std::ptrdiff_t>(start),
                 seed.rows.begin() + static_cast<std::ptrdiff_t>(end));
      Result<std::vector<std::string>> ids = data.bulkCreate(admin, call, seed.table, chunk);
      if (!ids.ok()) {
        // The store numbers the objects of one call; name the rows of the file.
        std::string rows = seed.rows.size() > services::kMaxBulkObjects
                               ? fmt::format("rows {}-{} of the file: ", start, end - 1)
                               : "";
        return Status(ids.status().code(), seed.file + ": " + rows + ids.status().message());
      }
    }
    lines.push_back(fmt::format("cloudkeep dev: {}: {} row{} loaded into {}", seed.file, seed.rows.size(),
                                seed.rows.size() == 1 ? "" : "s", seed.table));
  }
  tx.commit();
  for (const std::string& line : lines) std::printf("%s\n", line.c_str());
  return {};
}

// The app folder's files/: every regular file and folder below it, as
// storage paths ("/menus/today.txt"), in name order. Symlinks are skipped
// (with a warning): a cloned app folder must not publish what a link points
// at. The reason, naming the file, when a name cannot be a storage path.
struct DevFiles {
  std::vector<std::pair<std::string, std::filesystem::path>> files;  // storage path, file on disk
  std::vector<std::string> folders;                                   // storage paths
};

Result<DevFiles> readFiles(const std::string& appDir) {
  DevFiles out;
  const std::filesystem::path dir = std::filesystem::path(appDir) / "files";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    const std::string rel = "/" + entry.path().lexically_relative(dir).generic_string();
    if (entry.is_symlink()) {
      std::fprintf(stderr, "cloudkeep dev: files%s: a symlink, not loaded\n", rel.c_str());
      continue;
    }
    if (!entry.is_regular_file() && !entry.is_directory()) continue;
    if (std::string why = services::checkFilePath(rel); !why.empty()) {
      return Status(ErrorCode::kInvalidArgument, "files" + rel + ": " + why);
    }
    if (entry.is_directory()) {
      out.folders.push_back(rel);
    } else {
      out.files.emplace_back(rel, entry.path());
    }
  }
  std::sort(out.files.begin(), out.files.end());
  std::sort(out.folders.begin(), out.folders.end());
  return out;
}

// Writes the app folder's files into file storage as the admin (replacing
// files of the same path; others stay). One line says how many.
Status loadFiles(services::App& app, const DevFiles& dev, const services::CallInfo& call) {
  if (dev.files.empty() && dev.folders.empty()) return {};
  const services::Principal admin = services::Principal::admin();
  services::FilesService files = app.files();
  for (const std::string& folder : dev.folders) {
    Result<std::string> made = files.createDirectory(admin, call, folder);
    if (!made.ok()) return Status(made.status().code(), "files" + folder + ": " + made.status().message());
  }
  for (const auto& [path, disk] : dev.files) {
    std::string content;
    if (!readWholeFile(disk.string(), &content)) {
      return Status(ErrorCode::kInvalidArgument, "files" + path + ": cannot read");
    }
    Result<std::string> saved = files.save(admin, call, path, content, /*overwrite=*/true);
    if (!saved.ok()) return Status(saved.status().code(), "files" + path + ": " + saved.status().message());
  }
  std::printf("cloudkeep dev: files/: %zu file%s loaded into file storage\n", dev.files.size(),
              dev.files.size() == 1 ? "" : "s");
  return {};
}

}  // namespace

struct DevFolder {
  std::string appDir;
  std::string policyPath;
  std::string policyText;
  services::Policy policy;
  std::vector<Seed> seeds;
  DevFiles files;
};

namespace {

// The folder, or the reason a file is refused: "APP_DIR/cloudkeep.json:
// LINE:COL: rules[1].on: ...", as a reload says it, or "APP_DIR/seed/...".
Result<DevFolder> readFolder(const std::string& appDir) {
  DevFolder out;
  out.appDir = appDir;
  out.policyPath = appDir + "/cloudkeep.json";
  if (!readWholeFile(out.policyPath, &out.policyText)) {
    return Status(ErrorCode::kInvalidArgument, out.policyPath + ": cannot read");
  }
  Result<services::Policy> policy = services::parsePolicy(out.policyText);
  if (!policy.ok()) {
    return Status(policy.status().code(), withJsonPlace(out.policyPath, out.policyText, policy.status().message()));
  }
  out.policy = std::move(policy).value();
  Result<std::vector<Seed>> seeds = readSeeds(appDir);
  if (!seeds.ok()) return Status(seeds.status().code(), appDir + "/" + seeds.status().message());
  out.seeds = std::move(seeds).value();
  Result<DevFiles> files = readFiles(appDir);
  if (!files.ok()) return Status(files.status().code(), appDir + "/" + files.status().message());
  out.files = std::move(files).value();
  return out;
}

}  // namespace

std::shared_ptr<const DevFolder> readDevFolder(const std::string& appDir) {
  Result<DevFolder> folder = readFolder(appDir);
  if (!folder.ok()) {
    refuse(folder.status().message());
    return nullptr;
  }
  return std::make_shared<const DevFolder>(std::move(folder).value());
}

int setUpDevApp(services::Host& host, const std::string& appId, const DevFolder& folder, bool reseed,
                services::Deployer* deployer) {
  const std::string& appDir = folder.appDir;
  const std::string& path = folder.policyPath;
  const std::string& text = folder.policyText;

  services::App* app = host.app(appId);
  if (app == nullptr) return refuse("app " + appId + " not found");
  const services::CallInfo call = devCall();
  if (Status s = ensureDevUsers(*app, folder.policy); !s.ok()) return refuse(path + ": " + s.message());
  Result<services::PolicyApplied> applied = app->applyPolicy(text, call);
  if (!applied.ok()) return refuse(withJsonPlace(path, text, applied.status().message()));
  for (const std::string& warning : applied->warnings) {
    std::fprintf(stderr, "cloudkeep dev: policy warning: %s\n", warning.c_str());
  }
  if (deployer != nullptr) {
    if (int rc = deployDevApp(*deployer, appId, appDir); rc != kExitOk) return rc;
  }

  if (!reseed && seededBefore(host, appId)) {
    if (!folder.seeds.empty()) std::printf("cloudkeep dev: seeds were loaded on an earlier start (--reseed loads them again)\n");
    return kExitOk;
  }
  if (Status s = loadSeeds(*app, folder.seeds, reseed, call); !s.ok()) return refuse(appDir + "/" + s.message());
  if (Status s = loadFiles(*app, folder.files, call); !s.ok()) return refuse(appDir + "/" + s.message());
  if (Status s = host.setAppSetting(appId, kSeededSetting, std::to_string(app->clock().nowMs())); !s.ok()) {
    return refuse("cannot record the seed load: " + s.message());
  }
  return kExitOk;
}

}  // namespace ck::tools
