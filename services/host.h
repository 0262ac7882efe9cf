#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/random.h"
#include "base/status.h"
#include "services/app.h"
#include "services/client_kind.h"
#include "storage/folder_lock.h"

namespace ck::storage {
class HostStore;
class AppStore;
}  // namespace ck::storage

namespace ck::services {

struct AppInfo {
  std::string id;    // uppercase GUID
  std::string name;  // unique per host
  int64_t createdMs = 0;
  std::vector<std::pair<ClientKind, std::string>> keys;  // one per client kind

  // The app's key of that kind; REQUIRES: the app has one (every app has all kinds).
  const std::string& key(ClientKind kind) const;
};

// The apps one host serves, and the host's admin access.
//
// Owns the host database (<data>/host.db) and opens each app's database
// (<data>/apps/<appId>/app.db) on first use. Thread-safe: every method may be
// called from any worker thread. Environmental failures (unwritable data
// folder, corrupt database) throw; expected outcomes come back as Status.
class Host {
 public:
  // Opens the data folder, creating it, host.db and the admin token on first
  // start. The admin token is kept in clear only in <data>/admin.token (mode
  // 0600, for the CLI); the database holds its SHA-256. When that file is
  // missing or does not match, a new token is made and the old one stops working.
  // `appConfig` configures every app this host serves. Throws when another
  // host, in this process or another, has the folder open (see FolderLock).
  static std::unique_ptr<Host> open(const std::string& dataDir, Random& random, const Clock& clock,
                                    Logger& log, AppConfig appConfig = {});
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // Creates an app with a new id and one fresh API key per client kind.
  // kInvalidArgument for a bad name, kAlreadyExists for a taken one.
  Result<AppInfo> createApp(std::string_view name);
  std::vector<AppInfo> listApps() const;
  std::optional<AppInfo> findApp(std::string_view appId) const;
  std::optional<AppInfo> findAppByName(std::string_view name) const;

  // The client kind of `apiKey` when it is one of `appId`'s keys. A key of
  // another app, or no key, gives nullopt: keys are bound to their app.
  std::optional<ClientKind> resolveKey(std::string_view appId, std::string_view apiKey) const;

  // The app's services (users, policy, data, audit), made on first use and
  // kept while the host lives; nullptr for an unknown app.
  App* app(std::string_view appId);

  // Whether `apiKey` is already known as one of `appId`'s keys and the app
  // is already open: resolveKey() and app() then read no file, so a caller
  // that must not block (the loop thread) may use them.
  bool knownOpen(std::string_view appId, std::string_view apiKey);

  // Whether `presented` is the admin token (compared in constant time).
  bool checkAdminToken(std::string_view presented) const;

  // App settings (key/value text). kAppNotFound for an unknown app,
  // kInvalidArgument for a bad key or an oversized value. A set is durable
  // before it returns.
  Result<std::vector<std::pair<std::string, std::string>>> appSettings(std::string_view appId);
  Status setAppSetting(std::string_view appId, std::string_view key, std::string_view value);

  const std::string& dataDir() const { return dataDir_; }
  static std::string adminTokenPath(const std::string& dataDir);

  static constexpr size_t kMaxSettingValueBytes = 64 * 1024;

 private:
  Host(storage::FolderLock lock, std::string dataDir, std::unique_ptr<storage::HostStore> store,
       std::string adminTokenHash, Random& random, const Clock& clock, Logger& log, AppConfig appConfig);
  // Opens (once) and returns the app's store; nullptr for an unknown app.
  storage::AppStore* appStore(std::string_view appId);

  storage::FolderLock lock_;  // first in, last out: held while anything is open
  const std::string dataDir_;
  std::unique_ptr<storage::HostStore> store_;
  const std::string adminTokenHash_;  // SHA-256 hex of the admin token
  Random& random_;
  const Clock& clock_;
  Logger& log_;
  const AppConfig appConfig_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<storage::AppStore>, std::less<>> appStores_;  // GUARDED_BY(mu_)
  std::mutex appsMu_;  // never held while an App is made
  std::map<std::string, std::unique_ptr<App>, std::less<>> apps_;  // GUARDED_BY(appsMu_)
  // API keys found in the store, so a request does not read host.db: a key
  // never changes its app or kind once made, and only keys that exist are
  // kept (at most four per app).
  struct KnownKey {
    std::string appId;
    ClientKind kind;
  };
  mutable std::shared_mutex keysMu_;
  mutable std::map<std::string, KnownKey, std::less<>> knownKeys_;  // GUARDED_BY(keysMu_)
};

// App names: 1 to 64 of [A-Za-z0-9_.-], starting with a letter or digit.
bool isValidAppName(std::string_view name);
// App setting keys: 1 to 64 of [A-Za-z0-9_.-], starting with a letter.
bool isValidSettingKey(std::string_view key);

}  // namespace ck::services
