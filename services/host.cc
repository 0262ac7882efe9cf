#include "services/host.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "storage/app_store.h"
#include "storage/host_store.h"

namespace ck::services {
namespace {

constexpr char kAdminTokenSetting[] = "admin_token_sha256";
constexpr size_t kAdminTokenBytes = 32;

bool isNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

bool isLetter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

bool allNameChars(std::string_view s) {
  for (char c : s) {
    if (!isNameChar(c)) return false;
  }
  return true;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes `content` to `path` with mode 0600, atomically (temp file + rename).
void writePrivateFile(const std::string& path, std::string_view content) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + tmp + ": " + std::strerror(errno));
  ::fchmod(fd, 0600);  // in case the file existed with wider permissions
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + tmp + ": " + std::strerror(errno));
  }
}

AppInfo toInfo(const storage::AppRecord& r) {
  AppInfo info{r.id, r.name, r.createdMs, {}};
  for (const storage::AppKey& k : r.keys) {
    if (auto kind = parseClientKind(k.kind)) info.keys.emplace_back(*kind, k.key);
  }
  return info;
}

}  // namespace

bool isValidAppName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (!isLetter(name[0]) && !(name[0] >= '0' && name[0] <= '9')) return false;
  return allNameChars(name);
}

bool isValidSettingKey(std::string_view key) {
  return !key.empty() && key.size() <= 64 && isLetter(key[0]) && allNameChars(key);
}

const std::string& AppInfo::key(ClientKind kind) const {
  for (const auto& [k, v] : keys) {
    if (k == kind) return v;
  }
  throw std::logic_error("app has no key of that kind");
}

std::string Host::adminTokenPath(const std::string& dataDir) { return dataDir + "/admin.token"; }

std::unique_ptr<Host> Host::open(const std::string& dataDir, Random& random, const Clock& clock,
                                 Logger& log, AppConfig appConfig) {
  // One server per folder, before anything in it is opened or rewritten.
  Result<storage::FolderLock> lock = storage::FolderLock::acquire(dataDir);
  if (!lock.ok()) throw std::runtime_error(lock.status().message());
  std::filesystem::create_directories(dataDir + "/apps");
  std::unique_ptr<storage::HostStore> store = storage::HostStore::open(dataDir + "/host.db");

  // The token file is the source of truth for the CLI; the database keeps its
  // hash. A missing or mismatching file means the token is (re)made.
  std::string tokenPath = adminTokenPath(dataDir);
  std::string onDisk = readFile(tokenPath);
  while (!onDisk.empty() && (onDisk.back() == '\n' || onDisk.back() == '\r')) onDisk.pop_back();
  std::optional<std::string> stored = store->getSetting(kAdminTokenSetting);
  std::string hash;
  if (!onDisk.empty() && stored && constantTimeEquals(sha256Hex(onDisk), *stored)) {
    hash = *stored;
  } else {
    std::string token = randomHex(random, kAdminTokenBytes);
    writePrivateFile(tokenPath, token + "\n");
    hash = sha256Hex(token);
    store->setSetting(kAdminTokenSetting, hash);
    log.info(stored ? "admin token replaced" : "admin token created", {{"file", tokenPath}});
  }
  return std::unique_ptr<Host>(new Host(std::move(*lock), dataDir, std::move(store), hash, random, clock, log, std::move(appConfig)));
}

Host::Host(storage::FolderLock lock, std::string dataDir, std::unique_ptr<storage::HostStore> store,
           std::string adminTokenHash, Random& random, const Clock& clock, Logger& log, AppConfig appConfig)
    : lock_(std::move(lock)),
      dataDir_(std::move(dataDir)),
      store_(std::move(store)),
      adminTokenHash_(std::move(adminTokenHash)),
      random_(random),
      clock_(clock),
      log_(log),
      appConfig_(std::move(appConfig)) {}

Host::~Host() = default;

Result<AppInfo> Host::createApp(std::string_view name) {
  if (!isValidAppName(name)) {
    return Status(ErrorCode::kInvalidArgument,
                  "App name must be 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit");
  }
  storage::AppRecord record;
  record.id = newGuid(random_);
  record.name = std::string(name);
  record.createdMs = clock_.nowMs();
  for (ClientKind kind : kAllClientKinds) {
    // Keys look like Backendless's: uppercase GUIDs (122 random bits).
    record.keys.push_back({std::string(clientKindName(kind)), newGuid(random_)});
  }
  Status st = store_->insertApp(record);
  if (!st.ok()) {
    if (st.code() == ErrorCode::kAlreadyExists) {
      return Status(ErrorCode::kAlreadyExists, "An app with that name already exists");
    }
    return st;
  }
  // Create the app's folders and database now, so a broken data folder shows at creation.
  if (appStore(record.id) == nullptr) throw std::runtime_error("app store missing after create");
  log_.info("app created", {{"appId", record.id}, {"name", record.name}});
  return toInfo(record);
}

