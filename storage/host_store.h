#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace ck::storage {

class Database;

// One API key of an app. `kind` is the client kind the key is for: "REST",
// "JS", "IOS" or "ANDROID" (the store does not check it).
struct AppKey {
  std::string kind;
  std::string key;
};

struct AppRecord {
  std::string id;
  std::string name;
  int64_t createdMs = 0;
  std::vector<AppKey> keys;  // in the order they were inserted
};

// The host database, <data>/host.db: the apps with their API keys, and host
// settings (e.g. the admin token's hash). App ids, app names and keys are
// each unique; keys are indexed for the per-request lookup.
//
// Thread-safe: one connection guarded by a mutex; every method holds it for
// its whole duration. Owned by the server core. Expected outcomes are Status
// values; I/O failures and corruption throw (SqliteError, std::runtime_error).
class HostStore {
 public:
  // Opens `path`, creating the file when missing (its folder must exist), and
  // applies the host schema's migrations. Throws on I/O errors and on a
  // schema newer than this build (SchemaTooNewError).
  static std::unique_ptr<HostStore> open(const std::string& path);
  ~HostStore();
  HostStore(const HostStore&) = delete;
  HostStore& operator=(const HostStore&) = delete;

  // Adds the app and its keys in one transaction. Returns kAlreadyExists
  // when the id, the name or one of the keys is taken (keys included those
  // repeated within `app`), and kInvalidArgument when the id or name is
  // empty; nothing is written then.
  Status insertApp(const AppRecord& app);
  // Every app, ordered by createdMs, then id.
  std::vector<AppRecord> listApps() const;
  std::optional<AppRecord> findApp(std::string_view id) const;
  std::optional<AppRecord> findAppByName(std::string_view name) const;

  struct KeyOwner {
    std::string appId;
    std::string kind;
  };
  // The app and kind of an API key.
  std::optional<KeyOwner> findKey(std::string_view key) const;

  // Host settings, by name. setSetting inserts or replaces; it is committed
  // (durable against a process kill) before it returns.
  std::optional<std::string> getSetting(std::string_view name) const;
  void setSetting(std::string_view name, std::string_view value);

 private:
  explicit HostStore(std::unique_ptr<Database> db);
  // REQUIRES: mu_ held.
  std::optional<AppRecord> findAppWhere(const char* sql, std::string_view value) const;
  std::vector<AppKey> keysOf(const std::string& appId) const;

  mutable std::mutex mu_;
  std::unique_ptr<Database> db_;  // GUARDED_BY(mu_)
};

}  // namespace ck::storage
