#include "services/audit.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "storage/date_parse.h"
#include "storage/sqlite.h"

namespace ck::services {
namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;

// Retention runs on the flusher thread each time about this many more
// entries have been stored (both kinds together).
constexpr int64_t kPruneEveryEntries = 256;
// A flusher whose writes keep failing logs the first failure, then at most
// one line per interval with the number of failures since.
constexpr auto kFailureLogInterval = std::chrono::seconds(10);

constexpr std::string_view kColumns =
    "timeMs, requestId, channel, callerUserId, callerEmail, callerRoles, callerKey, principal, service, "
    "method, op, resource, allowed, rule, detail";

// The id is one above the highest stored, or above the highest retention
// deleted when none is stored (storage/app_store.cc, migration 3).
constexpr std::string_view kLastIdSql =
    "coalesce((SELECT max(id) FROM _audit), (SELECT lastId FROM _audit_last_id), 0)";

const std::string& insertSql() {
  static const std::string sql = "INSERT INTO _audit(id, " + std::string(kColumns) + ") VALUES (" +
                                 std::string(kLastIdSql) +
                                 " + 1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
  return sql;
}

std::string rolesJson(const std::vector<std::string>& roles) {
  return json(roles).dump(-1, ' ', false, json::error_handler_t::replace);
}

void insertEntry(storage::Database& db, const AuditEntry& e) {
  storage::CachedStatement stmt = db.prepare(insertSql());
  stmt->bind(1, e.timeMs)
      .bind(2, e.requestId)
      .bind(3, e.channel)
      .bind(4, e.callerUserId)
      .bind(5, e.callerEmail)
      .bind(6, rolesJson(e.callerRoles))
      .bind(7, e.callerKey)
      .bind(8, e.principal)
      .bind(9, e.service)
      .bind(10, e.method)
      .bind(11, e.op)
      .bind(12, e.resource)
      .bind(13, e.allowed)
      .bind(14, e.rule)
      .bind(15, e.detail);
  stmt->run();
}

// A batch of read entries is stored by INSERTs of several rows each: chunks
// of kMaxChunkRows, then the rest in chunks of halving sizes (37 rows: 32,
// 4, 1), so the log's connection keeps at most log2(kMaxChunkRows) + 1 such
// statements prepared. Each row has kRowParams parameters, in the order of
// "id, " + kColumns.
constexpr size_t kMaxChunkRows = 64;
constexpr int kRowParams = 16;
// The columns whose value is mostly the same in every entry of a batch
// (all but id, timeMs, requestId and allowed). In the rows after a chunk's
// first, such a column is `ifnull(?k, ?c)`, ?c being the first row's
// parameter: a value equal to the first row's is left unbound (NULL), which
// saves SQLite a copy of the text. Every column is NOT NULL, so NULL stands
// for nothing else.
constexpr std::array<bool, kRowParams> kSharedColumn = {false, false, false, true, true, true, true, true,
                                                        true,  true,  true,  true, true, false, true, true};

// REQUIRES: rows is a power of two, at most kMaxChunkRows.
const std::string& chunkInsertSql(size_t rows) {
  static const std::vector<std::string> sqls = [] {
    std::vector<std::string> out;
    for (size_t n = 1; n <= kMaxChunkRows; n *= 2) {
      std::string sql = "INSERT INTO _audit(id, " + std::string(kColumns) + ") VALUES ";
      for (size_t row = 0; row < n; ++row) {
        sql += row == 0 ? "(" : ", (";
        for (int column = 0; column < kRowParams; ++column) {
          if (column > 0) sql += ", ";
          std::string param = "?" + std::to_string(static_cast<int>(row) * kRowParams + column + 1);
          if (row > 0 && kSharedColumn[column]) {
            sql += "ifnull(" + param + ", ?" + std::to_string(column + 1) + ")";
          } else {
            sql += param;
          }
        }
        sql += ")";
      }
      out.push_back(std::move(sql));
    }
    return out;
  }();
  return sqls.at(static_cast<size_t>(std::countr_zero(rows)));
}

// The JSON text of callerRoles, remembered for the next entry: the entries
// of a batch mostly carry the same roles. Used by one thread at a time.
class RolesText {
 public:
  const std::string& of(const std::vector<std::string>& roles) {
    if (!valid_ || roles != roles_) {
      roles_ = roles;
      text_ = rolesJson(roles);
      valid_ = true;
    }
    return text_;
  }

