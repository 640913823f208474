// Opening the PostgreSQL journal, and the journal itself: append (group commit) and read.
#include "store/pg_journal.h"

#include <algorithm>
#include <utility>

#include "store/archive_rows.h"

namespace hexa::store {

namespace {

// Bumped with each change of the tables below; a newer database is refused.
constexpr std::int64_t kPgSchemaVersion = 1;

// Taken (pg_advisory_xact_lock) while creating the tables, so that replicas starting together
// do not race on CREATE TABLE IF NOT EXISTS. "HXJ1", as SQLite's application_id.
constexpr const char* kSchemaLock = "1213745713";

// hexa_journal: one row per entry, seq its primary key (a duplicate is refused).
// hexa_archive, hexa_archive_tree: as SQLite's (store/schema.cc); every list query walks one
// index in id order. hexa_tokens: `ord` keeps the order tokens were first put.
// hexa_lease: one row; expires_at at the database's clock. hexa_meta: the schema version and
// how far compaction went. hexa_snapshots: the newest few snapshots, with a CRC-32C.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS hexa_meta(
  one int PRIMARY KEY CHECK (one = 1),
  schema_version bigint NOT NULL,
  compacted_through bigint NOT NULL);
CREATE TABLE IF NOT EXISTS hexa_journal(
  seq bigint PRIMARY KEY,
  now bigint NOT NULL,
  command text NOT NULL,
  request_id text NOT NULL);
CREATE TABLE IF NOT EXISTS hexa_archive(
  id bigint PRIMARY KEY,
  tenant_path text NOT NULL,
  state text NOT NULL,
  submitted_ms bigint NOT NULL,
  ended_ms bigint NOT NULL,
  json text NOT NULL);
CREATE INDEX IF NOT EXISTS hexa_archive_by_state ON hexa_archive(state, id);
CREATE TABLE IF NOT EXISTS hexa_archive_tree(
  path text NOT NULL,
  id bigint NOT NULL,
  state text NOT NULL,
  PRIMARY KEY(path, id));
CREATE INDEX IF NOT EXISTS hexa_archive_tree_by_state ON hexa_archive_tree(path, state, id);
CREATE TABLE IF NOT EXISTS hexa_tokens(
  ord bigserial NOT NULL,
  id text PRIMARY KEY,
  hash text NOT NULL UNIQUE,
  role text NOT NULL,
  tenant text NOT NULL,
  node text NOT NULL,
  created bigint NOT NULL);
CREATE TABLE IF NOT EXISTS hexa_lease(
  one int PRIMARY KEY CHECK (one = 1),
  epoch bigint NOT NULL,
  holder text NOT NULL,
  address text NOT NULL,
  expires_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS hexa_snapshots(
  seq bigint PRIMARY KEY,
  bytes bytea NOT NULL,
  crc bigint NOT NULL);
INSERT INTO hexa_meta VALUES (1, 1, 0) ON CONFLICT DO NOTHING;
INSERT INTO hexa_lease VALUES (1, 0, '', '', 'epoch') ON CONFLICT DO NOTHING;
)sql";

// Rows per round trip when reading the journal: bounded memory however long it is.
constexpr int kReadChunk = 4096;

}  // namespace

PgJournal::PgJournal(const PgTarget& t) : target_(t), w_(t, "writer"), r_(t, "reader"), l_(t, "listener") {
  r_.retry_reads_on_lost_connection();
}

Result<std::unique_ptr<PgJournal>> PgJournal::open(const std::string& url) {
  Result<PgTarget> t = parse_pg_url(url);
  if (!t.ok()) return t.status();
  std::unique_ptr<PgJournal> j(new PgJournal(*t));
  if (Status st = j->create_schema(); !st.ok()) return st;
  if (Status st = j->load_last_seq(); !st.ok()) return st;
  if (Status st = j->load_counts(); !st.ok()) return st;
  return j;
}

