#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;
struct sqlite3_value;

namespace ck::storage {

// A failure reported by SQLite: an environmental failure (I/O error, disk
// full, database locked past the busy timeout, corruption) or a bug (bad SQL),
// except for constraint violations, which callers may catch and turn into a
// Status (isUniqueConstraint() -> kAlreadyExists).
//
// what() holds SQLite's generic text for the code, the extended code and the
// first words of the SQL ("INSERT INTO apps(id, ..."). It never holds a bound
// value: all values are bound parameters, never SQL text. detail() is
// SQLite's own message, which may name tables, columns and constraints (still
// no bound values); it is meant for logs, not for clients.
class SqliteError : public std::runtime_error {
 public:
  SqliteError(int extendedCode, std::string_view sqlHead, std::string detail);

  int code() const { return code_; }  // extended result code, e.g. SQLITE_CONSTRAINT_UNIQUE
  int primaryCode() const { return code_ & 0xff; }
  const std::string& sqlHead() const { return sqlHead_; }
  const std::string& detail() const { return detail_; }

  bool isConstraint() const;        // any SQLITE_CONSTRAINT_*
  bool isUniqueConstraint() const;  // SQLITE_CONSTRAINT_UNIQUE or _PRIMARYKEY
  bool isBusy() const;              // SQLITE_BUSY_* or SQLITE_LOCKED_* (lock not acquired in time)
  bool isInterrupted() const;       // SQLITE_INTERRUPT (interrupt() or the progress handler)

 private:
  int code_;
  std::string sqlHead_;
  std::string detail_;
};

// The first few words of `sql`, whitespace collapsed, for error messages.
std::string sqlHead(std::string_view sql);

enum class ColumnType { kInteger, kFloat, kText, kBlob, kNull };

class Database;

// A prepared statement. Owns its sqlite3_stmt; borrows the Database, which
// must outlive it. Used by one thread at a time, like its Database. Values
// are always bound (bind*), never formatted into the SQL.
//
// Failures throw SqliteError (step() on any error, bind() on a bad index or
// out of memory); misuse that is a bug in the caller (reading a column with no
// current row, an index out of range, several statements in one SQL string)
// throws std::logic_error.
class Statement {
 public:
  // Prepares the single statement `sql`. `persistent` hints SQLite that the
  // statement will be reused many times (used by the Database cache).
  Statement(Database& db, std::string_view sql, bool persistent = false);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are numbered from 1, as in SQLite. Text and blobs are copied.
  // REQUIRES: the statement is new or reset() since its last step()
  // (SqliteError with SQLITE_MISUSE otherwise).
  Statement& bindNull(int index);
  Statement& bindInt64(int index, int64_t value);
  Statement& bindDouble(int index, double value);
  Statement& bindText(int index, std::string_view value);
  Statement& bindBlob(int index, const void* data, size_t size);

