#include "store/pg_conn.h"

#include "store/pg_lib.h"


#include <charconv>
#include <cstring>
#include <utility>

namespace hexa::store {

namespace {

// Replaces every occurrence of `what` in `text` by "***".
void hide(std::string& text, std::string_view what) {
  if (what.empty()) return;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 3))
    text.replace(at, what.size(), "***");
}

// The password as written in a URL's userinfo (user:PASSWORD@host), still percent-encoded.
std::string_view url_password(std::string_view text) {
  const std::size_t scheme = text.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = text.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?"));
  const std::size_t at = rest.rfind('@');
  if (at == std::string_view::npos) return {};
  const std::size_t colon = rest.substr(0, at).find(':');
  if (colon == std::string_view::npos) return {};
  return rest.substr(colon + 1, at - colon - 1);
}

// The value of a password=... parameter of the URL's query, as written.
std::string_view query_password(std::string_view text) {
  for (std::size_t at = text.find("password="); at != std::string_view::npos; at = text.find("password=", at + 1)) {
    if (at == 0 || (text[at - 1] != '?' && text[at - 1] != '&')) continue;
    std::string_view v = text.substr(at + 9);
    return v.substr(0, v.find_first_of("& "));
  }
  return {};
}

std::string trimmed(const char* s) {
  std::string out = s != nullptr ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  for (char& c : out)
    if (c == '\n' || c == '\t') c = ' ';
  return out;
}

void ignore_notice(void*, const char*) {}

// libpq's entry points, for code that runs only once pg_lib() has answered Ok: after
// parse_pg_url (every PgTarget comes from it) or on a result or connection libpq made.
const PgLib& pq() { return **pg_lib(); }

}  // namespace

std::string redact(std::string text, const std::string& password) {
  hide(text, std::string(url_password(text)));
  hide(text, std::string(query_password(text)));
  hide(text, password);
  return text;
}

Result<PgTarget> parse_pg_url(const std::string& url) {
  if (!url.starts_with("postgresql://") && !url.starts_with("postgres://"))
    return Status::Invalid("'" + redact(url, "") +
                           "' is not a PostgreSQL URL: it must begin with postgresql:// or postgres:// "
                           "(postgresql://USER@HOST:PORT/DATABASE)");
  // The first use of libpq: where a missing library is told.
  if (Result<const PgLib*> lib = pg_lib(); !lib.ok()) return lib.status();
  char* err = nullptr;
  PQconninfoOption* opts = pq().PQconninfoParse(url.c_str(), &err);
  if (opts == nullptr) {
    std::string why = err != nullptr ? trimmed(err) : "out of memory";
    pq().PQfreemem(err);
    return Status::Invalid("PostgreSQL URL '" + redact(url, "") + "': " + redact(why, ""));
  }
  PgTarget t;
  t.url = url;
  std::string host = "localhost", port = "5432", db, user;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    const std::string_view k = o->keyword;
    if (k == "host" || k == "hostaddr") host = o->val;
    else if (k == "port") port = o->val;
    else if (k == "dbname") db = o->val;
    else if (k == "user") user = o->val;
    else if (k == "password") t.password = o->val;
  }
  pq().PQconninfoFree(opts);
  if (db.empty()) db = user.empty() ? "(default database)" : user;
  t.where = host + ":" + port + "/" + db;
  return t;
}

// ---- parameters and arrays

PgParams& PgParams::text(std::string v) {
  values_.push_back(std::move(v));
  formats_.push_back(0);
  return *this;
}

PgParams& PgParams::binary(std::string_view v) {
  values_.emplace_back(v);
  formats_.push_back(1);
  return *this;
}

std::vector<const char*> PgParams::values() const {
  std::vector<const char*> out;
  for (const std::string& v : values_) out.push_back(v.c_str());
  return out;
}

std::vector<int> PgParams::lengths() const {
  std::vector<int> out;
  for (const std::string& v : values_) out.push_back(static_cast<int>(v.size()));
  return out;
}

std::vector<int> PgParams::formats() const { return formats_; }

std::string pg_text_array(const std::vector<std::string_view>& items) {
  std::size_t size = 2;
  for (std::string_view s : items) size += s.size() + 3;
  std::string out;
  out.reserve(size);
  out += '{';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string pg_int_array(const std::vector<std::int64_t>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(items[i]);
  }
  return out + "}";
}

// ---- results

PgResult& PgResult::operator=(PgResult&& o) noexcept {
  std::swap(r_, o.r_);
  return *this;
}

PgResult::~PgResult() {
  if (r_ != nullptr) pq().PQclear(r_);
}

int PgResult::rows() const { return r_ != nullptr ? pq().PQntuples(r_) : 0; }
bool PgResult::null(int row, int col) const { return pq().PQgetisnull(r_, row, col) != 0; }
std::string PgResult::text(int row, int col) const {
  return std::string(pq().PQgetvalue(r_, row, col), static_cast<std::size_t>(pq().PQgetlength(r_, row, col)));
}

std::int64_t PgResult::int64(int row, int col) const {
  const char* v = pq().PQgetvalue(r_, row, col);
  std::int64_t n = 0;
  std::from_chars(v, v + std::strlen(v), n);
  return n;
}

std::string_view PgResult::bytes(int row, int col) const {
  return {pq().PQgetvalue(r_, row, col), static_cast<std::size_t>(pq().PQgetlength(r_, row, col))};
}

