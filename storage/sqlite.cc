#include "storage/sqlite.h"

#include <sqlite3.h>

#include <cassert>
#include <cctype>
#include <climits>
#include <utility>

namespace ck::storage {

namespace {

constexpr size_t kHeadMaxWords = 6;
constexpr size_t kHeadMaxChars = 60;

bool isSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string errorMessage(int code, std::string_view head) {
  std::string m = "sqlite: ";
  m += sqlite3_errstr(code);
  m += " (code ";
  m += std::to_string(code);
  m += ")";
  if (!head.empty()) {
    m += " in `";
    m += head;
    m += "`";
  }
  return m;
}

}  // namespace

std::string sqlHead(std::string_view sql) {
  std::string out;
  size_t words = 0;
  size_t i = 0;
  while (i < sql.size()) {
    while (i < sql.size() && isSpace(sql[i])) ++i;
    if (i == sql.size()) break;
    if (words == kHeadMaxWords) {
      out += " ...";
      break;
    }
    if (!out.empty()) out += ' ';
    while (i < sql.size() && !isSpace(sql[i])) out += sql[i++];
    ++words;
    if (out.size() > kHeadMaxChars) {
      out.resize(kHeadMaxChars);
      out += "...";
      break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// SqliteError

SqliteError::SqliteError(int extendedCode, std::string_view head, std::string detail)
    : std::runtime_error(errorMessage(extendedCode, head)),
      code_(extendedCode),
      sqlHead_(head),
      detail_(std::move(detail)) {}

bool SqliteError::isConstraint() const { return primaryCode() == SQLITE_CONSTRAINT; }

bool SqliteError::isUniqueConstraint() const {
  return code_ == SQLITE_CONSTRAINT_UNIQUE || code_ == SQLITE_CONSTRAINT_PRIMARYKEY;
}

bool SqliteError::isBusy() const { return primaryCode() == SQLITE_BUSY || primaryCode() == SQLITE_LOCKED; }

bool SqliteError::isInterrupted() const { return primaryCode() == SQLITE_INTERRUPT; }

// ---------------------------------------------------------------------------
// Statement

Statement::Statement(Database& db, std::string_view sql, bool persistent) : head_(sqlHead(sql)) {
  if (sql.size() > static_cast<size_t>(INT_MAX)) throw std::logic_error("SQL text too long");
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                              persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt_, &tail);
  if (rc != SQLITE_OK) {
    throw SqliteError(sqlite3_extended_errcode(db.handle()), head_, sqlite3_errmsg(db.handle()));
  }
  if (stmt_ == nullptr) throw std::logic_error("SQL holds no statement: `" + head_ + "`");
  const char* end = sql.data() + sql.size();
  for (const char* p = tail; p != nullptr && p < end; ++p) {
    if (!isSpace(*p) && *p != ';') {
      sqlite3_finalize(stmt_);
      stmt_ = nullptr;
      throw std::logic_error("SQL holds more than one statement: `" + head_ + "`");
    }
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      head_(std::move(other.head_)),
      hasRow_(std::exchange(other.hasRow_, false)),
      rowColumns_(std::exchange(other.rowColumns_, 0)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    head_ = std::move(other.head_);
    hasRow_ = std::exchange(other.hasRow_, false);
    rowColumns_ = std::exchange(other.rowColumns_, 0);
  }
  return *this;
}

void Statement::check(int rc) const {
  if (rc == SQLITE_OK) return;
  throw SqliteError(rc, head_, sqlite3_errmsg(sqlite3_db_handle(stmt_)));
}

Statement& Statement::bindNull(int index) {
  check(sqlite3_bind_null(stmt_, index));
  return *this;
}

Statement& Statement::bindInt64(int index, int64_t value) {
  check(sqlite3_bind_int64(stmt_, index, static_cast<sqlite3_int64>(value)));
  return *this;
}

Statement& Statement::bindDouble(int index, double value) {
  check(sqlite3_bind_double(stmt_, index, value));
  return *this;
}

Statement& Statement::bindText(int index, std::string_view value) {
  // A non-null pointer even for "" so the value is an empty text, not NULL.
  const char* data = value.empty() ? "" : value.data();
  check(sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::bindBlob(int index, const void* data, size_t size) {
  static const char kEmpty = 0;
  check(sqlite3_bind_blob64(stmt_, index, size == 0 ? &kEmpty : data, size, SQLITE_TRANSIENT));
  return *this;
}

int Statement::parameterIndex(std::string_view name) const {
  int index = sqlite3_bind_parameter_index(stmt_, std::string(name).c_str());
  if (index == 0) throw std::logic_error("no parameter " + std::string(name) + " in `" + head_ + "`");
  return index;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    hasRow_ = true;
    rowColumns_ = sqlite3_column_count(stmt_);
    return true;
  }
  hasRow_ = false;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(stmt_);
  int code = sqlite3_extended_errcode(db);
  if ((code & 0xff) != (rc & 0xff)) code = rc;
  std::string detail = sqlite3_errmsg(db);
  sqlite3_reset(stmt_);
  throw SqliteError(code, head_, std::move(detail));
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  hasRow_ = false;
  sqlite3_reset(stmt_);
}

void Statement::clearBindings() { sqlite3_clear_bindings(stmt_); }

void Statement::checkColumn(int index, bool needRow) const {
  if (needRow && !hasRow_) throw std::logic_error("column read without a current row in `" + head_ + "`");
  if (index < 0 || index >= (needRow ? rowColumns_ : sqlite3_column_count(stmt_))) {
    throw std::logic_error("column index " + std::to_string(index) + " out of range in `" + head_ + "`");
  }
}

int Statement::columnCount() const { return sqlite3_column_count(stmt_); }

std::string Statement::columnName(int index) const {
  checkColumn(index, false);
  const char* name = sqlite3_column_name(stmt_, index);
  if (name == nullptr) throw std::bad_alloc();
  return name;
}

ColumnType Statement::columnType(int index) const {
  checkRowColumn(index);
  switch (sqlite3_column_type(stmt_, index)) {
    case SQLITE_INTEGER: return ColumnType::kInteger;
    case SQLITE_FLOAT: return ColumnType::kFloat;
    case SQLITE_TEXT: return ColumnType::kText;
    case SQLITE_BLOB: return ColumnType::kBlob;
    default: return ColumnType::kNull;
  }
}

bool Statement::columnIsNull(int index) const { return columnType(index) == ColumnType::kNull; }

int64_t Statement::columnInt64(int index) const {
  checkRowColumn(index);
  return sqlite3_column_int64(stmt_, index);
}

double Statement::columnDouble(int index) const {
  checkRowColumn(index);
  return sqlite3_column_double(stmt_, index);
}

std::string Statement::columnText(int index) const { return std::string(columnTextView(index)); }

std::string_view Statement::columnTextView(int index) const {
  checkRowColumn(index);
  // text first, then bytes: the documented order for a stable length.
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  int size = sqlite3_column_bytes(stmt_, index);
  if (text == nullptr) return {};
  return std::string_view(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

sqlite3_value* Statement::columnValue(int index) const {
  checkRowColumn(index);
  return sqlite3_column_value(stmt_, index);
}

std::vector<uint8_t> Statement::columnBlob(int index) const {
  checkRowColumn(index);
  const void* data = sqlite3_column_blob(stmt_, index);
  int size = sqlite3_column_bytes(stmt_, index);
  if (data == nullptr) return {};
  const auto* bytes = static_cast<const uint8_t*>(data);
  return std::vector<uint8_t>(bytes, bytes + size);
}

// ---------------------------------------------------------------------------
// CachedStatement

CachedStatement::CachedStatement(Statement* stmt, bool* inUse, std::unique_ptr<Statement> owned)
    : stmt_(owned ? owned.get() : stmt), inUse_(owned ? nullptr : inUse), owned_(std::move(owned)) {}

CachedStatement::CachedStatement(CachedStatement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      inUse_(std::exchange(other.inUse_, nullptr)),
      owned_(std::move(other.owned_)) {}

CachedStatement& CachedStatement::operator=(CachedStatement&& other) noexcept {
  if (this != &other) {
    release();
    stmt_ = std::exchange(other.stmt_, nullptr);
    inUse_ = std::exchange(other.inUse_, nullptr);
    owned_ = std::move(other.owned_);
  }
  return *this;
}

CachedStatement::~CachedStatement() { release(); }

void CachedStatement::release() noexcept {
  if (owned_) {
    owned_.reset();
  } else if (stmt_ != nullptr) {
    stmt_->reset();
    stmt_->clearBindings();
    if (inUse_ != nullptr) *inUse_ = false;
  }
  stmt_ = nullptr;
  inUse_ = nullptr;
}

// ---------------------------------------------------------------------------
// Database

Database::Database(const std::string& path, const DatabaseOptions& options) : path_(path) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, "unix-excl");
  if (rc != SQLITE_OK) {
    int code = db_ != nullptr ? sqlite3_extended_errcode(db_) : rc;
    std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw SqliteError(code, "open " + path, std::move(detail));
  }
  try {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, options.busyTimeoutMs);
    sqlite3_db_config(db_, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
    sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
    // The first statement reads the header: a file that is not a database
    // fails here with SQLITE_NOTADB.
    std::string mode;
    {
      Statement journal(*this, "PRAGMA journal_mode=WAL");
      if (journal.step()) mode = journal.columnText(0);
    }
    bool inMemory = path.empty() || path == ":memory:";
    if (mode != "wal" && !(inMemory && mode == "memory")) {
      throw std::runtime_error("sqlite: could not switch " + path + " to WAL (journal mode is '" + mode + "')");
    }
    exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON");
  } catch (...) {
    cache_.clear();
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

Database::~Database() {
#ifndef NDEBUG
  for (const auto& [sql, entry] : cache_) assert(!entry.inUse && "a CachedStatement outlived its Database");
#endif
  cache_.clear();
  sqlite3_close_v2(db_);
}

void Database::exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string detail = message != nullptr ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    int code = sqlite3_extended_errcode(db_);
    if ((code & 0xff) != (rc & 0xff)) code = rc;
    throw SqliteError(code, sqlHead(sql), std::move(detail));
  }
}

CachedStatement Database::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    CacheEntry& entry = it->second;
    if (entry.inUse) return CachedStatement(nullptr, nullptr, std::make_unique<Statement>(*this, sql));
    entry.inUse = true;
    return CachedStatement(entry.stmt.get(), &entry.inUse, nullptr);
  }
  if (cache_.size() >= kMaxCachedStatements) {
    std::erase_if(cache_, [](const auto& kv) { return !kv.second.inUse; });
  }
  auto stmt = std::make_unique<Statement>(*this, sql, /*persistent=*/true);
  auto [pos, inserted] = cache_.emplace(std::string(sql), CacheEntry{std::move(stmt), true});
  assert(inserted);
  return CachedStatement(pos->second.stmt.get(), &pos->second.inUse, nullptr);
}

int Database::userVersion() {
  CachedStatement stmt = prepare("PRAGMA user_version");
  if (!stmt->step()) throw std::logic_error("PRAGMA user_version returned no row");
  return static_cast<int>(stmt->columnInt64(0));
}

int64_t Database::lastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int Database::changes() const { return sqlite3_changes(db_); }

bool Database::inTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

int Database::progressTrampoline(void* self) {
  auto* db = static_cast<Database*>(self);
  try {
    return db->progress_() ? 1 : 0;
  } catch (...) {
    return 1;  // a failing handler interrupts rather than unwinding through SQLite
  }
}

void Database::setProgressHandler(int everyOps, std::function<bool()> handler) {
  progress_ = std::move(handler);
  if (progress_) {
    sqlite3_progress_handler(db_, everyOps, &Database::progressTrampoline, this);
  } else {
    sqlite3_progress_handler(db_, 0, nullptr, nullptr);
  }
}

void Database::interrupt() { sqlite3_interrupt(db_); }

// ---------------------------------------------------------------------------
// Transaction

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (done_ || !db_.inTransaction()) return;
  sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  if (done_) throw std::logic_error("Transaction committed twice");
  db_.exec("COMMIT");
  done_ = true;
}

WriteScope::WriteScope(Database& db) : db_(db) {
  if (db_.inTransaction()) {
    db_.exec("SAVEPOINT ck_write_scope");
    savepoint_ = true;
  } else {
    tx_.emplace(db_);
  }
}

WriteScope::~WriteScope() {
  if (done_ || !savepoint_) return;  // tx_'s destructor rolls back on its own
  try {
    db_.exec("ROLLBACK TO ck_write_scope; RELEASE ck_write_scope");
  } catch (...) {
    // The caller's transaction failed as a whole (SQLite rolled it back).
  }
}

void WriteScope::commit() {
  if (savepoint_) {
    db_.exec("RELEASE ck_write_scope");
  } else {
    tx_->commit();
  }
  done_ = true;
}

ReadScope::ReadScope(Database& db) : db_(db) {
  if (db_.inTransaction()) return;
  db_.prepare("BEGIN")->run();
  owns_ = true;
}

ReadScope::~ReadScope() {
  if (!owns_) return;
  try {
    db_.prepare("ROLLBACK")->run();
  } catch (...) {
    // SQLite already ended it (say after an I/O error); nothing is held.
  }
}

}  // namespace ck::storage
