// The host's side of replicas (docs/server.md, Replicas): the lease at open, a follower's
// tailing of the journal, the leader's renewals, a failover and a step down. Where the journal
// is not shared none of this runs (replica_ is null).
#include <unistd.h>

#include <chrono>

#include "net/log.h"
#include "server/host.h"

namespace hexa {
namespace {

// A follower applies the journal in chunks under the core's write lock, so that reads between
// two chunks are not starved; and at most this many chunks per turn while it follows.
constexpr int kTailChunk = 256;
constexpr int kTailChunksPerTurn = 16;
// How long a follower waits for new rows before it looks at the lease again.
constexpr DurationMs kTailWait = 200;

std::string default_replica_id() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) name[0] = '\0';
  return std::string(name[0] ? name : "host") + "-" + std::to_string(::getpid());
}

TimeMs steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TimeMs Host::mono() const { return opt_.monotonic ? opt_.monotonic() : steady_ms(); }

ReplicaView Host::replica_view() const { return replica_ ? replica_->view(mono()) : ReplicaView{}; }

Status Host::open_replica(bool* lead) {
  *lead = true;
  if (!journal_->shared()) return Status::Ok();
  if (opt_.lease < kSecond) return Status::Invalid("--lease-s: must be at least 1 (s)");
  // Agents' jobs survive a failover only if it ends within their fence (docs/server.md, Replicas).
  const DurationMs failover = opt_.lease + opt_.lease / 4 + kSecond;
  if (failover >= opt_.fence_ms())
    log_event("hexa serve", "warn",
              "--lease-s " + std::to_string(opt_.lease / kSecond) + ": a failover (about " + std::to_string(failover) +
                  " ms) outlasts the agents' fence (" + std::to_string(opt_.fence_ms()) +
                  " ms): their jobs stop during one; give a shorter --lease-s or a longer --node-grace-s");
  const std::string id = opt_.replica_id.empty() ? default_replica_id() : opt_.replica_id;
  replica_ = std::make_unique<Replica>(id, opt_.advertise_url, opt_.lease);
  const TimeMs t = mono();
  auto l = journal_->take_lease(id, opt_.advertise_url, opt_.lease);
  if (!l.ok()) return Status::Unavailable("the journal's lease: " + l.status().message());
  *lead = l->epoch == journal_->held_epoch() && l->holder == id;
  replica_->saw_lease(*l, *lead, t);
  replica_->tried(t, *lead);
  log_event("hexa serve", "info",
            *lead ? "leading (replica " + id + ", lease epoch " + std::to_string(l->epoch) + ")"
                  : "following " + (l->address.empty() ? l->holder : l->address) + " (replica " + id + ", lease epoch " +
                        std::to_string(l->epoch) + ")");
  return Status::Ok();
}

// What a restarted server does before it serves (Host::open), and a follower that takes the
// lease: each node with an agent has its grace from now, and gets its jobs' start orders again
// (an agent ignores what it runs already).
void Host::start_leading(bool failover) {
  TimeMs wall = opt_.clock();
  snapshot_at_ = now();
  agents_.heard_all(wall);
  for (JobId id : core_->state().running) send_start(id, core_->job(id).alloc);
  if (replica_) replica_->lead(mono(), failover);
}

// Core thread, each turn where the journal is shared. true: this server leads, go on with the
// batch. false: it follows; the items were refused (503: the router sends writes to the leader,
// so these are the few queued as the role changed).
bool Host::replica_turn(std::vector<Item>& items) {
  const TimeMs t = mono();
  if (replica_->leading()) {
    if (replica_->renewal_due(t)) renew(t);
    if (replica_->leading() && !replica_->lease_valid(mono()))
      step_down("the lease was not renewed within " + std::to_string(replica_->ttl()) + " ms");
    if (replica_->leading()) return true;
  } else if (replica_->renewal_due(t)) {
    try_lease(t);
    if (replica_->leading()) return true;
  }
  refuse(items, Status::Unavailable("this server follows; writes go to the leader"));
  Status st = tail(thread_.joinable(), false);
  tail_failed_ = !st.ok();
  if (tail_failed_) log_event("hexa serve", "error", "following the journal: " + st.message());
  return false;
}

void Host::renew(TimeMs t) {
  auto l = journal_->take_lease(replica_->id(), replica_->url(), replica_->ttl());
  if (!l.ok()) {
    replica_->tried(t, false);
    if (l.status().code() == StatusCode::kConflict) step_down("the lease: " + l.status().message());
    else log_event("hexa serve", "warn", "the lease not renewed: " + l.status().message());
    return;
  }
  const bool ours = l->epoch == journal_->held_epoch() && l->holder == replica_->id();
  replica_->saw_lease(*l, ours, t);
  replica_->tried(t, ours);
  if (!ours) step_down("server " + l->holder + " holds the lease (epoch " + std::to_string(l->epoch) + ")");
}

