// Core: the deterministic state machine of the cloud. All state changes go through apply();
// it has no clock, thread, file or socket: `now` is a parameter. The same commands at the same
// times give the same effects and state, bit for bit.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "core/command.h"
#include "core/credits.h"
#include "core/estimate_cache.h"
#include "engine/scheduler.h"

namespace hexa {

// What differs between hosts, beyond their clock and I/O.
struct CoreOptions {
  // Live: a node holds no work until its agent registers (NodeUp). The simulator's nodes are up.
  bool nodes_start_down = false;
  // Jobs that ended leave memory at the next Schedule, so that a server that runs for a year
  // stays bounded; the host keeps what it needs of them when it sees them end (JobEnded,
  // JobRejected). The simulator keeps every job for its report.
  bool retire_ended = false;
};

class Core {
 public:
  // The topology must outlive the core.
  static Result<std::unique_ptr<Core>> make(const Topology& topo, const SchedulerOptions& opt,
                                            const CoreOptions& co = {});

  // Applies one command at `now`. A command that fails changes nothing and says why: Invalid
  // (bad input), NotFound (an unknown job, tenant or node), Conflict (a job that already ended,
  // a stale report). REQUIRES: now is not before the `now` of any earlier accepted call.
  Result<Effects> apply(const Command& cmd, TimeMs now);

  const ClusterState& state() const { return state_; }
  // REQUIRES: has_job(id).
  const Job& job(JobId id) const { return state_.jobs[id]; }
  // Whether the job is in memory: submitted and not retired (CoreOptions::retire_ended).
  bool has_job(JobId id) const { return state_.jobs.contains(id); }
  NodeStatus node(NodeId id) const { return state_.nodes[id]; }
  // When the host should send a Schedule if nothing else happens (kNever: no need).
  TimeMs wake_at() const { return wake_at_; }
  // The `now` of the last accepted command.
  TimeMs now() const { return last_now_; }
  const CoreOptions& options() const { return co_; }
  const Topology& topology() const { return *state_.topo; }
  const Scheduler& scheduler() const { return sched_; }
  std::string explain(JobId id) const { return sched_.explain(state_, state_.jobs[id]); }
  // Estimated start times of the pending jobs, worked out once per scheduling pass.
  std::shared_ptr<const StartEstimates> start_estimates() const { return estimates_.get(state_, sched_, last_now_); }
  // The same if this pass's are worked out already, else nullptr (core/estimate_cache.h).
  std::shared_ptr<const StartEstimates> ready_start_estimates() const { return estimates_.ready(sched_); }
  std::optional<TenantId> find_tenant(std::string_view name) const { return tenant_names_.find(name); }
  const Ledger& ledger() const { return ledger_; }
  bool credits_on() const { return credits_on_; }

  // Snapshots (core/core_snapshot.cc), so that a host restarts from the newest snapshot and
  // replays only the journal after it. snapshot(): the whole state as bytes (a format version,
  // the options and topology it was made with, then every part; a checksum at the end).
  std::string snapshot() const;
  // A core indistinguishable from the one saved: the same commands give it the same effects
  // and states. The topology must outlive the core. Errors (Invalid, nothing made): bytes that
  // are not a snapshot, truncated or corrupt, of another format version, or made with other
  // options or another topology (nodes, GPUs, names).
  static Result<std::unique_ptr<Core>> restore(const Topology& topo, const SchedulerOptions& opt,
                                               const CoreOptions& co, std::string_view bytes);
  // A 64-bit hash of the whole state (the checksum of snapshot(), without making it): two
  // cores with the same digest are in the same state.
  std::uint64_t digest() const;

 private:
  Core(const Topology& topo, Scheduler sched, const CoreOptions& co)
      : co_(co), state_(topo), sched_(std::move(sched)), credits_(ledger_, sched_.options().restart_overhead) {}

