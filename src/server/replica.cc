#include "server/replica.h"

namespace hexa {

void Replica::saw_lease(const LeaseInfo& l, bool ours, TimeMs asked) {
  epoch_ = l.epoch;
  lapses_at_ = l.remaining > 0 ? asked + l.remaining : asked;  // the database's remaining, on our clock
  if (ours) renewed_at_ = asked;
  std::lock_guard lock(mu_);
  leader_url_ = ours ? url_ : l.address;
}

void Replica::tried(TimeMs mono, bool ok) {
  // A leader renews three times a lease; a follower tries four times a lease (a lapsed lease is
  // taken within a quarter of it); a failed renewal is retried sooner, while the lease lasts.
  if (leading()) next_try_ = mono + (ok ? ttl_ / 3 : ttl_ / 10);
  else next_try_ = mono + ttl_ / 4;
}

void Replica::lead(TimeMs mono, bool failover) {
  leading_ = true;
  if (failover) ++failovers_;
  behind_rows_ = 0;
  caught_up_at_ = mono;
  next_try_ = renewed_at_ + ttl_ / 3;
}

void Replica::follow() {
  leading_ = false;
  next_try_ = 0;  // try the lease at once: with no other replica, this one takes it back
}

void Replica::set_behind(std::int64_t rows, TimeMs mono) {
  behind_rows_ = rows;
  if (rows <= 0) caught_up_at_ = mono;
}

ReplicaView Replica::view(TimeMs mono) const {
  ReplicaView v;
  v.replicated = true;
  v.leading = leading();
  v.epoch = epoch_.load();
  v.behind_rows = v.leading ? 0 : behind_rows_.load();
  v.behind_ms = v.behind_rows > 0 ? std::max<DurationMs>(0, mono - caught_up_at_.load()) : 0;
  v.failovers = failovers_.load();
  v.leader_live = v.leading || mono < lapses_at_.load();
  std::lock_guard lock(mu_);
  v.leader_url = leader_url_;
  return v;
}

}  // namespace hexa
