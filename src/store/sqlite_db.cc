#include "store/sqlite_db.h"

#include <sqlite3.h>
#include <system_error>
#include <utility>

namespace hexa::store {

namespace {

// SQLite's own words for rc: the connection's message when it is about rc, else the generic one.
std::string sqlite_words(sqlite3* db, int rc) {
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) return sqlite3_errmsg(db);
  return sqlite3_errstr(rc);
}

// Which operation an I/O error came from, for the common ones.
std::string io_operation(int rc) {
  switch (rc) {
    case SQLITE_IOERR_READ: return "read failed";
    case SQLITE_IOERR_SHORT_READ: return "short read";
    case SQLITE_IOERR_WRITE: return "write failed";
    case SQLITE_IOERR_FSYNC: return "fsync failed";
    case SQLITE_IOERR_DIR_FSYNC: return "directory fsync failed";
    case SQLITE_IOERR_TRUNCATE: return "truncate failed";
    case SQLITE_IOERR_FSTAT: return "fstat failed";
    case SQLITE_IOERR_DELETE: return "delete failed";
    case SQLITE_IOERR_SHMOPEN:
    case SQLITE_IOERR_SHMSIZE:
    case SQLITE_IOERR_SHMMAP: return "shared-memory file failed";
    default: return "code " + std::to_string(rc);
  }
}

// The OS error behind an I/O failure, as " errno N: text", or "" when there is none.
std::string os_cause(int err) {
  if (err == 0) return "";
  return ", errno " + std::to_string(err) + ": " + std::generic_category().message(err);
}

}  // namespace

std::string sqlite_cause(sqlite3* db, int rc) {
  const int primary = rc & 0xff;
  const std::string words = sqlite_words(db, rc);
  // SQLite reads ENOSPC on a write as SQLITE_FULL. Its errno of other I/O errors is only
  // trustworthy for an open (later calls, a rollback's, may have changed errno since).
  if (primary == SQLITE_FULL) return "disk full (" + words + ")";
  const int err = db != nullptr && primary == SQLITE_CANTOPEN ? sqlite3_system_errno(db) : 0;
  switch (primary) {
    case SQLITE_IOERR:
      return "I/O error: " + io_operation(rc) + " (" + words + ")";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "locked by another connection (" + words + ")";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "corrupt or not a database (" + words + ")";
    case SQLITE_READONLY:
      return "read-only (" + words + ")";
    case SQLITE_CANTOPEN:
      return "cannot open (" + words + os_cause(err) + ")";
    case SQLITE_NOMEM:
      return "out of memory (" + words + ")";
    default:
      return words;
  }
}

Status sqlite_status(sqlite3* db, int rc, std::string_view context) {
  std::string msg = context.empty() ? sqlite_cause(db, rc) : std::string(context) + ": " + sqlite_cause(db, rc);
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return Status::Conflict(std::move(msg));
  return Status::Unavailable(std::move(msg));
}

// ---- Stmt

Stmt::Stmt(Stmt&& o) noexcept : s_(std::exchange(o.s_, nullptr)), bind_rc_(std::exchange(o.bind_rc_, 0)) {}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(s_);
    s_ = std::exchange(o.s_, nullptr);
    bind_rc_ = std::exchange(o.bind_rc_, 0);
  }
  return *this;
}

Stmt::~Stmt() { sqlite3_finalize(s_); }

void Stmt::bind(int i, std::int64_t v) {
  int rc = sqlite3_bind_int64(s_, i, v);
  if (rc != SQLITE_OK && bind_rc_ == 0) bind_rc_ = rc;
}

void Stmt::bind(int i, std::string_view v) {
  // SQLITE_STATIC: no copy; the caller keeps the text alive until reset (see the header).
  int rc = sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_rc_ == 0) bind_rc_ = rc;
}

Result<bool> Stmt::next() {
  if (bind_rc_ != 0) return sqlite_status(db(), bind_rc_, "bind");
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_status(db(), rc, "");
}

Status Stmt::run() {
  for (;;) {
    Result<bool> row = next();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

std::int64_t Stmt::int64(int col) const { return sqlite3_column_int64(s_, col); }

std::string Stmt::text(int col) const {
  // The pointer first, then the size: that order is the one SQLite documents as safe.
  const unsigned char* p = sqlite3_column_text(s_, col);
  int n = sqlite3_column_bytes(s_, col);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

void Stmt::reset() {
  if (s_ == nullptr) return;
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
  bind_rc_ = 0;
}

sqlite3* Stmt::db() const { return s_ == nullptr ? nullptr : sqlite3_db_handle(s_); }

// ---- Db

Db::Db(Db&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(o.db_, nullptr);
  }
  return *this;
}

Db::~Db() { sqlite3_close_v2(db_); }

Result<Db> Db::open(const std::string& path, int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  // NOMUTEX: each connection is used under the journal's own mutex, one thread at a time.
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  Db db(raw);  // closed on every path below, even a failed open (SQLite allocates it anyway)
  if (rc != SQLITE_OK) return sqlite_status(raw, rc, "open");
  sqlite3_extended_result_codes(raw, 1);
  rc = sqlite3_busy_timeout(raw, busy_timeout_ms);
  if (rc != SQLITE_OK) return sqlite_status(raw, rc, "busy timeout");
  return db;
}

Status Db::exec(const std::string& sql) {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_status(db_, rc, sql);
  return Status::Ok();
}

Result<Stmt> Db::prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) return sqlite_status(db_, rc, "prepare " + std::string(sql));
  return Stmt(s);
}

Result<std::string> Db::query_text(const std::string& sql) {
  Result<Stmt> s = prepare(sql);
  if (!s.ok()) return s.status();
  Result<bool> row = s->next();
  if (!row.ok()) return Status::Unavailable(sql + ": " + row.status().message());
  return *row ? s->text(0) : std::string();
}

bool Db::in_transaction() const { return db_ != nullptr && sqlite3_get_autocommit(db_) == 0; }

std::int64_t Db::changes() const { return sqlite3_changes64(db_); }

}  // namespace hexa::store