std::vector<AppInfo> Host::listApps() const {
  std::vector<AppInfo> out;
  for (const storage::AppRecord& r : store_->listApps()) out.push_back(toInfo(r));
  return out;
}

std::optional<AppInfo> Host::findApp(std::string_view appId) const {
  if (auto r = store_->findApp(appId)) return toInfo(*r);
  return std::nullopt;
}

std::optional<AppInfo> Host::findAppByName(std::string_view name) const {
  if (auto r = store_->findAppByName(name)) return toInfo(*r);
  return std::nullopt;
}

std::optional<ClientKind> Host::resolveKey(std::string_view appId, std::string_view apiKey) const {
  if (apiKey.empty()) return std::nullopt;
  {
    std::shared_lock lock(keysMu_);
    if (auto it = knownKeys_.find(apiKey); it != knownKeys_.end()) {
      if (it->second.appId != appId) return std::nullopt;
      return it->second.kind;
    }
  }
  auto owner = store_->findKey(apiKey);
  if (!owner) return std::nullopt;
  std::optional<ClientKind> kind = parseClientKind(owner->kind);
  if (!kind) return std::nullopt;
  {
    std::unique_lock lock(keysMu_);
    knownKeys_.emplace(std::string(apiKey), KnownKey{owner->appId, *kind});
  }
  if (owner->appId != appId) return std::nullopt;
  return kind;
}

bool Host::checkAdminToken(std::string_view presented) const {
  if (presented.empty()) return false;
  return constantTimeEquals(sha256Hex(presented), adminTokenHash_);
}

storage::AppStore* Host::appStore(std::string_view appId) {
  std::lock_guard lock(mu_);
  auto it = appStores_.find(appId);
  if (it != appStores_.end()) return it->second.get();
  if (!store_->findApp(appId)) return nullptr;
  // appId is an uppercase GUID from our own database, never a client's text.
  auto store = storage::AppStore::open(dataDir_ + "/apps/" + std::string(appId));
  storage::AppStore* raw = store.get();
  appStores_.emplace(std::string(appId), std::move(store));
  return raw;
}

bool Host::knownOpen(std::string_view appId, std::string_view apiKey) {
  {
    std::shared_lock lock(keysMu_);
    auto it = knownKeys_.find(apiKey);
    if (it == knownKeys_.end() || it->second.appId != appId) return false;
  }
  std::lock_guard lock(appsMu_);
  return apps_.find(appId) != apps_.end();
}

App* Host::app(std::string_view appId) {
  {
    std::lock_guard lock(appsMu_);
    auto it = apps_.find(appId);
    if (it != apps_.end()) return it->second.get();
  }
  storage::AppStore* store = appStore(appId);  // migrates the database
  if (store == nullptr) return nullptr;
  // Made without the lock (it takes a password hash and opens connections),
  // so opening one app never holds up requests to the others. Two threads
  // may race to open the same app: the first one kept wins.
  auto app = std::make_unique<App>(std::string(appId), store->path(), appConfig_, clock_, random_, log_);
  std::lock_guard lock(appsMu_);
  auto it = apps_.emplace(std::string(appId), std::move(app)).first;
  return it->second.get();
}

Result<std::vector<std::pair<std::string, std::string>>> Host::appSettings(std::string_view appId) {
  storage::AppStore* store = appStore(appId);
  if (store == nullptr) return Status::error(ErrorCode::kAppNotFound);
  return store->settings();
}

Status Host::setAppSetting(std::string_view appId, std::string_view key, std::string_view value) {
  if (!isValidSettingKey(key)) {
    return Status(ErrorCode::kInvalidArgument,
                  "Setting key must be 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter");
  }
  if (value.size() > kMaxSettingValueBytes) {
    return Status(ErrorCode::kInvalidArgument, "Setting value is larger than 64 KiB");
  }
  storage::AppStore* store = appStore(appId);
  if (store == nullptr) return Status::error(ErrorCode::kAppNotFound);
  store->setSetting(key, value);
  {
    std::lock_guard lock(appsMu_);
    auto it = apps_.find(appId);
    if (it != apps_.end()) it->second->settingsChanged();  // an app not open yet reads them when it opens
  }
  return {};
}

}  // namespace ck::services