// A follower's try: the lease is taken only once it lapsed (or was released).
void Host::try_lease(TimeMs t) {
  auto l = journal_->take_lease(replica_->id(), replica_->url(), replica_->ttl());
  replica_->tried(t, false);
  if (!l.ok()) return;  // no database: nothing to lead, try again later
  const bool ours = l->epoch == journal_->held_epoch() && l->holder == replica_->id();
  replica_->saw_lease(*l, ours, t);
  if (!ours) return;
  // Finish applying the journal: the old leader's last rows, then lead as a restarted server.
  if (Status st = tail(false, true); !st.ok()) {
    log_event("hexa serve", "error", "took the lease but could not read the journal to its end: " + st.message());
    journal_->release_lease();
    return;
  }
  start_leading(true);
  log_event("hexa serve", "warn", "leading now (lease epoch " + std::to_string(l->epoch) + ", journal row " +
                                      std::to_string(seq_) + "): the last leader's lease lapsed");
  if (on_lead_) on_lead_();
}

// The leader cannot prove it holds the lease: it acknowledges nothing more, lets the lease go
// (a follower takes it without waiting for it to lapse) and follows from where it is. Its core
// holds only what the journal holds: batches are applied after their append.
void Host::step_down(const std::string& why) {
  replica_->follow();
  journal_->release_lease();
  if (auto l = journal_->lease(); l.ok()) replica_->saw_lease(*l, false, mono());  // who leads now, if anyone
  log_event("hexa serve", "error", "no longer leading, writes go to the leader: " + why);
  agents_.close_all(Status::Unavailable("this server no longer leads: " + why));
}

void Host::refuse(std::vector<Item>& items, const Status& why) {
  Outcome o;
  o.journal = why;
  for (Item& item : items) item.done(o, *core_);
  items.clear();
}

// Applies the rows after seq_, kTailChunk at a time, each chunk under the write lock. `wait`:
// when there is nothing new, wait a little for it (the core thread of a follower); `to_end`:
// until the end of the journal, however long (a failover), else at most kTailChunksPerTurn.
Status Host::tail(bool wait, bool to_end) {
  if (wait && journal_->last_seq() <= seq_) journal_->wait_for_entries(seq_, kTailWait);
  for (int chunk = 0; to_end || chunk < kTailChunksPerTurn; ++chunk) {
    int n = 0;
    bool full = false;
    TimeMs batch_now = -1;
    Status st = Status::Ok();
    {
      std::unique_lock lock(mu_);
      st = journal_->read(seq_, [&](const JournalEntry& e) {
        if (n == kTailChunk) return full = true, Status::Unavailable("chunk full");  // not an error: the next chunk
        if (e.seq != seq_ + 1) return Status::Invalid("journal row " + std::to_string(seq_ + 1) + " is missing");
        ++n;
        batch_now = e.now;
        return replay_entry(e);
      });
      // An ended job's archive row is written with the leader's next batch: once a row of a
      // later instant is applied here, the journal's archive has it (Host::ended_job reads it).
      if (!replica_->leading())
        std::erase_if(unwritten_, [&](const auto& kv) { return kv.second.ended_ms < origin_ + batch_now; });
    }
    if (full) st = Status::Ok();
    if (st.code() == StatusCode::kNotFound && !replica_->leading()) st = reload_snapshot();  // then read after it
    if (!st.ok()) return st;
    replica_->set_behind(journal_->last_seq() - seq_, mono());
    if (n < kTailChunk) break;
  }
  return Status::Ok();
}

// The leader compacted rows this follower had not applied (it was paused, or behind as the
// leader's first snapshot was written): it takes the newest snapshot, as a restarted server
// would, and goes on from there. Its own pending archive rows are in the archive by then.
Status Host::reload_snapshot() {
  std::unique_lock lock(mu_);
  const std::int64_t from = seq_;
  SnapshotLoad loaded = journal_->load_snapshot([&](std::int64_t seq, std::string_view bytes) {
    return seq > from ? restore_snapshot(seq, bytes) : Status::Invalid("not past row " + std::to_string(from));
  });
  if (!loaded.seq) return Status::Unavailable("the rows after " + std::to_string(from) + " were compacted and no snapshot past them loads");
  unwritten_.clear();
  log_event("hexa serve", "warn", "the journal was compacted past row " + std::to_string(from) +
                                      ": restored the snapshot at row " + std::to_string(*loaded.seq));
  return Status::Ok();
}

}  // namespace hexa
