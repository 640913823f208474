// The Journal on PostgreSQL (issue 15): the journal, the archive, the tokens, the snapshots and
// the leader lease in one database that several servers share. Internal to store/ (and its
// tests); others use journal.h and open_journal (journal_open.h). Its methods live in
// pg_journal.cc (open, append, read), pg_archive.cc, pg_tokens.cc, pg_lease.cc, pg_snapshots.cc.
//
// Threads, as SQLite's: appends, token writes, snapshots and the lease share the writer
// connection, one at a time; queries share the reader connection; wait_for_entries has a
// connection of its own that LISTENs. Each under its own mutex. A connection that dropped is
// opened again at its next use.
//
// Fencing: every write runs in a transaction that first reads the lease row FOR SHARE and
// goes on only when its epoch is the one this journal holds. take_lease updates that row, so it
// waits for a write in flight to commit, and a write that starts after it sees the new epoch:
// a deposed leader cannot write even once. A lease that lapsed and that nobody took yet still
// lets its holder write: the epoch, not the clock, fences, and while the epoch is unchanged no
// other server has written, so the journal still has one writer. The moment another server
// takes it (epoch + 1, committed) the old holder's next write fails with Conflict.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/journal.h"
#include "store/pg_conn.h"

namespace hexa::store {

class PgJournal final : public Journal {
 public:
  // Connects (the three connections) and creates the tables when the database has none.
  // Invalid: a bad URL, or a database written by a newer schema; Unavailable: PostgreSQL
  // could not be reached (its words, where, never the password).
  static Result<std::unique_ptr<PgJournal>> open(const std::string& url);
  // Releases the lease if held: a server that closes its journal leads no more.
  ~PgJournal() override { release_lease(); }

  Status append(std::vector<JournalEntry>& batch, const std::vector<ArchivedJob>& archive = {}) override;
  // Invalid for an `after` below the rows compaction deleted: load a snapshot first.
  Status read(std::int64_t after, const std::function<Status(const JournalEntry&)>& fn) const override;
  // The leader's count, kept by its appends; a follower's asks the database (the last known
  // one when it cannot).
  std::int64_t last_seq() const override;
  std::int64_t size_bytes() const override;  // pg_total_relation_size of its tables

  std::optional<ArchivedJob> archived(std::uint32_t id) const override;
  Result<std::vector<ArchivedJob>> list_archived(const ArchiveQuery& q) const override;
  // As of open, then of this journal's own appends; taking the lease counts them again.
  std::map<std::string, std::int64_t> count_archived_by_state() const override;

  Status put_token(const TokenRecord& t) override;
  std::optional<TokenRecord> find_token_by_hash(const std::string& hash) const override;
  Result<std::vector<TokenRecord>> tokens() const override;
  Status delete_token(const std::string& id) override;

  bool shared() const override { return true; }
  Result<LeaseInfo> take_lease(const std::string& id, const std::string& address, DurationMs ttl) override;
  Result<LeaseInfo> lease() const override;
  std::int64_t held_epoch() const override { return held_.load(); }
  void release_lease() override;
  void wait_for_entries(std::int64_t after, DurationMs timeout) const override;

  // Snapshots in the table hexa_snapshots, the newest kSnapshotsKept kept. Saving one (conditional
  // on the epoch, as appends) compacts: journal rows at or below the oldest snapshot kept are
  // deleted in the same transaction.
  bool keeps_snapshots() const override { return true; }
  Status save_snapshot(std::int64_t seq, std::string_view bytes) override;
  SnapshotLoad load_snapshot(const SnapshotAccept& accept) const override;

  // The last row compaction deleted (0: none): read() starts after it at the earliest.
  Result<std::int64_t> compacted_through() const;

 private:
  using Counts = std::map<std::string, std::int64_t>;

  explicit PgJournal(const PgTarget& t);
  Status create_schema();
  Status load_last_seq();
  Status load_counts();

  // Runs body in one transaction on the writer, after checking that the lease is still ours;
  // rolls back when anything fails. Called with write_mu_ held.
  Status write_transaction(std::string_view what, const std::function<Status()>& body);
  // Conflict unless the lease row's epoch is held_ (and then held_ becomes 0).
  Status check_epoch(std::string_view what);
  // The refusal for a lease row of `epoch` and `holder` (Ok when it is held_'s).
  Status epoch_refusal(std::string_view what, std::int64_t epoch, const std::string& holder);
  Status insert_entries(const std::vector<JournalEntry>& batch, std::int64_t first_seq);
  // A batch of entries without archive rows in one statement, its own transaction: the epoch
  // check (`held`, not 0) and the NOTIFY in it. Called with write_mu_ held.
  Status insert_alone(const std::vector<JournalEntry>& batch, std::int64_t first_seq, std::int64_t held);
  Status upsert_archived(const std::vector<ArchivedJob>& archive, Counts& delta);
  Status compact(std::string_view what);

  PgTarget target_;

  std::mutex write_mu_;  // guards w_ and holder_
  PgConn w_;
  std::string holder_;  // the id given to take_lease

  mutable std::mutex read_mu_;  // guards r_
  mutable PgConn r_;

  mutable std::mutex listen_mu_;  // guards l_
  mutable PgConn l_;
  mutable std::atomic<std::int64_t> notified_{0};  // the highest seq a NOTIFY announced

  mutable std::mutex counts_mu_;  // guards counts_
  Counts counts_;

  mutable std::atomic<std::int64_t> last_seq_{0};  // written under write_mu_ (or by a follower's query)
  std::atomic<std::int64_t> held_{0};              // the epoch held; 0: none
};

}  // namespace hexa::store
