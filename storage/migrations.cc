#include "storage/migrations.h"

#include <string>

#include "storage/sqlite.h"

namespace ck::storage {

SchemaTooNewError::SchemaTooNewError(const std::string& path, int found, int known)
    : std::runtime_error("database " + path + " has schema version " + std::to_string(found) +
                         ", newer than this build knows (" + std::to_string(known) +
                         "); it was written by a newer cloudkeep, refusing to open it"),
      found_(found),
      known_(known) {}

int applyMigrations(Database& db, std::span<const Migration> migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i + 1) || migrations[i].sql == nullptr) {
      throw std::invalid_argument("migration " + std::to_string(i) + " must have version " +
                                  std::to_string(i + 1) + " and SQL");
    }
  }
  const int latest = static_cast<int>(migrations.size());
  int current = db.userVersion();
  if (current > latest) throw SchemaTooNewError(db.path(), current, latest);
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    Transaction tx(db);
    current = db.userVersion();  // another process may have migrated meanwhile
    if (current > latest) throw SchemaTooNewError(db.path(), current, latest);
    if (m.version <= current) continue;
    db.exec(m.sql);
    // A PRAGMA takes no parameters; the version is our own constant.
    db.exec("PRAGMA user_version = " + std::to_string(m.version));
    tx.commit();
    current = m.version;
  }
  return current;
}

}  // namespace ck::storage