  // Overloads for the common types. Integral types (bool included) bind as
  // int64 (uint64 values above INT64_MAX wrap); strings bind as text.
  Statement& bind(int index, std::nullptr_t) { return bindNull(index); }
  template <std::integral T>
  Statement& bind(int index, T value) { return bindInt64(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value) { return bindDouble(index, value); }
  Statement& bind(int index, std::string_view value) { return bindText(index, value); }
  Statement& bind(int index, const char* value) { return value ? bindText(index, value) : bindNull(index); }
  Statement& bind(int index, const std::string& value) { return bindText(index, value); }

  // By parameter name, including its prefix (":id", "@id", "$id").
  // Throws std::logic_error when the statement has no such parameter.
  int parameterIndex(std::string_view name) const;
  template <typename T>
  Statement& bind(std::string_view name, T&& value) {
    return bind(parameterIndex(name), std::forward<T>(value));
  }

  // Runs the statement until the next row. Returns true when a row is
  // available through the column getters, false when the statement is done.
  // On an error the statement is reset (its locks released) and SqliteError
  // is thrown.
  bool step();
  // Steps until done, ignoring rows; for INSERT/UPDATE/DELETE.
  void run();

  // Rewinds the statement so it can run again; bindings are kept. Never
  // throws (SQLite repeats the last step's error here, already reported).
  void reset();
  // Sets every parameter back to NULL.
  void clearBindings();

  // Column getters. REQUIRES: the last step() returned true (except for
  // columnCount and columnName); 0 <= index < columnCount().
  int columnCount() const;
  std::string columnName(int index) const;
  ColumnType columnType(int index) const;
  bool columnIsNull(int index) const;
  int64_t columnInt64(int index) const;
  double columnDouble(int index) const;
  std::string columnText(int index) const;  // NULL reads as ""
  // As columnText, without a copy: valid until the statement steps, resets
  // or reads this column again.
  std::string_view columnTextView(int index) const;
  std::vector<uint8_t> columnBlob(int index) const;
  // The column as SQLite holds it, for sqlite3_value_type() and the other
  // sqlite3_value_*() readers: one lookup of the column where each getter
  // above makes its own (a page of rows reads every cell). Valid until the
  // statement steps or resets. SQLite calls such a value unprotected: safe
  // because a connection is used by one thread at a time (NOMUTEX).
  sqlite3_value* columnValue(int index) const;

  // The first words of the SQL, as error messages show them.
  const std::string& head() const { return head_; }
  sqlite3_stmt* handle() const { return stmt_; }

 private:
  void check(int rc) const;  // throws SqliteError unless rc is SQLITE_OK
  void checkColumn(int index, bool needRow) const;
  // checkColumn(index, true) with its test inline: row values are read per
  // cell of every row.
  void checkRowColumn(int index) const {
    if (!hasRow_ || static_cast<unsigned>(index) >= static_cast<unsigned>(rowColumns_)) [[unlikely]] {
      checkColumn(index, true);
    }
  }

  sqlite3_stmt* stmt_ = nullptr;
  std::string head_;
  bool hasRow_ = false;
  int rowColumns_ = 0;  // the current row's column count, read once per step (checkColumn)
};

// A statement borrowed from a Database's cache; see Database::prepare. On
// destruction the statement is reset and its bindings cleared, so an
// unfinished SELECT never keeps a read transaction open. Movable, not
// copyable. REQUIRES: does not outlive its Database.
class CachedStatement {
 public:
  CachedStatement(CachedStatement&& other) noexcept;
  CachedStatement& operator=(CachedStatement&& other) noexcept;
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;
  ~CachedStatement();

  Statement& operator*() const { return *stmt_; }
  Statement* operator->() const { return stmt_; }

 private:
  friend class Database;
  CachedStatement(Statement* stmt, bool* inUse, std::unique_ptr<Statement> owned);
  void release() noexcept;

