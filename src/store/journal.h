// The journal: every input to Core::apply, in order, with its `now`, in one SQLite file
// (DIR/hexa.db, WAL mode, synchronous=FULL). Restart = replay of the journal through the
// same apply (docs/server.md). Beside it, in the same file: the archive of finished jobs
// (they leave the core's memory and are kept here for queries) and the tokens, as hashes only.
// SQLite's header stays inside store/*.cc.
//
// Threads: every method may be called from any thread. Writes (append, put_token,
// delete_token) share one connection and run one at a time; queries (read, archived,
// list_archived, find_token_by_hash, tokens) share a second one, so that in WAL mode a query
// never waits for an append's fsync, and sees what was committed when it began.
// One process at a time: open() locks DIR/hexa.lock and fails while another process holds it.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/status.h"
#include "model/units.h"
#include "store/snapshot_file.h"

namespace hexa {

struct JournalEntry {
  std::int64_t seq = 0;    // 1, 2, 3...: given by append
  TimeMs now = 0;          // the batch's time
  std::string command;     // the command as JSON (api/command_json.h)
  std::string request_id;  // "" or the Idempotency-Key scoped by its tenant
};

// A finished job, as the API shows it once the core has let it go.
struct ArchivedJob {
  std::uint32_t id = 0;     // the core's JobId
  std::string tenant_path;  // "/acme/proj1/": the tenant after its ancestors, each followed by '/'
  std::string state;        // "completed", "failed", "cancelled"...: free text, filtered on exactly
  TimeMs submitted_ms = 0;
  TimeMs ended_ms = 0;
  std::string json;         // the job as the API returns it
};

struct ArchiveQuery {
  // A subtree: "/acme/" (or "/acme") matches "/acme/" and "/acme/proj1/" but not "/acmex/".
  // "" or "/": every tenant. Anything else must begin with '/' (else list_archived: Invalid).
  std::string path_prefix;
  std::string state;  // "": any
  // Only ids below this one: the page after one whose last id was X starts at before_id = X.
  // The default bounds nothing (JobId(~0u) is never a job's id).
  std::uint32_t before_id = std::numeric_limits<std::uint32_t>::max();
  int limit = 100;  // at least 1
};

struct TokenRecord {
  std::string id;       // public, short: "tok-3"
  std::string hash;     // SHA-256 of the secret, hex; the secret itself is never stored
  std::string role;     // admin | operator | member | agent
  std::string tenant;   // member: its tenant
  std::string node;     // agent: its node
  TimeMs created = 0;
};

// The leader lease of a journal several servers share (docs/operations.md). One row in the
// database: the server holding it leads until it lapses at the database's clock. Its epoch is
// the fencing token: taking a lapsed or free lease increments it, and every append of a journal
// that holds the lease is conditional on that epoch in the same transaction, so a deposed leader
// cannot write even once.
struct LeaseInfo {
  std::int64_t epoch = 0;  // 0: never taken
  std::string holder;      // the holding server's id ("" when never taken)
  std::string address;     // the URL its clients reach it at ("" when it gave none)
  DurationMs remaining = 0;  // until it lapses, at the database's clock; <= 0: lapsed
};

class Journal {
 public:
  // Opens or creates DIR/hexa.db (DIR must exist). Errors name the path and SQLite's words:
  // NotFound (no DIR); Unavailable (DIR in use by another process, cannot open, I/O error, a
  // file that is not SQLite: "corrupt or not a database"); Invalid (another program's SQLite
  // database, or one written by a newer schema).
  static Result<std::unique_ptr<Journal>> open(const std::string& dir);
  virtual ~Journal() = default;

