#pragma once

#include <span>
#include <stdexcept>
#include <string>

namespace ck::storage {

class Database;

// One step of a database's schema. `version` is the schema version the
// database has once `sql` has run; `sql` holds one or more statements (DDL
// and data fixes) and no parameters. A published migration is never edited:
// changes are new migrations.
struct Migration {
  int version;
  const char* sql;
};

// The database's schema is newer than every migration this build knows (it
// was written by a newer cloudkeep). Opening it could corrupt data, so it is
// refused.
class SchemaTooNewError : public std::runtime_error {
 public:
  SchemaTooNewError(const std::string& path, int found, int known);
  int found() const { return found_; }
  int known() const { return known_; }

 private:
  int found_;
  int known_;
};

// Brings `db` up to the last of `migrations`, tracked in PRAGMA user_version.
// Each pending migration runs in its own transaction (BEGIN IMMEDIATE) that
// also sets user_version, so a migration is applied entirely or not at all:
// when one fails, its changes and the version bump are rolled back, the
// migrations before it stay applied, and its SqliteError propagates. The
// version is re-read inside each transaction, so two processes migrating the
// same file at once apply each step once. Applying to an up-to-date database
// changes nothing.
//
// REQUIRES: migrations[i].version == i + 1 (std::invalid_argument otherwise);
// `db` is not inside a transaction. Throws SchemaTooNewError when the
// database's version is above the last migration's. Returns the version the
// database has afterwards.
//
// Note: PRAGMA foreign_keys and journal_mode have no effect inside a
// transaction, so they do not belong in a migration.
int applyMigrations(Database& db, std::span<const Migration> migrations);

}  // namespace ck::storage