  Statement* stmt_;                  // the cached statement, or owned_.get()
  bool* inUse_;                      // the cache entry's flag; null for owned_
  std::unique_ptr<Statement> owned_;  // set when the cached one was in use
};

struct DatabaseOptions {
  // How long a statement waits for another connection's lock before failing
  // with SQLITE_BUSY (SqliteError::isBusy()).
  int busyTimeoutMs = 5000;
};

// One SQLite connection to one database file.
//
// Opening sets journal_mode=WAL, synchronous=NORMAL and foreign_keys=ON, and
// turns on SQLite's defensive mode and off double-quoted string literals (a
// "quoted" name is always an identifier). With WAL and synchronous=NORMAL, a
// transaction that has committed survives a crash of the process (kill -9):
// its pages are in the WAL file, which the next open replays. It does not
// necessarily survive a power loss or an OS crash: transactions committed
// since the last checkpoint (the last fsync of the WAL) may be lost, though
// the database stays consistent.
//
// Files are opened through SQLite's "unix-excl" VFS: the first connection
// of a process takes an exclusive lock on the file, which keeps every other
// process out, and the process's connections share the WAL index in memory.
// Connections of one process still read and write concurrently as WAL
// allows, without the two fcntl(2) lock calls each read transaction cost
// otherwise. A data folder belongs to one process anyway (FolderLock).
//
// The caller creates the parent folder; the file is created when missing.
// Opening throws SqliteError when the file cannot be opened or is not a
// database.
//
// NOT thread-safe: one thread uses a Database at a time, and its owner
// serialises access (a mutex, or one connection per thread). interrupt() is
// the only method another thread may call. Non-copyable and non-movable; hold
// it by value in its owner or by std::unique_ptr.
class Database {
 public:
  explicit Database(const std::string& path, const DatabaseOptions& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs SQL without parameters (DDL, PRAGMA, several statements separated by
  // ';'). Throws SqliteError.
  void exec(std::string_view sql);

  // A prepared statement for `sql`, from the connection's cache: the same
  // statement object is returned for the same SQL text, already reset with
  // its bindings cleared. The handle is usable until it is destroyed; it then
  // returns the statement to the cache. If the cached statement for this SQL
  // is still held by another live handle (a nested use of the same query),
  // the new handle gets a fresh, uncached statement instead, so two handles
  // never share a statement. Throws SqliteError when the SQL does not prepare.
  CachedStatement prepare(std::string_view sql);

  // PRAGMA user_version (the schema version, see migrations.h).
  int userVersion();
  int64_t lastInsertRowId() const;
  int changes() const;  // rows changed by the last INSERT/UPDATE/DELETE
  bool inTransaction() const;

  // Calls `handler` about every `everyOps` virtual-machine instructions while
  // a statement runs; returning true interrupts it (the statement fails with
  // SqliteError::isInterrupted()). An empty handler removes it. The handler
  // runs on the thread using the Database; if it throws, the exception is
  // dropped and the statement interrupted.
  void setProgressHandler(int everyOps, std::function<bool()> handler);
  // Makes the running statement (if any) fail with SQLITE_INTERRUPT.
  // Thread-safe: the one method another thread may call, while the Database
  // is alive.
  void interrupt();

  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }
  size_t cachedStatementCount() const { return cache_.size(); }

  // The cache holds at most this many statements; past it, the statements
  // not in use are dropped.
  static constexpr size_t kMaxCachedStatements = 128;

 private:
  struct CacheEntry {
    std::unique_ptr<Statement> stmt;
    bool inUse = false;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  static int progressTrampoline(void* self);

  std::string path_;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, CacheEntry, StringHash, std::equal_to<>> cache_;
  std::function<bool()> progress_;
};

// A write transaction: BEGIN IMMEDIATE on construction (taking the write lock
// up front, waiting up to the busy timeout), COMMIT in commit(), ROLLBACK in
// the destructor when not committed. Borrows the Database; same thread rules.
// Transactions do not nest: beginning one inside another throws SqliteError.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();  // rolls back if commit() did not succeed; never throws
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // Throws SqliteError; the transaction is then rolled back by the destructor.
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

// One write's unit of work: a transaction (BEGIN IMMEDIATE) of its own, or,
// when the connection is already inside the caller's transaction, a
// savepoint of it, so a write composes with the caller's (an audit entry in
// the same transaction, say). Rolled back unless commit() ran; a failure of
// the caller's whole transaction is the caller's to handle. Throws
// SqliteError like Transaction.
class WriteScope {
 public:
  explicit WriteScope(Database& db);
  ~WriteScope();  // never throws
  WriteScope(const WriteScope&) = delete;
  WriteScope& operator=(const WriteScope&) = delete;

  void commit();

 private:
  Database& db_;
  bool savepoint_ = false;
  bool done_ = false;
  std::optional<Transaction> tx_;
};

// One read's snapshot: a deferred transaction (BEGIN) of its own, so that
// the statements of one read (the catalog, then the rows) see the same
// database and the connection takes its read lock once; or nothing when the
// connection is already inside a transaction. Ended (ROLLBACK: a read has
// nothing to commit) by the destructor. Same thread rules as Database.
class ReadScope {
 public:
  explicit ReadScope(Database& db);
  ~ReadScope();  // never throws
  ReadScope(const ReadScope&) = delete;
  ReadScope& operator=(const ReadScope&) = delete;

 private:
  Database& db_;
  bool owns_ = false;
};

}  // namespace ck::storage
