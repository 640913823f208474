// A thin RAII layer over SQLite's C API, so that the rest of store/ reads as SQL and Status.
// This header names SQLite's types without defining them: sqlite3.h stays in store/*.cc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace hexa::store {

// What went wrong, in words a log reader can act on: "disk full (database or disk is full)",
// "I/O error (SQLITE_IOERR_FSYNC, errno 5: Input/output error)". `rc` is SQLite's result code.
std::string sqlite_cause(sqlite3* db, int rc);
// "<context>: <cause>" (just the cause when context is empty): Conflict for a broken
// constraint (a duplicate key), Unavailable for everything else.
Status sqlite_status(sqlite3* db, int rc, std::string_view context);

// A prepared statement, kept for the connection's lifetime (prepared once, reset after each use).
class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& o) noexcept;
  Stmt& operator=(Stmt&& o) noexcept;
  ~Stmt();

  // Parameters are numbered as in the SQL (?1, ?2...). Text is not copied: it must outlive
  // the statement's use (until reset). A failed bind is reported by the next step.
  void bind(int i, std::int64_t v);
  void bind(int i, std::string_view v);

  // Steps once: true when a row is ready to read, false when the statement is done.
  Result<bool> next();
  // Runs a statement that returns no rows (or whose rows do not matter) to its end.
  Status run();
  std::int64_t int64(int col) const;
  std::string text(int col) const;

  // Resets and clears the bindings, which ends the statement's hold on its read transaction.
  void reset();
  sqlite3* db() const;

  // Resets the statement when the scope ends, whichever way it ends.
  class [[nodiscard]] Use {
   public:
    explicit Use(Stmt& s) : s_(s) {}
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    ~Use() { s_.reset(); }

   private:
    Stmt& s_;
  };
  Use use() { return Use(*this); }

 private:
  sqlite3_stmt* s_ = nullptr;
  int bind_rc_ = 0;  // the first failed bind's code since the last reset, 0 = none
};

// A connection. Used by one thread at a time (the caller's mutex): opened without SQLite's own.
class Db {
 public:
  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  Db(Db&& o) noexcept;
  Db& operator=(Db&& o) noexcept;
  ~Db();

  // Opens (creating if missing) the database at path, with a busy timeout.
  static Result<Db> open(const std::string& path, int busy_timeout_ms);
  // Runs one or more statements that return no rows.
  Status exec(const std::string& sql);
  // Prepares a statement meant to be kept (SQLITE_PREPARE_PERSISTENT).
  Result<Stmt> prepare(std::string_view sql);
  // Runs a statement that returns one value (a PRAGMA, a count) and returns it as text.
  Result<std::string> query_text(const std::string& sql);
  bool in_transaction() const;
  std::int64_t changes() const;  // rows changed by the last statement
  sqlite3* get() const { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

}  // namespace hexa::store