Status PgJournal::create_schema() {
  std::lock_guard lock(write_mu_);
  const std::string sql = std::string("SET client_min_messages = warning; BEGIN; SELECT pg_advisory_xact_lock(") +
                          kSchemaLock + ");" + kSchema + "COMMIT;";
  auto created = w_.exec("open: create the tables", sql);
  if (!created.ok()) {
    w_.rollback_if_open();
    return created.status();
  }
  auto v = w_.exec("open: schema version", "SELECT schema_version FROM hexa_meta");
  if (!v.ok()) return v.status();
  if (v->rows() == 1 && v->int64(0, 0) > kPgSchemaVersion)
    return Status::Invalid("PostgreSQL at " + target_.where + ": written by a newer Hexagone (schema " +
                           std::to_string(v->int64(0, 0)) + "; this one knows up to " +
                           std::to_string(kPgSchemaVersion) + ")");
  return Status::Ok();
}

Status PgJournal::load_last_seq() {
  std::lock_guard lock(read_mu_);
  auto last = r_.exec("last seq", "SELECT GREATEST((SELECT COALESCE(MAX(seq), 0) FROM hexa_journal), "
                                  "(SELECT compacted_through FROM hexa_meta))");
  if (!last.ok()) return last.status();
  last_seq_.store(last->int64(0, 0));
  return Status::Ok();
}

Status PgJournal::load_counts() {
  Counts counts;
  {
    std::lock_guard lock(read_mu_);
    auto rows = r_.exec("archive counts", "SELECT state, count(*) FROM hexa_archive GROUP BY state");
    if (!rows.ok()) return rows.status();
    for (int i = 0; i < rows->rows(); ++i) counts[rows->text(i, 0)] = rows->int64(i, 1);
  }
  std::lock_guard lock(counts_mu_);
  counts_ = std::move(counts);
  return Status::Ok();
}

std::int64_t PgJournal::last_seq() const {
  if (held_.load() != 0) return last_seq_.load();
  // A follower: the leader appends, so ask (and remember, for when the database is away).
  std::lock_guard lock(read_mu_);
  auto last = r_.exec("last seq", "SELECT GREATEST((SELECT COALESCE(MAX(seq), 0) FROM hexa_journal), "
                                  "(SELECT compacted_through FROM hexa_meta))");
  if (last.ok()) last_seq_.store(std::max(last_seq_.load(), last->int64(0, 0)));
  return last_seq_.load();
}

std::int64_t PgJournal::size_bytes() const {
  std::lock_guard lock(read_mu_);
  auto size = r_.exec("size",
                      "SELECT sum(pg_total_relation_size(t::regclass))::bigint FROM unnest(ARRAY['hexa_meta', "
                      "'hexa_journal', 'hexa_archive', 'hexa_archive_tree', 'hexa_tokens', 'hexa_lease', "
                      "'hexa_snapshots']) AS t");
  return size.ok() && size->rows() == 1 ? size->int64(0, 0) : 0;
}

// ---- writing

Status PgJournal::check_epoch(std::string_view what) {
  auto row = w_.exec(what, "SELECT epoch, holder FROM hexa_lease WHERE one = 1 FOR SHARE");
  if (!row.ok()) return row.status();
  const std::int64_t epoch = row->rows() == 1 ? row->int64(0, 0) : 0;
  return epoch_refusal(what, epoch, row->rows() == 1 ? row->text(0, 1) : "");
}

Status PgJournal::epoch_refusal(std::string_view what, std::int64_t epoch, const std::string& holder) {
  const std::int64_t held = held_.load();
  if (held != 0 && epoch == held) return Status::Ok();
  const std::string who = epoch == 0 ? "nobody" : "'" + holder + "'";
  if (held == 0)
    return Status::Conflict(std::string(what) + ": this server does not hold the leader lease (epoch " +
                            std::to_string(epoch) + " held by " + who + "): only the leader writes");
  held_.store(0);
  return Status::Conflict(std::string(what) + ": lease lost: epoch " + std::to_string(epoch) + " now held by " + who +
                          " (this server held epoch " + std::to_string(held) + "); nothing written");
}