  Result<Effects> add_tenant(const AddTenant& c);
  Result<std::vector<Quota>> read_quotas(const AddTenant& c) const;
  Status check_queue_room(const JobSpec& spec) const;
  Result<Effects> submit(const SubmitJob& c, TimeMs now);
  Result<Effects> complete(const CompleteJob& c, TimeMs now);
  Result<Effects> cancel(const CancelJob& c, TimeMs now);
  Result<Effects> requeue(const RequeueJob& c, TimeMs now);
  Effects schedule(TimeMs now);
  Result<Effects> set_price(const SetPrice& c, TimeMs now);
  Result<Effects> money(const std::string& tenant, Result<OpOutcome> r, TimeMs now);
  Result<Effects> set_budget(const SetBudget& c, TimeMs now);
  Result<Effects> set_refunds(const SetRefundPolicy& c);
  Result<Effects> fail_node(const FailNode& c, TimeMs now);
  Result<Effects> checkpoint(const Checkpoint& c, TimeMs now);
  Result<NodeId> find_node(const std::string& name) const;
  Result<Effects> set_node(const std::string& name, std::optional<bool> online, std::optional<bool> drain);
  // A running job the command names, or why not: NotFound, Conflict (ended, or another segment).
  Result<Job*> running_job(JobId id, const char* what, int segment = -1);
  // Time limits (Schedule): jobs whose limit has come are stopped; the next limit to come.
  void stop_at_limits(TimeMs now, Effects& fx);
  TimeMs next_limit();
  void retire_ended();
  void report_faults(Effects& fx);
  Result<Effects> add_reservation(const AddReservation& c, TimeMs now);
  // Useful work of a running job that a failure now would throw away.
  DurationMs work_since_checkpoint(const Job& j, TimeMs now) const;
  // Funds grow with time alone when a grant starts or a hard budget's period begins: jobs
  // held back for credits are looked at again then.
  void note_money_time(TimeMs t);
  void wake_parked(TimeMs now);
  // When the host should wake the core for held-back jobs: the next grant start, and the next
  // period of each hard budget that is all that holds its tenant back (money is there). A
  // tenant out of money is not woken every period: only new money wakes it.
  TimeMs next_money_wake(TimeMs now) const;
  // Budget alerts raised since the last apply, as effects.
  void report_alerts(Effects& fx);
  Status check_credits(const JobSpec& spec) const;
  Status check_spec(const JobSpec& spec) const;
  // Why a valid job can never run here, or empty when some pool is big enough.
  std::string never_fits(const JobSpec& spec) const;
  // Snapshots (core/core_snapshot.cc): every part, after the header; load checks what refers
  // from one part into another.
  void save(Writer& w) const;
  bool load(Reader& r);
  bool check_loaded(Reader& r) const;

  CoreOptions co_;
  ClusterState state_;
  Scheduler sched_;
  Interner tenant_names_;
  Ledger ledger_;
  CreditAdmission credits_;
  bool credits_on_ = false;
  TimeMs last_now_ = 0;
  std::set<TimeMs> money_times_;  // future grant starts
  std::map<TenantId, TimeMs> hard_budgets_;  // tenants with a hard budget: its next period start
  std::size_t alerts_seen_ = 0;
  TimeMs wake_at_ = kNever;
  bool dirty_ = true;  // a command was accepted since the last Schedule: the next one has work
  // Running jobs with a time limit by when it comes (latest_end); an entry whose job no longer
  // runs that segment is dropped when reached. A min-heap (std::greater): a tree node per
  // started job was 2% of the France month. The same entry may be in it twice (a job started
  // twice in one instant); the second is dropped like any other stale one.
  std::vector<std::pair<TimeMs, JobId>> limits_;
  void push_limit(TimeMs end, JobId id);
  void pop_limit();
  std::vector<JobId> ended_;  // ended since the last Schedule: retired by it (retire_ended)
  EstimateCache estimates_;   // derived from the state: not in snapshots or digests
};

}  // namespace hexa