 private:
  bool valid_ = false;
  std::vector<std::string> roles_;
  std::string text_;
};

// Stores the `rows` entries from `entries` on, with the ids firstId,
// firstId + 1, ... in that order. REQUIRES: `db` inside a transaction; rows
// a power of two, at most kMaxChunkRows.
template <typename It>
void insertChunk(storage::Database& db, It entries, size_t rows, int64_t firstId, RolesText& roles) {
  storage::CachedStatement stmt = db.prepare(chunkInsertSql(rows));
  const AuditEntry& first = *entries;
  for (size_t row = 0; row < rows; ++row, ++entries) {
    const AuditEntry& e = *entries;
    const int p = static_cast<int>(row) * kRowParams;
    // Binds `column` (from 1), unless it is shared and its value is the first row's.
    auto bindText = [&](int column, const std::string& value, const std::string& firstValue) {
      if (row == 0 || !kSharedColumn[column - 1] || value != firstValue) stmt->bind(p + column, value);
    };
    stmt->bind(p + 1, firstId + static_cast<int64_t>(row)).bind(p + 2, e.timeMs);
    bindText(3, e.requestId, first.requestId);
    bindText(4, e.channel, first.channel);
    bindText(5, e.callerUserId, first.callerUserId);
    bindText(6, e.callerEmail, first.callerEmail);
    if (row == 0 || e.callerRoles != first.callerRoles) stmt->bind(p + 7, roles.of(e.callerRoles));
    bindText(8, e.callerKey, first.callerKey);
    bindText(9, e.principal, first.principal);
    bindText(10, e.service, first.service);
    bindText(11, e.method, first.method);
    bindText(12, e.op, first.op);
    bindText(13, e.resource, first.resource);
    stmt->bind(p + 14, e.allowed);
    bindText(15, e.rule, first.rule);
    bindText(16, e.detail, first.detail);
  }
  stmt->run();
}

// REQUIRES: `stmt` selects "id, " + kColumns and is on a row.
AuditEntry readEntry(const storage::Statement& stmt) {
  AuditEntry e;
  e.id = stmt.columnInt64(0);
  e.timeMs = stmt.columnInt64(1);
  e.requestId = stmt.columnText(2);
  e.channel = stmt.columnText(3);
  e.callerUserId = stmt.columnText(4);
  e.callerEmail = stmt.columnText(5);
  json roles = json::parse(stmt.columnText(6), nullptr, /*allow_exceptions=*/false);
  if (roles.is_array()) {
    for (const json& role : roles) {
      if (role.is_string()) e.callerRoles.push_back(role.get<std::string>());
    }
  }
  e.callerKey = stmt.columnText(7);
  e.principal = stmt.columnText(8);
  e.service = stmt.columnText(9);
  e.method = stmt.columnText(10);
  e.op = stmt.columnText(11);
  e.resource = stmt.columnText(12);
  e.allowed = stmt.columnInt64(13) != 0;
  e.rule = stmt.columnText(14);
  e.detail = stmt.columnText(15);
  return e;
}

void fillCaller(const ClientIdentity& caller, AuditEntry* e) {
  if (caller.user) {
    e->callerUserId = caller.user->id;
    e->callerEmail = caller.user->email;
  }
  const SystemRoleMask roles = clientSystemRoles(caller);
  for (SystemRole role : kAllSystemRoles) {
    if (roles & roleBit(role)) e->callerRoles.emplace_back(systemRoleName(role));
  }
  e->callerRoles.insert(e->callerRoles.end(), caller.customRoles.begin(), caller.customRoles.end());
  e->callerKey = clientKindName(caller.key);
}

}  // namespace

json AuditEntry::toJson() const {
  return json{{"id", id},
              {"timeMs", timeMs},
              {"requestId", requestId},
              {"channel", channel},
              {"callerUserId", callerUserId},
              {"callerEmail", callerEmail},
              {"callerRoles", callerRoles},
              {"callerKey", callerKey},
              {"principal", principal},
              {"service", service},
              {"method", method},
              {"op", op},
              {"resource", resource},
              {"allowed", allowed},
              {"rule", rule},
              {"detail", detail}};
}