Status PgJournal::write_transaction(std::string_view what, const std::function<Status()>& body) {
  w_.rollback_if_open();  // a transaction a lost COMMIT left behind
  auto begin = w_.exec(what, "BEGIN");
  Status st = begin.status();
  if (st.ok()) st = check_epoch(what);
  if (st.ok()) st = body();
  if (st.ok()) st = w_.exec(what, "COMMIT").status();
  if (!st.ok()) w_.rollback_if_open();
  return st;
}

namespace {

// $1 the first seq, $2..$4 the entries' times, commands and request ids as arrays, $5 the
// last seq (the NOTIFY's payload): what both ways of appending send.
PgParams entry_params(const std::vector<JournalEntry>& batch, std::int64_t first_seq) {
  std::vector<std::int64_t> nows;
  std::vector<std::string_view> commands, request_ids;
  for (const JournalEntry& e : batch) {
    nows.push_back(e.now);
    commands.push_back(e.command);
    request_ids.push_back(e.request_id);
  }
  PgParams p;
  p.integer(first_seq).text(pg_int_array(nows)).text(pg_text_array(commands)).text(pg_text_array(request_ids));
  p.text(std::to_string(first_seq + static_cast<std::int64_t>(batch.size()) - 1));
  return p;
}

}  // namespace

Status PgJournal::insert_entries(const std::vector<JournalEntry>& batch, std::int64_t first_seq) {
  // One statement for the batch, and the NOTIFY with it: followers wake once it commits.
  PgParams p = entry_params(batch, first_seq);
  auto ins = w_.exec("append",
                     "WITH ins AS (INSERT INTO hexa_journal(seq, now, command, request_id) "
                     "SELECT $1::bigint + e.i - 1, e.now, e.command, e.request_id FROM "
                     "unnest($2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS e(now, command, request_id, i)) "
                     "SELECT pg_notify('hexa_journal', $5)",
                     p);
  if (ins.ok() || ins.status().code() != StatusCode::kConflict) return ins.status();
  return Status::Conflict("append: journal rows from " + std::to_string(first_seq) +
                          " are there already (another writer, or an append whose commit outcome was lost): "
                          "reopen the journal and replay; nothing written");
}

Status PgJournal::insert_alone(const std::vector<JournalEntry>& batch, std::int64_t first_seq, std::int64_t held) {
  PgParams p = entry_params(batch, first_seq);
  p.integer(held);
  // The lease row locked FOR SHARE as check_epoch does (a takeover waits for this commit, and
  // one that committed first is seen): rows go in only under our epoch; else none, and the
  // row's epoch and holder come back for the refusal.
  w_.rollback_if_open();  // a transaction a lost COMMIT left behind
  auto r = w_.exec("append",
                   "WITH lease AS (SELECT epoch, holder FROM hexa_lease WHERE one = 1 FOR SHARE), "
                   "ins AS (INSERT INTO hexa_journal(seq, now, command, request_id) "
                   "SELECT $1::bigint + e.i - 1, e.now, e.command, e.request_id FROM "
                   "unnest($2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS e(now, command, request_id, i) "
                   "WHERE (SELECT epoch FROM lease) = $6::bigint RETURNING 1), "
                   "n AS (SELECT count(*) AS rows FROM ins) "
                   "SELECT COALESCE((SELECT epoch FROM lease), 0), COALESCE((SELECT holder FROM lease), ''), n.rows, "
                   "CASE WHEN n.rows > 0 THEN pg_notify('hexa_journal', $5) END FROM n",
                   p);
  if (!r.ok()) {
    if (r.status().code() != StatusCode::kConflict) return r.status();
    return Status::Conflict("append: journal rows from " + std::to_string(first_seq) +
                            " are there already (another writer, or an append whose commit outcome was lost): "
                            "reopen the journal and replay; nothing written");
  }
  if (r->rows() == 1 && r->int64(0, 2) == static_cast<std::int64_t>(batch.size())) return Status::Ok();
  Status refused = epoch_refusal("append", r->rows() == 1 ? r->int64(0, 0) : 0, r->rows() == 1 ? r->text(0, 1) : "");
  return refused.ok() ? Status::Unavailable("append: the journal rows were not all written (epoch held); retry")
                      : refused;
}

