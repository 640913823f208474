// The leader lease on PostgreSQL (journal.h's contract): one row, times at the database's clock
// (clock_timestamp()), so that the replicas' own clocks do not matter. And the tail: LISTEN.
#include <poll.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <thread>

#include "store/pg_journal.h"

namespace hexa::store {

namespace {

// The lease row's columns, `remaining` in ms at the database's clock (0 once lapsed).
constexpr const char* kLeaseColumns =
    "epoch, holder, address, "
    "GREATEST(0, (extract(epoch FROM expires_at - clock_timestamp()) * 1000)::bigint)";

LeaseInfo lease_row(const PgResult& r) {
  if (r.rows() != 1) return {};
  return LeaseInfo{r.int64(0, 0), r.text(0, 1), r.text(0, 2), r.int64(0, 3)};
}

}  // namespace

Result<LeaseInfo> PgJournal::take_lease(const std::string& id, const std::string& address, DurationMs ttl) {
  if (id.empty()) return Status::Invalid("take lease: empty server id");
  if (ttl < 1) return Status::Invalid("take lease: ttl must be at least 1 ms, not " + std::to_string(ttl));
  std::lock_guard lock(write_mu_);
  w_.rollback_if_open();
  const std::string what = "take lease";
  if (auto b = w_.exec(what, "BEGIN"); !b.ok()) return b.status();
  auto fail = [&](Status st) {
    w_.rollback_if_open();
    return st;
  };
  // FOR UPDATE: waits for appends in flight (they hold the row FOR SHARE) to commit.
  auto cur = w_.exec(what, std::string("SELECT ") + kLeaseColumns + " FROM hexa_lease WHERE one = 1 FOR UPDATE");
  if (!cur.ok()) return fail(cur.status());
  const LeaseInfo now = lease_row(*cur);
  const std::int64_t held = held_.load();
  if (held != 0 && now.epoch != held) {
    held_.store(0);
    return fail(Status::Conflict("lease lost: epoch " + std::to_string(now.epoch) + " now held by '" + now.holder +
                                 "' (this server held epoch " + std::to_string(held) + ")"));
  }
  const bool renew = held != 0;  // and the epoch is still ours (checked above)
  const bool take = !renew && (now.epoch == 0 || now.remaining <= 0);
  if (!renew && !take) {  // another server leads: nothing to do, say who
    w_.rollback_if_open();
    return now;
  }
  PgParams p;
  p.text(id).text(address).integer(ttl);
  auto upd = w_.exec(what,
                     std::string("UPDATE hexa_lease SET ") + (take ? "epoch = epoch + 1, " : "") +
                         "holder = $1, address = $2, expires_at = clock_timestamp() + $3 * interval '1 millisecond' "
                         "WHERE one = 1 RETURNING " + kLeaseColumns,
                     p);
  if (!upd.ok()) return fail(upd.status());
  const LeaseInfo after = lease_row(*upd);
  // A new leader continues the journal where the last one stopped: the rows committed before
  // this transaction (their appends held the row; this one waited for them).
  std::int64_t last = last_seq_.load();
  if (take) {
    auto max = w_.exec(what, "SELECT GREATEST((SELECT COALESCE(MAX(seq), 0) FROM hexa_journal), "
                             "(SELECT compacted_through FROM hexa_meta))");
    if (!max.ok()) return fail(max.status());
    last = max->int64(0, 0);
  }
  if (auto c = w_.exec(what, "COMMIT"); !c.ok()) return fail(c.status());
  if (take) {
    last_seq_.store(last);
    holder_ = id;
    held_.store(after.epoch);
    // The archive counts as the last leader left them.
    if (Status st = load_counts(); !st.ok()) return st;
  }
  return after;
}

Result<LeaseInfo> PgJournal::lease() const {
  std::lock_guard lock(read_mu_);
  auto row = r_.exec("lease", std::string("SELECT ") + kLeaseColumns + " FROM hexa_lease WHERE one = 1");
  if (!row.ok()) return row.status();
  return lease_row(*row);
}

void PgJournal::release_lease() {
  std::lock_guard lock(write_mu_);
  const std::int64_t held = held_.exchange(0);
  if (held == 0) return;
  PgParams p;
  p.integer(held);
  // Only while still ours: a lease another server took stays as it is.
  (void)w_.exec("release lease", "UPDATE hexa_lease SET expires_at = clock_timestamp() WHERE one = 1 AND epoch = $1", p);
}

void PgJournal::wait_for_entries(std::int64_t after, DurationMs timeout) const {
  if (notified_.load() > after) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<DurationMs>(timeout, 0));
  std::lock_guard lock(listen_mu_);
  if (!l_.connected()) {
    // A new connection, or one that dropped: LISTEN again, then look at what was appended
    // meanwhile (no NOTIFY reaches a connection before its LISTEN).
    auto listen = l_.exec("listen", "LISTEN hexa_journal");
    auto last = listen.ok() ? l_.exec("listen", "SELECT COALESCE(MAX(seq), 0) FROM hexa_journal") : listen.status();
    if (!last.ok()) {
      l_.close();
      // PostgreSQL is away: wait a little (the caller's loop tries again), not in a busy loop.
      std::this_thread::sleep_until(std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(200)));
      return;
    }
    notified_.store(std::max(notified_.load(), last->int64(0, 0)));
  }
  for (;;) {
    if (!l_.consume_input().ok()) return;  // dropped: the next call connects again
    for (const std::string& payload : l_.notifications()) {
      std::int64_t seq = 0;
      std::from_chars(payload.data(), payload.data() + payload.size(), seq);
      notified_.store(std::max(notified_.load(), seq));
    }
    if (notified_.load() > after) return;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd fd{l_.socket(), POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30))) <= 0) return;
  }
}

}  // namespace hexa::store