AuditEntry auditEntry(const Principal& principal, const CallInfo& call, Op op, const ResourceRef& resource,
                      const Decision& decision, int64_t nowMs) {
  AuditEntry e;
  e.timeMs = nowMs;
  e.requestId = call.requestId;
  e.channel = channelName(call.channel);
  // A client is its own caller; service code carries its caller (or none).
  const ClientIdentity* caller = principal.isClient() ? principal.clientIdentity() : principal.caller();
  if (caller != nullptr) fillCaller(*caller, &e);
  e.principal = principal.describe();
  e.service = call.service.empty() && principal.isServerCode() ? principal.service() : call.service;
  e.method = call.method;
  e.op = opName(op);
  e.resource = resource.text();
  e.allowed = decision.allow;
  e.rule = decision.text.empty() ? std::string(decisionLevelName(decision.level)) : std::string(decision.text);
  return e;
}

AuditEntry adminAuditEntry(const CallInfo& call, std::string op, std::string resource, std::string detail,
                           int64_t nowMs) {
  AuditEntry e;
  e.timeMs = nowMs;
  e.requestId = call.requestId;
  e.channel = channelName(call.channel);
  e.principal = Principal::admin().describe();
  e.service = call.service;
  e.method = call.method;
  e.op = std::move(op);
  e.resource = std::move(resource);
  e.allowed = true;
  e.rule = decisionLevelName(DecisionLevel::kAdmin);
  e.detail = std::move(detail);
  return e;
}

Result<int64_t> parseAuditTime(std::string_view text) { return storage::parseDate(text); }

// Lock order: dbMu_ before queueMu_ (a write takes the batch from the queue
// while holding the connection, so batches are stored in queue order).
class AuditLog::Impl {
 public:
  Impl(const std::string& dbPath, AuditConfig config, const Clock& clock, Logger& log)
      : config_(config),
        clock_(clock),
        log_(log),
        db_(std::make_unique<storage::Database>(dbPath,
                                                storage::DatabaseOptions{.busyTimeoutMs = config.busyTimeoutMs})) {}

