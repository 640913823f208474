// Opening the journal, and the journal itself: append (group commit) and read.
#include "store/sqlite_journal.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "store/archive_rows.h"
#include "store/crash_point.h"
#include "store/schema.h"
#include "store/tenant_path.h"

namespace hexa {

Result<std::unique_ptr<Journal>> Journal::open(const std::string& dir) {
  auto j = store::SqliteJournal::open(dir);
  if (!j.ok()) return j.status();
  return std::unique_ptr<Journal>(std::move(j).value());
}

namespace store {

namespace {

// How long a statement waits for a lock held by another connection. Only this process's
// reader ever holds one (DIR/hexa.lock keeps other processes out), and WAL readers do not
// block the writer, so this is a safety net rather than a wait anyone should see.
constexpr int kBusyTimeoutMs = 5000;

Status prepare_all(Db& db, std::initializer_list<std::pair<Stmt*, const char*>> all) {
  for (auto [stmt, sql] : all) {
    Result<Stmt> p = db.prepare(sql);
    if (!p.ok()) return p.status();
    *stmt = std::move(p).value();
  }
  return Status::Ok();
}

// Runs a statement that returns no rows, and resets it.
Status run_once(Stmt& s) {
  auto use = s.use();
  return s.run();
}

}  // namespace

SqliteJournal::SqliteJournal(std::string dir, Fd lock)
    : dir_(std::move(dir)), path_(dir_ + "/hexa.db"), lock_(std::move(lock)) {}

Result<std::unique_ptr<SqliteJournal>> SqliteJournal::open(const std::string& dir) {
  if (!is_dir(dir)) return Status::NotFound("journal directory " + dir + ": no such directory");
  Result<Fd> lock = lock_file(dir + "/hexa.lock");
  if (!lock.ok()) return lock.status();
  std::unique_ptr<SqliteJournal> j(new SqliteJournal(dir, std::move(lock).value()));
  if (Status st = j->open_writer(); !st.ok()) return st;
  if (Status st = j->open_reader(); !st.ok()) return st;
  if (Status st = j->load_last_seq_and_counts(); !st.ok()) return st;
  return j;
}

Status SqliteJournal::open_writer() {
  Result<Db> db = Db::open(path_, kBusyTimeoutMs);
  if (!db.ok()) return in_context("open", db.status());
  w_.db = std::move(db).value();
  if (Status st = set_up_writer(w_.db); !st.ok()) return in_context("open", st);
  Result<std::string> pages = w_.db.query_text("PRAGMA max_page_count");
  if (!pages.ok()) return in_context("open", pages.status());
  default_max_pages_ = *pages;
  return in_context("open", prepare_writer());
}

Status SqliteJournal::open_reader() {
  Result<Db> db = Db::open(path_, kBusyTimeoutMs);
  if (!db.ok()) return in_context("open", db.status());
  r_.db = std::move(db).value();
  if (Status st = set_up_reader(r_.db); !st.ok()) return in_context("open", st);
  return in_context("open", prepare_reader());
}

Status SqliteJournal::prepare_writer() {
  return prepare_all(
      w_.db,
      {
          {&w_.begin, "BEGIN IMMEDIATE"},
          {&w_.commit, "COMMIT"},
          {&w_.rollback, "ROLLBACK"},
          {&w_.insert_entry, "INSERT INTO journal(seq, now, command, request_id) VALUES(?1, ?2, ?3, ?4)"},
          {&w_.archive_place, "SELECT tenant_path, state FROM archive WHERE id = ?1"},
          {&w_.upsert_archive,
           "INSERT INTO archive(id, tenant_path, state, submitted_ms, ended_ms, json) VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
           "ON CONFLICT(id) DO UPDATE SET tenant_path = excluded.tenant_path, state = excluded.state, "
           "submitted_ms = excluded.submitted_ms, ended_ms = excluded.ended_ms, json = excluded.json"},
          {&w_.insert_tree, "INSERT INTO archive_tree(path, id, state) VALUES(?1, ?2, ?3)"},
          {&w_.delete_tree, "DELETE FROM archive_tree WHERE path = ?1 AND id = ?2"},
          {&w_.put_token,
           "INSERT INTO tokens(id, hash, role, tenant, node, created) VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
           "ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, role = excluded.role, tenant = excluded.tenant, "
           "node = excluded.node, created = excluded.created"},
          {&w_.delete_token, "DELETE FROM tokens WHERE id = ?1"},
      });
}

Status SqliteJournal::prepare_reader() {
  return prepare_all(
      r_.db,
      {
          {&r_.read_after, "SELECT seq, now, command, request_id FROM journal WHERE seq > ?1 ORDER BY seq"},
          {&r_.archived, "SELECT id, tenant_path, state, submitted_ms, ended_ms, json FROM archive WHERE id = ?1"},
          {&r_.list_all, list_sql(false, false)},
          {&r_.list_state, list_sql(false, true)},
          {&r_.list_tree, list_sql(true, false)},
          {&r_.list_tree_state, list_sql(true, true)},
          {&r_.token_by_hash, "SELECT id, hash, role, tenant, node, created FROM tokens WHERE hash = ?1"},
          {&r_.tokens, "SELECT id, hash, role, tenant, node, created FROM tokens ORDER BY rowid"},
      });
}

Status SqliteJournal::load_last_seq_and_counts() {
  std::lock_guard lock(read_mu_);
  Result<Stmt> last = r_.db.prepare("SELECT COALESCE(MAX(seq), 0) FROM journal");
  if (!last.ok()) return in_context("open", last.status());
  Result<bool> row = last->next();
  if (!row.ok()) return in_context("open: last seq", row.status());
  last_seq_.store(last->int64(0));
  // One walk of an index at open; from then on, append keeps the counts in step.
  Result<Stmt> counts = r_.db.prepare("SELECT state, count(*) FROM archive GROUP BY state");
  if (!counts.ok()) return in_context("open", counts.status());
  for (;;) {
    Result<bool> more = counts->next();
    if (!more.ok()) return in_context("open: archive counts", more.status());
    if (!*more) return Status::Ok();
    counts_[counts->text(0)] = counts->int64(1);
  }
}

Status SqliteJournal::in_context(std::string_view what, const Status& st) const {
  if (st.ok()) return st;
  std::string msg = "journal " + path_ + ": " + std::string(what) + ": " + st.message();
  switch (st.code()) {
    case StatusCode::kInvalid: return Status::Invalid(std::move(msg));
    case StatusCode::kNotFound: return Status::NotFound(std::move(msg));
    case StatusCode::kConflict: return Status::Conflict(std::move(msg));
    default: return Status::Unavailable(std::move(msg));
  }
}

std::int64_t SqliteJournal::size_bytes() const {
  return static_cast<std::int64_t>(file_size(path_) + file_size(path_ + "-wal"));
}

// ---- append

Status SqliteJournal::in_transaction(const std::function<Status()>& body) {
  // A transaction left open by a failed rollback would make BEGIN fail: end it first.
  if (w_.db.in_transaction()) (void)run_once(w_.rollback);
  Status st = run_once(w_.begin);
  if (st.ok()) st = body();
  if (st.ok()) st = run_once(w_.commit);
  // A failed statement leaves the transaction open; a failed COMMIT may or may not have
  // rolled back already (SQLite does on I/O errors and a full disk). Either way: roll back.
  if (!st.ok() && w_.db.in_transaction()) (void)run_once(w_.rollback);
  return st;
}

Status SqliteJournal::insert_entries(const std::vector<JournalEntry>& batch, std::int64_t first_seq) {
  Stmt& s = w_.insert_entry;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto use = s.use();
    s.bind(1, first_seq + static_cast<std::int64_t>(i));
    s.bind(2, batch[i].now);
    s.bind(3, batch[i].command);
    s.bind(4, batch[i].request_id);
    if (Status st = s.run(); !st.ok()) return st;
    if (i == 0 && batch.size() > 1) crash_point("append.mid_batch");
  }
  return Status::Ok();
}

Status SqliteJournal::append(std::vector<JournalEntry>& batch, const std::vector<ArchivedJob>& archive) {
  if (batch.empty() && archive.empty()) return Status::Ok();
  if (Status st = check_archive_rows(archive); !st.ok()) return st;
  std::lock_guard lock(write_mu_);
  const std::int64_t first = last_seq_.load() + 1;
  Counts delta;
  Status st = in_transaction([&]() -> Status {
    if (Status s = insert_entries(batch, first); !s.ok()) return s;
    for (const ArchivedJob& j : archive)
      if (Status s = upsert_archived(j, delta); !s.ok()) return s;
    return Status::Ok();
  });
  if (!st.ok()) return Status::Unavailable(in_context("append", st).message() + free_space_note(dir_));
  if (!batch.empty()) crash_point("append.after_commit");
  // Durable: only now do the seqs, last_seq and the counts move.
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].seq = first + static_cast<std::int64_t>(i);
  last_seq_.store(first + static_cast<std::int64_t>(batch.size()) - 1);
  std::lock_guard counts_lock(counts_mu_);
  for (const auto& [state, d] : delta)
    if ((counts_[state] += d) == 0) counts_.erase(state);
  return Status::Ok();
}

