// A thin layer over libpq, so that the rest of store/pg_* reads as SQL and Status. This header
// names libpq's types without defining them: libpq-fe.h stays in store/pg_*.cc.
//
// Errors are Unavailable with PostgreSQL's words and where ("PostgreSQL at 127.0.0.1:5432/hexa:
// append: ..."), never the password: every message goes through redact(). A connection that
// dropped is opened again by the next exec, so a restart of PostgreSQL is ridden out.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "model/status.h"

struct pg_conn;
struct pg_result;

namespace hexa::store {

// A PostgreSQL URL, checked. `where` names it in messages: "127.0.0.1:5432/hexa".
struct PgTarget {
  std::string url;       // as given, password included: for libpq only, never printed
  std::string where;
  std::string password;  // "" when none: what redact() hides
};

// Checks a postgresql:// or postgres:// URL with libpq's own parser. Invalid, naming the rule
// and the URL with its password hidden, otherwise.
Result<PgTarget> parse_pg_url(const std::string& url);
// `text` with the URL's password (in a URL's user:password@ or a password= parameter, and
// wherever else the password itself appears) replaced by "***".
std::string redact(std::string text, const std::string& password);

// Parameters of one statement, all in text format except binary() ones.
class PgParams {
 public:
  PgParams& text(std::string v);
  PgParams& integer(std::int64_t v) { return text(std::to_string(v)); }
  // Raw bytes (bytea), copied.
  PgParams& binary(std::string_view v);

  std::vector<const char*> values() const;
  std::vector<int> lengths() const;
  std::vector<int> formats() const;
  int size() const { return static_cast<int>(values_.size()); }

 private:
  std::deque<std::string> values_;  // a deque: growing it moves no string
  std::vector<int> formats_;
};

// Text arrays for unnest($1::text[]): {"a","b\"c"}.
std::string pg_text_array(const std::vector<std::string_view>& items);
std::string pg_int_array(const std::vector<std::int64_t>& items);

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* r) : r_(r) {}
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  PgResult& operator=(PgResult&& o) noexcept;
  ~PgResult();

  int rows() const;
  bool null(int row, int col) const;
  std::string text(int row, int col) const;
  std::int64_t int64(int row, int col) const;  // a text-format integer column
  std::string_view bytes(int row, int col) const;  // a binary-format column, as it came

 private:
  pg_result* r_ = nullptr;
};

class PgConn {
 public:
  // `role` names the connection in messages ("writer", "reader", "listener").
  PgConn(PgTarget target, std::string role) : t_(std::move(target)), role_(std::move(role)) {}
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;
  ~PgConn();

  // Opens the connection when there is none or it dropped; Ok when it is up.
  Status connect();
  bool connected() const;
  void close();

  // Runs one statement (or, without params, several separated by ';'). On error: Unavailable
  // "PostgreSQL at WHERE: what: <PostgreSQL's words>", or Conflict for a unique key broken
  // (SQLSTATE 23505); sqlstate() then says which. binary_results: every column in binary.
  Result<PgResult> exec(std::string_view what, const std::string& sql, const PgParams& p = {},
                        bool binary_results = false);
  // For a connection that only reads (the journal's reader): a statement that finds its kept
  // connection lost (PostgreSQL restarted since its last use), outside a transaction, runs once
  // more on a new one, instead of failing once after every restart (an ended job answered 404).
  void retry_reads_on_lost_connection() { retry_reads_ = true; }
  // The SQLSTATE of the last failed exec ("" when it failed without one: a lost connection).
  const std::string& sqlstate() const { return sqlstate_; }
  // True inside a transaction (or a failed one) that has not ended.
  bool in_transaction() const;
  // Rolls back the transaction left open by a failure, if any (best effort).
  void rollback_if_open();

  // LISTEN's side: the socket to poll, reading what arrived, and the payloads of the
  // notifications received so far on `channel`.
  int socket() const;
  Status consume_input();
  std::vector<std::string> notifications();

  // "PostgreSQL at WHERE: what: cause", redacted, with the code given.
  Status error(StatusCode code, std::string_view what, std::string_view cause) const;
  const PgTarget& target() const { return t_; }

 private:
  PgTarget t_;
  std::string role_;
  Result<PgResult> exec_once(std::string_view what, const std::string& sql, const PgParams& p, bool binary_results);

  pg_conn* c_ = nullptr;
  std::string sqlstate_;
  bool retry_reads_ = false;
};

}  // namespace hexa::store
