// Replicas (docs/server.md, Replicas): where several servers share one journal (PostgreSQL),
// one leads, holding the journal's lease, and the others follow, tailing the journal into their
// own core. Replica is what this server knows of its role: decided on the core thread (Host,
// host_replica.cc), read from any thread (the router's redirects and headers, /metrics).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "model/units.h"
#include "store/journal.h"

namespace hexa {

// What the router and /metrics see of the role, at one instant.
struct ReplicaView {
  bool replicated = false;   // a shared journal: the rest means something
  bool leading = true;
  std::int64_t epoch = 0;    // the lease's epoch as last seen (ours when leading)
  std::string leader_url;    // where writes go: the holder's advertised URL ("" unknown)
  bool leader_live = false;  // a holder whose lease had not lapsed when last seen
  std::int64_t behind_rows = 0;  // the journal's last row minus the last one applied here
  DurationMs behind_ms = 0;      // how long this follower has not been caught up (0: it is)
  std::int64_t failovers = 0;    // leaderships this server took from a follower's seat
};

class Replica {
 public:
  Replica(std::string id, std::string url, DurationMs ttl) : id_(std::move(id)), url_(std::move(url)), ttl_(ttl) {}

  const std::string& id() const { return id_; }
  const std::string& url() const { return url_; }  // advertised to followers' clients
  DurationMs ttl() const { return ttl_; }

  // --- the core thread's decisions; `mono` is its monotonic clock (HostOptions::monotonic).
  // The lease as take_lease answered it at `mono`, asked at `asked` (<= mono).
  void saw_lease(const LeaseInfo& l, bool ours, TimeMs asked);
  // May this server append (and acknowledge) now? Leading, and renewed within the lease's
  // length by its own clock, counted from before the renewal that succeeded was sent.
  bool lease_valid(TimeMs mono) const { return leading() && mono < renewed_at_ + ttl_; }
  bool renewal_due(TimeMs mono) const { return mono >= next_try_; }
  void tried(TimeMs mono, bool ok);  // a renewal or a follower's try: when to try next
  void lead(TimeMs mono, bool failover);
  void follow();
  void set_behind(std::int64_t rows, TimeMs mono);

  // --- any thread.
  bool leading() const { return leading_.load(); }
  ReplicaView view(TimeMs mono) const;

 private:
  const std::string id_, url_;
  const DurationMs ttl_;
  std::atomic<bool> leading_{false};
  std::atomic<std::int64_t> epoch_{0}, behind_rows_{0}, failovers_{0};
  std::atomic<TimeMs> caught_up_at_{0};  // mono when behind_rows was last 0
  std::atomic<TimeMs> lapses_at_{0};     // mono when the leader's lease lapses, as last seen
  mutable std::mutex mu_;
  std::string leader_url_;
  TimeMs renewed_at_ = 0;  // core thread only
  TimeMs next_try_ = 0;    // core thread only
};

}  // namespace hexa
