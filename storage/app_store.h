#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ck::storage {

class Database;

// One app's database, <data>/apps/<appId>/app.db. The host's own tables in
// it are named with a leading underscore (`_settings`, ...), so they never
// collide with user tables, whose names match [A-Za-z][A-Za-z0-9_]{0,63}.
//
// Thread-safe: one connection guarded by a mutex; every method holds it for
// its whole duration. Owned by whoever serves the app. I/O failures and
// corruption throw (SqliteError, std::filesystem::filesystem_error).
class AppStore {
 public:
  // Creates `dir` (and its parents) when missing, opens <dir>/app.db and
  // applies the app schema's migrations. Throws on I/O errors and on a
  // schema newer than this build (SchemaTooNewError).
  static std::unique_ptr<AppStore> open(const std::string& dir);
  ~AppStore();
  AppStore(const AppStore&) = delete;
  AppStore& operator=(const AppStore&) = delete;

  std::optional<std::string> getSetting(std::string_view key) const;
  // Inserts or replaces. Committed before it returns: the value survives a
  // kill -9 of the process from then on (see Database for power loss).
  void setSetting(std::string_view key, std::string_view value);
  // Every setting, ordered by key.
  std::vector<std::pair<std::string, std::string>> settings() const;

  const std::string& dir() const { return dir_; }
  const std::string& path() const { return path_; }  // <dir>/app.db

 private:
  AppStore(std::string dir, std::string path, std::unique_ptr<Database> db);

  const std::string dir_;
  const std::string path_;
  mutable std::mutex mu_;
  std::unique_ptr<Database> db_;  // GUARDED_BY(mu_)
};

}  // namespace ck::storage