// ---- read

Status SqliteJournal::read(std::int64_t after, const std::function<Status(const JournalEntry&)>& fn) const {
  std::lock_guard lock(read_mu_);
  Stmt& s = r_.read_after;
  auto use = s.use();
  s.bind(1, after);
  JournalEntry e;
  for (std::int64_t expected = std::max<std::int64_t>(after, 0) + 1;; ++expected) {
    Result<bool> row = s.next();
    if (!row.ok()) return in_context("read", row.status());
    if (!*row) return Status::Ok();
    e.seq = s.int64(0);
    // Appends are contiguous; a hole means the file was damaged or edited, and replaying
    // past it would build a state that never was.
    if (e.seq != expected)
      return in_context("read", Status::Invalid("entry " + std::to_string(e.seq) + " follows " +
                                                std::to_string(expected - 1) + ": entries are missing"));
    e.now = s.int64(1);
    e.command = s.text(2);
    e.request_id = s.text(3);
    if (Status st = fn(e); !st.ok()) return st;
  }
}

// ---- test hook

Status SqliteJournal::limit_growth_for_testing(bool on) {
  std::lock_guard lock(write_mu_);
  // max_page_count is never set below the current size: asking for 1 caps it at its size now.
  return w_.db.exec(std::string("PRAGMA max_page_count = ") + (on ? "1" : default_max_pages_));
}

}  // namespace store
}  // namespace hexa