// ---- the connection

PgConn::~PgConn() { close(); }

void PgConn::close() {
  if (c_ != nullptr) pq().PQfinish(c_);
  c_ = nullptr;
}

bool PgConn::connected() const { return c_ != nullptr && pq().PQstatus(c_) == CONNECTION_OK; }

Status PgConn::error(StatusCode code, std::string_view what, std::string_view cause) const {
  std::string msg = redact("PostgreSQL at " + t_.where + " (" + role_ + "): " + std::string(what) + ": " +
                               std::string(cause),
                           t_.password);
  return code == StatusCode::kConflict ? Status::Conflict(std::move(msg)) : Status::Unavailable(std::move(msg));
}

Status PgConn::connect() {
  if (connected()) return Status::Ok();
  close();
  if (Result<const PgLib*> lib = pg_lib(); !lib.ok()) return lib.status();
  // Ours first: the URL's own settings (expanded from dbname, last) override them. Keepalives
  // notice a server that vanished without closing the connection. The timeouts: a replica
  // paused (SIGSTOP, a hung VM) inside a transaction holds its lease row's lock; PostgreSQL
  // ends such a session after 2 s idle in it, and no statement waits more than 1 s for a lock,
  // so the other replicas can take the lease (its append then fails, fenced by the epoch).
  const char* keys[] = {"connect_timeout", "application_name", "keepalives_idle", "keepalives_interval",
                        "keepalives_count", "options", "dbname", nullptr};
  const char* vals[] = {"5", "hexa", "5", "2", "3", "-c lock_timeout=1000 -c idle_in_transaction_session_timeout=2000",
                        t_.url.c_str(), nullptr};
  c_ = pq().PQconnectdbParams(keys, vals, 1);
  if (c_ == nullptr) return error(StatusCode::kUnavailable, "connect", "out of memory");
  if (pq().PQstatus(c_) != CONNECTION_OK) {
    Status st = error(StatusCode::kUnavailable, "connect", trimmed(pq().PQerrorMessage(c_)));
    close();
    return st;
  }
  pq().PQsetNoticeProcessor(c_, ignore_notice, nullptr);
  return Status::Ok();
}

Result<PgResult> PgConn::exec(std::string_view what, const std::string& sql, const PgParams& p, bool binary_results) {
  const bool kept = c_ != nullptr && !in_transaction();  // a statement of its own on an open connection
  Result<PgResult> r = exec_once(what, sql, p, binary_results);
  if (r.ok() || !retry_reads_ || !kept || c_ != nullptr) return r;  // c_ null: the connection was lost
  return exec_once(what, sql, p, binary_results);
}

Result<PgResult> PgConn::exec_once(std::string_view what, const std::string& sql, const PgParams& p,
                                   bool binary_results) {
  sqlstate_.clear();
  if (Status st = connect(); !st.ok()) return st;
  PGresult* r = nullptr;
  if (p.size() == 0 && !binary_results) {
    r = pq().PQexec(c_, sql.c_str());
  } else {
    const auto values = p.values();
    const auto lengths = p.lengths();
    const auto formats = p.formats();
    r = pq().PQexecParams(c_, sql.c_str(), p.size(), nullptr, values.data(), lengths.data(), formats.data(),
                     binary_results ? 1 : 0);
  }
  PgResult res(r);
  const ExecStatusType s = r != nullptr ? pq().PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) return res;
  const char* state = r != nullptr ? pq().PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  sqlstate_ = state != nullptr ? state : "";
  std::string cause = trimmed(r != nullptr ? pq().PQresultErrorMessage(r) : pq().PQerrorMessage(c_));
  if (cause.empty()) cause = trimmed(pq().PQerrorMessage(c_));
  if (pq().PQstatus(c_) != CONNECTION_OK) close();  // the next exec connects again
  return error(sqlstate_ == "23505" ? StatusCode::kConflict : StatusCode::kUnavailable, what, cause);
}

bool PgConn::in_transaction() const {
  if (c_ == nullptr) return false;
  const PGTransactionStatusType s = pq().PQtransactionStatus(c_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
}

void PgConn::rollback_if_open() {
  if (!in_transaction()) return;
  PGresult* r = pq().PQexec(c_, "ROLLBACK");
  if (r != nullptr) pq().PQclear(r);
  if (pq().PQstatus(c_) != CONNECTION_OK) close();
}

int PgConn::socket() const { return c_ != nullptr ? pq().PQsocket(c_) : -1; }

Status PgConn::consume_input() {
  if (c_ == nullptr) return error(StatusCode::kUnavailable, "listen", "not connected");
  if (pq().PQconsumeInput(c_) == 0 || pq().PQstatus(c_) != CONNECTION_OK) {
    Status st = error(StatusCode::kUnavailable, "listen", trimmed(pq().PQerrorMessage(c_)));
    close();
    return st;
  }
  return Status::Ok();
}

std::vector<std::string> PgConn::notifications() {
  std::vector<std::string> out;
  if (c_ == nullptr) return out;
  while (PGnotify* n = pq().PQnotifies(c_)) {
    out.emplace_back(n->extra != nullptr ? n->extra : "");
    pq().PQfreemem(n);
  }
  return out;
}

}  // namespace hexa::store