Status PgJournal::append(std::vector<JournalEntry>& batch, const std::vector<ArchivedJob>& archive) {
  if (batch.empty() && archive.empty()) return Status::Ok();
  if (Status st = check_archive_rows(archive); !st.ok()) return st;
  std::lock_guard lock(write_mu_);
  const std::int64_t first = last_seq_.load() + 1;
  Counts delta;
  // Group commit's round trips: with no archive rows (most batches) one statement is its own
  // transaction, the epoch check inside it; else BEGIN, the check, the rows, COMMIT.
  const std::int64_t held = held_.load();
  Status st = archive.empty() && held != 0
                  ? insert_alone(batch, first, held)
                  : write_transaction("append", [&]() -> Status {
                      if (!batch.empty())
                        if (Status s = insert_entries(batch, first); !s.ok()) return s;
                      return upsert_archived(archive, delta);
                    });
  if (!st.ok()) {
    // A duplicate seq: the database has rows this journal did not count; count them again.
    if (st.message().find("are there already") != std::string::npos) {
      auto last = w_.exec("last seq", "SELECT COALESCE(MAX(seq), 0) FROM hexa_journal");
      if (last.ok()) last_seq_.store(std::max(last_seq_.load(), last->int64(0, 0)));
    }
    return st;
  }
  // Durable: only now do the seqs, last_seq and the counts move.
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].seq = first + static_cast<std::int64_t>(i);
  last_seq_.store(first + static_cast<std::int64_t>(batch.size()) - 1);
  std::lock_guard counts_lock(counts_mu_);
  for (const auto& [state, d] : delta)
    if ((counts_[state] += d) == 0) counts_.erase(state);
  return Status::Ok();
}

// ---- reading

Result<std::int64_t> PgJournal::compacted_through() const {
  std::lock_guard lock(read_mu_);
  auto row = r_.exec("compaction", "SELECT compacted_through FROM hexa_meta");
  if (!row.ok()) return row.status();
  return row->rows() == 1 ? row->int64(0, 0) : 0;
}

Status PgJournal::read(std::int64_t after, const std::function<Status(const JournalEntry&)>& fn) const {
  std::lock_guard lock(read_mu_);
  r_.rollback_if_open();
  // One snapshot of the database for the whole read: a compaction meanwhile changes nothing.
  if (auto b = r_.exec("read", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !b.ok()) return b.status();
  auto done = [&](Status st) {
    r_.rollback_if_open();
    return st;
  };
  auto meta = r_.exec("read", "SELECT compacted_through FROM hexa_meta");
  if (!meta.ok()) return done(meta.status());
  const std::int64_t compacted = meta->rows() == 1 ? meta->int64(0, 0) : 0;
  if (after < compacted)
    return done(Status::NotFound("journal at " + target_.where + ": read after row " + std::to_string(after) +
                                ": rows 1 to " + std::to_string(compacted) +
                                " were compacted (the snapshots hold them): load a snapshot first"));
  JournalEntry e;
  std::int64_t expected = std::max<std::int64_t>(after, 0) + 1;
  for (;;) {
    PgParams p;
    p.integer(expected - 1).integer(kReadChunk);
    auto rows = r_.exec("read",
                        "SELECT seq, now, command, request_id FROM hexa_journal WHERE seq > $1 ORDER BY seq LIMIT $2",
                        p);
    if (!rows.ok()) return done(rows.status());
    for (int i = 0; i < rows->rows(); ++i, ++expected) {
      e.seq = rows->int64(i, 0);
      // Appends are contiguous; a hole means rows were deleted by hand, and replaying past it
      // would build a state that never was.
      if (e.seq != expected)
        return done(Status::Invalid("journal at " + target_.where + ": read: entry " + std::to_string(e.seq) +
                                    " follows " + std::to_string(expected - 1) + ": entries are missing"));
      e.now = rows->int64(i, 1);
      e.command = rows->text(i, 2);
      e.request_id = rows->text(i, 3);
      if (Status st = fn(e); !st.ok()) return done(st);
    }
    if (rows->rows() < kReadChunk) return done(Status::Ok());
  }
}

}  // namespace hexa::store