  // Appends the batch and upserts the archive rows (by id) in one transaction: one fsync, the
  // group commit. On success each entry's seq is set (last_seq()+1, +2...). On error nothing
  // of either is kept, the seqs are left alone, and the journal stays usable: Unavailable names
  // the cause ("disk full", "I/O error"...); Invalid: an archive row's tenant_path or state is
  // malformed (checked before anything is written). Empty batch and archive: ok, no-op.
  virtual Status append(std::vector<JournalEntry>& batch, const std::vector<ArchivedJob>& archive = {}) = 0;
  // Calls fn for every entry with seq > after, in order; stops at fn's first error and returns
  // it. Invalid when a seq is missing (a damaged file: replaying past a hole would build a
  // state that never was); NotFound when rows after `after` were compacted away (a journal
  // that keeps snapshots: load the newest one, then read after it). fn must not call the
  // journal's queries (they wait for this read).
  virtual Status read(std::int64_t after, const std::function<Status(const JournalEntry&)>& fn) const = 0;
  virtual std::int64_t last_seq() const = 0;
  // Bytes of the database file and its WAL (for benchmarks and /metrics).
  virtual std::int64_t size_bytes() const = 0;

  // The archive. Reads that fail (an I/O error) read as absent or empty: the live state is
  // the core's, the archive is for history.
  virtual std::optional<ArchivedJob> archived(std::uint32_t id) const = 0;
  // Newest (highest id) first, at most q.limit rows. Each page walks an index in id order:
  // it costs what it returns, however many rows the archive holds.
  virtual Result<std::vector<ArchivedJob>> list_archived(const ArchiveQuery& q) const = 0;
  // Archived jobs per state (kept in memory: free to call on every /metrics scrape).
  virtual std::map<std::string, std::int64_t> count_archived_by_state() const = 0;

  // Tokens: durable when the call returns. put_token inserts, or replaces the token of the same
  // id; Conflict when another id has the same hash; Invalid when id or hash is empty.
  virtual Status put_token(const TokenRecord& t) = 0;
  virtual std::optional<TokenRecord> find_token_by_hash(const std::string& hash) const = 0;
  // In the order they were first put; Unavailable when the store does not answer (a server
  // that read an outage as "no tokens" would refuse every token, or make a second admin).
  virtual Result<std::vector<TokenRecord>> tokens() const = 0;
  virtual Status delete_token(const std::string& id) = 0;  // NotFound when there is none

  // Leadership. A journal only one process can open (SQLite, the simulation's) has no lease to
  // share: its process always leads, and these defaults say so.
  //
  // True where other servers may share this journal (PostgreSQL).
  virtual bool shared() const { return false; }
  // Takes the lease when it is free or lapsed (epoch + 1), or renews it when this journal holds
  // it, for `ttl` from now at the database's clock; from then on every append (and token write)
  // is conditional on the epoch held. Returns the lease as it stands afterwards: ours iff its
  // epoch == held_epoch() and its holder == id. Conflict when this journal held the lease and
  // another epoch has it now: the caller must stop leading (held_epoch() is then 0, and appends
  // fail with Conflict). Unavailable: the database could not be reached (nothing changed).
  virtual Result<LeaseInfo> take_lease(const std::string& id, const std::string& address, DurationMs ttl) {
    (void)ttl;
    return LeaseInfo{1, id, address, kNever};
  }
  // The lease as it stands (followers: where to send writes, and whether it lapsed).
  virtual Result<LeaseInfo> lease() const { return LeaseInfo{1, "", "", kNever}; }
  // The epoch appends are conditional on; 0: none (a follower; shared journals refuse appends).
  virtual std::int64_t held_epoch() const { return 1; }
  // A clean shutdown: the lease lapses now, so that a follower takes over without waiting.
  virtual void release_lease() {}
  // Returns once entries after `after` may be there (a NOTIFY) or `timeout` has passed: followers
  // tail the journal with it and read().
  virtual void wait_for_entries(std::int64_t after, DurationMs timeout) const { (void)after, (void)timeout; }

  // Snapshots kept inside the journal's own database (PostgreSQL), where every replica finds
  // them. false: the host keeps them as files beside it (snapshot_file.h).
  virtual bool keeps_snapshots() const { return false; }
  // As write_snapshot and load_newest_snapshot (snapshot_file.h), in the database.
  virtual Status save_snapshot(std::int64_t seq, std::string_view bytes) {
    (void)seq, (void)bytes;
    return Status::Unavailable("this journal keeps no snapshots");
  }
  virtual SnapshotLoad load_snapshot(const SnapshotAccept& accept) const {
    (void)accept;
    return {};
  }
};

}  // namespace hexa