  ~Impl() {
    {
      std::lock_guard lock(queueMu_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (flusher_.joinable()) flusher_.join();
    logDropped();
    size_t queued = queuedCount();
    try {
      writeQueued();
    } catch (const std::exception& e) {
      log_.error("audit log: read entries lost at shutdown, writing them failed",
                 {{"count", static_cast<uint64_t>(queued)}, {"error", e.what()}});
    }
  }

  void recordInTransaction(storage::Database& db, const AuditEntry& entry) {
    if (!db.inTransaction()) throw std::logic_error("AuditLog::recordInTransaction needs an open transaction");
    insertEntry(db, entry);
    noteStored(1);
  }

  void recordWrite(const AuditEntry& entry) {
    {
      std::lock_guard lock(dbMu_);
      storage::Transaction tx(*db_);
      insertEntry(*db_, entry);
      tx.commit();
    }
    noteStored(1);
  }

  void recordRead(AuditEntry entry) {
    std::lock_guard lock(queueMu_);
    if (config_.maxQueued == 0) {
      ++dropped_;
      return;
    }
    while (queue_.size() >= config_.maxQueued) {
      queue_.pop_front();
      ++dropped_;
    }
    queue_.push_back(std::move(entry));
    startFlusherLocked();
    // The flusher waits for the first entry of a batch; later ones join it.
    if (queue_.size() == 1) wake_.notify_one();
  }

  void flush() { writeQueued(); }

  std::vector<AuditEntry> query(const AuditQuery& q) {
    flush();
    std::string sql = "SELECT id, " + std::string(kColumns) + " FROM _audit WHERE id > :after";
    if (q.sinceMs) sql += " AND timeMs >= :since";
    if (q.userEmail) sql += " AND callerEmail = :email COLLATE NOCASE";
    if (q.userId) sql += " AND callerUserId = :user";
    sql += " ORDER BY id LIMIT :limit";

    std::lock_guard lock(dbMu_);
    storage::CachedStatement stmt = db_->prepare(sql);
    stmt->bind(":after", q.afterId);
    if (q.sinceMs) stmt->bind(":since", *q.sinceMs);
    if (q.userEmail) stmt->bind(":email", *q.userEmail);
    if (q.userId) stmt->bind(":user", *q.userId);
    stmt->bind(":limit", static_cast<int64_t>(std::min(q.limit, kMaxAuditQueryLimit)));
    std::vector<AuditEntry> out;
    while (stmt->step()) out.push_back(readEntry(*stmt));
    return out;
  }

  int64_t prune() {
    std::lock_guard lock(dbMu_);
    storage::Transaction tx(*db_);
    int64_t deleted = 0;
    {
      // Remember the newest id, so new ids stay above it should every entry go.
      storage::CachedStatement lastId = db_->prepare(
          "INSERT INTO _audit_last_id(one, lastId) SELECT 1, id FROM _audit WHERE true ORDER BY id DESC LIMIT 1 "
          "ON CONFLICT(one) DO UPDATE SET lastId = max(lastId, excluded.lastId)");
      lastId->run();
    }
    {
      storage::CachedStatement byAge = db_->prepare("DELETE FROM _audit WHERE timeMs < ?1");
      byAge->bind(1, clock_.nowMs() - std::max<int64_t>(config_.maxAgeMs, 0)).run();
      deleted += db_->changes();
    }
    {
      // Every id more than maxEntries below the newest. Ids are handed out
      // one above the highest stored and a rolled-back write takes its entry
      // with it, so they have no gaps but those age retention makes: this
      // keeps exactly the newest maxEntries, or fewer after such a gap. It
      // costs what it deletes; counting from the newest (ORDER BY id DESC
      // OFFSET maxEntries) walked the whole table at every prune.
      storage::CachedStatement byCount =
          db_->prepare("DELETE FROM _audit WHERE id <= (SELECT max(id) FROM _audit) - ?1");
      byCount->bind(1, std::max<int64_t>(config_.maxEntries, 0)).run();
      deleted += db_->changes();
    }
    tx.commit();
    return deleted;
  }

 private:
  // REQUIRES: queueMu_ held.
  void startFlusherLocked() {
    if (!flusher_.joinable() && !stopping_) flusher_ = std::thread([this] { flusherLoop(); });
  }

  size_t queuedCount() {
    std::lock_guard lock(queueMu_);
    return queue_.size();
  }

  // Counts stored entries; asks the flusher to prune at every multiple of
  // kPruneEveryEntries (so a prune that failed is tried again later).
  void noteStored(int64_t count) {
    int64_t before = stored_.fetch_add(count);
    if (before / kPruneEveryEntries == (before + count) / kPruneEveryEntries) return;
    std::lock_guard lock(queueMu_);
    pruneDue_ = true;
    startFlusherLocked();
    wake_.notify_one();
  }

  // Stores every queued entry in one transaction on the log's connection.
  // On failure the entries go back to the front of the queue (at most
  // maxQueued are kept) and the exception propagates.
  void writeQueued() {
    std::lock_guard dbLock(dbMu_);
    std::deque<AuditEntry> batch;
    {
      std::lock_guard lock(queueMu_);
      batch.swap(queue_);
    }
    if (batch.empty()) return;
    try {
      storage::Transaction tx(*db_);
      // The ids insertEntry would give them one by one: the write lock is
      // held from BEGIN IMMEDIATE, so the highest id cannot move meanwhile.
      int64_t nextId = lastId() + 1;
      auto it = batch.cbegin();
      for (size_t left = batch.size(); left > 0;) {
        size_t rows = std::min(kMaxChunkRows, std::bit_floor(left));
        insertChunk(*db_, it, rows, nextId, roles_);
        it += static_cast<std::ptrdiff_t>(rows);
        nextId += static_cast<int64_t>(rows);
        left -= rows;
      }
      tx.commit();
    } catch (...) {
      requeue(std::move(batch));
      throw;
    }
    noteStored(static_cast<int64_t>(batch.size()));
  }

  // The highest id stored, or remembered by retention; 0 for none.
  // REQUIRES: dbMu_ held.
  int64_t lastId() {
    storage::CachedStatement stmt = db_->prepare("SELECT " + std::string(kLastIdSql));
    stmt->step();
    return stmt->columnInt64(0);
  }

  // Puts a failed batch back before the entries queued since, and wakes the
  // flusher: it may have gone to sleep on the empty queue while the batch
  // was out (say, taken by flush() on another thread), and a later
  // recordRead() does not wake it once the queue is not empty.
  void requeue(std::deque<AuditEntry> batch) {
    {
      std::lock_guard lock(queueMu_);
      for (AuditEntry& e : queue_) batch.push_back(std::move(e));
      queue_.swap(batch);
      while (queue_.size() > config_.maxQueued) {
        queue_.pop_front();
        ++dropped_;
      }
    }
    wake_.notify_one();
  }

  void logDropped() {
    uint64_t dropped = 0;
    {
      std::lock_guard lock(queueMu_);
      dropped = std::exchange(dropped_, 0);
    }
    if (dropped > 0) {
      log_.warn("audit log: read entries dropped, the queue was full while writes failed",
                {{"count", dropped}, {"maxQueued", static_cast<uint64_t>(config_.maxQueued)}});
    }
  }

  void flusherLoop() {
    const auto interval = std::chrono::milliseconds(std::max<int64_t>(config_.flushIntervalMs, 0));
    Steady::time_point nextWrite = Steady::now();
    bool failing = false;
    uint64_t failures = 0;  // since the last failure logged
    Steady::time_point lastFailureLog;

    std::unique_lock lock(queueMu_);
    while (true) {
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || pruneDue_; });
      // At most one write per interval: entries queued meanwhile join the batch.
      if (wake_.wait_until(lock, nextWrite, [&] { return stopping_; })) return;
      lock.unlock();

      logDropped();
      // Logs the first failure of a run of them, then one line per interval.
      auto failed = [&](const char* what, const std::string& detail) {
        ++failures;
        Steady::time_point now = Steady::now();
        if (!failing || now - lastFailureLog >= kFailureLogInterval) {
          log_.error("audit log: writing read entries failed, they stay queued",
                     {{"error", what},
                      {"detail", detail},
                      {"failures", failures},
                      {"queued", static_cast<uint64_t>(queuedCount())}});
          lastFailureLog = now;
          failures = 0;
        }
        failing = true;
      };
      try {
        writeQueued();
        if (failing) log_.info("audit log: writing read entries works again");
        failing = false;
      } catch (const storage::SqliteError& e) {
        failed(e.what(), e.detail());
      } catch (const std::exception& e) {
        failed(e.what(), "");
      }
      nextWrite = Steady::now() + interval;

      bool pruneDue = false;
      {
        std::lock_guard relock(queueMu_);
        pruneDue = std::exchange(pruneDue_, false);
      }
      if (pruneDue) {
        try {
          int64_t deleted = prune();
          if (deleted > 0) log_.debug("audit log: retention applied", {{"deleted", deleted}});
        } catch (const std::exception& e) {
          log_.error("audit log: applying retention failed, will retry later", {{"error", e.what()}});
        }
      }
      lock.lock();
    }
  }

  const AuditConfig config_;
  const Clock& clock_;
  Logger& log_;
  std::atomic<int64_t> stored_{0};  // entries stored by this log (both kinds), for automatic pruning

  std::mutex dbMu_;
  std::unique_ptr<storage::Database> db_;  // GUARDED_BY(dbMu_)
  RolesText roles_;                        // GUARDED_BY(dbMu_)

  std::mutex queueMu_;
  std::condition_variable wake_;   // the flusher waits on it
  std::deque<AuditEntry> queue_;   // GUARDED_BY(queueMu_): read entries, oldest first
  uint64_t dropped_ = 0;           // GUARDED_BY(queueMu_): dropped since the last warning
  bool pruneDue_ = false;          // GUARDED_BY(queueMu_)
  bool stopping_ = false;          // GUARDED_BY(queueMu_)
  std::thread flusher_;            // started under queueMu_, joined by the destructor
};

AuditLog::AuditLog(std::string dbPath, AuditConfig config, const Clock& clock, Logger& log)
    : impl_(std::make_unique<Impl>(dbPath, config, clock, log)) {}

AuditLog::~AuditLog() = default;

void AuditLog::recordInTransaction(storage::Database& db, const AuditEntry& entry) {
  impl_->recordInTransaction(db, entry);
}

void AuditLog::recordWrite(const AuditEntry& entry) { impl_->recordWrite(entry); }

void AuditLog::recordRead(AuditEntry entry) { impl_->recordRead(std::move(entry)); }

void AuditLog::flush() { impl_->flush(); }

std::vector<AuditEntry> AuditLog::query(const AuditQuery& query) { return impl_->query(query); }

int64_t AuditLog::prune() { return impl_->prune(); }

}  // namespace ck::services
