#include "core/core.h"

#include <algorithm>
#include <bit>
#include <functional>

#include "engine/quota.h"

namespace hexa {

Result<std::unique_ptr<Core>> Core::make(const Topology& topo, const SchedulerOptions& opt, const CoreOptions& co) {
  auto sched = Scheduler::make(opt);
  if (!sched.ok()) return sched.status();
  std::unique_ptr<Core> core(new Core(topo, std::move(sched).value(), co));
  for (const Downtime& d : topo.downtimes())  // capacity not online yet, maintenance
    core->sched_.reservations().block_nodes(topo, d.name, d.why, d.nodes, d.from, d.to);
  if (co.nodes_start_down)
    for (NodeId n = 0; n < topo.nodes().size(); ++n) core->sched_.set_node(core->state_, n, {false, false});
  return core;
}

// A command that fails must change nothing, so that replaying only the accepted ones gives the
// same state: each handler checks everything before it changes anything, and what time alone
// does (expiry, time limits) happens in Schedule, never before a check.
Result<Effects> Core::apply(const Command& cmd, TimeMs now) {
  if (now < last_now_) return Status::Invalid("now: must not go back in time");
  // A Schedule with nothing to look at (no accepted command since the last pass, no wake-up
  // due) would decide nothing: it changes nothing, not even the clock, so that a host's batch
  // of refused requests leaves the state as it was.
  if (std::holds_alternative<Schedule>(cmd) && !dirty_ && now < wake_at_) return Effects{{}, wake_at_};
  const TimeMs before = last_now_;
  last_now_ = now;
  auto fx = std::visit(
      [&](const auto& c) -> Result<Effects> {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, AddTenant>) return add_tenant(c);
        if constexpr (std::is_same_v<C, SubmitJob>) return submit(c, now);
        if constexpr (std::is_same_v<C, CompleteJob>) return complete(c, now);
        if constexpr (std::is_same_v<C, CancelJob>) return cancel(c, now);
        if constexpr (std::is_same_v<C, Schedule>) return schedule(now);
        if constexpr (std::is_same_v<C, SetPrice>) return set_price(c, now);
        if constexpr (std::is_same_v<C, AddGrant>) {
          auto done = money(c.grant.tenant, ledger_.grant(c.grant, now), now);
          if (done.ok()) note_money_time(c.grant.start);  // a grant that starts later
          return done;
        }
        if constexpr (std::is_same_v<C, AddTopUp>) return money(c.top_up.tenant, ledger_.top_up(c.top_up, now), now);
        if constexpr (std::is_same_v<C, SetOverdraft>) {
          if (Status st = ledger_.set_overdraft(c.tenant, c.amount); !st.ok()) return st;
          return money(c.tenant, OpOutcome::kApplied, now);
        }
        if constexpr (std::is_same_v<C, SetBudget>) return set_budget(c, now);
        if constexpr (std::is_same_v<C, SetRefundPolicy>) return set_refunds(c);
        if constexpr (std::is_same_v<C, FailNode>) return fail_node(c, now);
        if constexpr (std::is_same_v<C, AddReservation>) return add_reservation(c, now);
        if constexpr (std::is_same_v<C, NodeUp>) return set_node(c.node, true, std::nullopt);
        if constexpr (std::is_same_v<C, DrainNode>) return set_node(c.node, std::nullopt, true);
        if constexpr (std::is_same_v<C, ResumeNode>) return set_node(c.node, std::nullopt, false);
        if constexpr (std::is_same_v<C, Checkpoint>) return checkpoint(c, now);
        if constexpr (std::is_same_v<C, RequeueJob>) return requeue(c, now);
      },
      cmd);
  if (!fx.ok()) {
    last_now_ = before;
    return fx;
  }
  report_alerts(*fx);
  report_faults(*fx);
  if (std::holds_alternative<Schedule>(cmd)) {
    wake_at_ = fx->wake_at;
    dirty_ = false;
  } else {
    wake_at_ = std::min(wake_at_, fx->wake_at);
    dirty_ = true;
  }
  return fx;
}

void Core::report_faults(Effects& fx) {
  for (std::string& f : credits_.take_faults()) fx.list.push_back(LedgerFault{std::move(f)});
}

void Core::report_alerts(Effects& fx) {
  const auto& alerts = ledger_.alerts();
  for (; alerts_seen_ < alerts.size(); ++alerts_seen_) fx.list.push_back(BudgetAlerted{alerts[alerts_seen_]});
}

Result<Effects> Core::add_tenant(const AddTenant& c) {
  const std::string me = "tenant '" + c.name + "'";
  if (c.name.empty()) return Status::Invalid("tenant.name: must not be empty");
  if (tenant_names_.find(c.name)) return Status::Invalid(me + ": declared twice");
  if (c.weight < 1) return Status::Invalid(me + ".weight: must be at least 1");
  TenantId parent = kNoTenant;
  TenantKind kind = c.kind.value_or(TenantKind::kOrganisation);
  if (!c.parent.empty()) {
    auto p = tenant_names_.find(c.parent);
    if (!p) return Status::Invalid(me + ".parent: unknown tenant '" + c.parent + "' (declare parents first)");
    parent = *p;
    TenantKind pk = state_.tenants[parent].kind;
    if (!c.kind) kind = pk == TenantKind::kOrganisation ? TenantKind::kProject
                        : pk == TenantKind::kProgramme  ? TenantKind::kCohort
                                                        : TenantKind::kLearner;
    if (!may_nest(pk, kind))
      return Status::Invalid(me + ".kind: a " + kind_name(kind) + " cannot sit under a " + kind_name(pk) +
                             " (organisation > project, programme > cohort > learner)");
  } else if (kind != TenantKind::kOrganisation && kind != TenantKind::kProgramme) {
    return Status::Invalid(me + ".kind: a " + std::string(kind_name(kind)) + " needs a parent");
  }
  auto quotas = read_quotas(c);
  if (!quotas.ok()) return quotas.status();
  if (auto opened = ledger_.add_tenant(c.name); !opened.ok()) return opened.status();  // last check
  tenant_names_.intern(c.name);
  Tenant t;
  t.name = c.name;
  t.weight = c.weight;
  t.parent = parent;
  t.kind = kind;
  t.quotas = std::move(quotas).value();
  t.usage_at = last_now_;
  state_.any_quotas = state_.any_quotas || !t.quotas.empty();
  state_.tenants.push_back(std::move(t));
  note_quotas(state_);
  return Effects{};
}

Result<std::vector<Quota>> Core::read_quotas(const AddTenant& c) const {
  std::vector<Quota> out;
  for (std::size_t i = 0; i < c.quotas.size(); ++i) {
    const QuotaSpec& q = c.quotas[i];
    const std::string at = "tenant '" + c.name + "'.quotas[" + std::to_string(i) + "]";
    Quota quota{std::nullopt, q.max_gpus, q.guaranteed_gpus, q.borrow_limit, q.max_running, q.max_queued};
    if (!q.gpu_type.empty()) {
      auto type = state_.topo->find_type(q.gpu_type);
      if (!type) return Status::Invalid(at + ".gpu_type: no site offers GPU type '" + q.gpu_type + "'");
      quota.type = *type;
      if (q.max_running >= 0 || q.max_queued >= 0)
        return Status::Invalid(at + ": max_running and max_queued count jobs: put them on the quota for all GPUs");
    }
    for (int v : {q.max_gpus, q.guaranteed_gpus, q.borrow_limit, q.max_running, q.max_queued})
      if (v < -1) return Status::Invalid(at + ": limits must be >= 0 (or -1 for none)");
    if (q.borrow_limit >= 0 && q.guaranteed_gpus < 0)
      return Status::Invalid(at + ".borrow_limit: needs guaranteed_gpus (it counts beyond the guarantee)");
    if (q.max_gpus >= 0 && q.guaranteed_gpus > q.max_gpus)
      return Status::Invalid(at + ".guaranteed_gpus: must not exceed max_gpus");
    for (const Quota& other : out)
      if (other.type == quota.type) return Status::Invalid(at + ": a second quota for the same GPU type");
    out.push_back(quota);
  }
  return out;
}

// Slurm's MaxSubmitJobs: a submit beyond max_queued is refused, not queued.
Status Core::check_queue_room(const JobSpec& spec) const {
  // No quota anywhere up its chain (start-ups): no walk up the tree for each submit.
  if (!state_.any_quotas || (spec.tenant < state_.quota_chain.size() &&
                             !(state_.quota_chain[spec.tenant] & ClusterState::kQuotaChain)))
    return Status::Ok();
  for (TenantId t = spec.tenant; t != kNoTenant; t = state_.tenants[t].parent)
    for (const Quota& q : state_.tenants[t].quotas)
      if (!q.type && q.max_queued >= 0 && state_.tenants[t].sub_queued + 1 > q.max_queued)
        return Status::Invalid("job '" + spec.name + "': over quota: tenant '" + state_.tenants[t].name +
                               "' may have " + std::to_string(q.max_queued) + " jobs queued and has " +
                               std::to_string(state_.tenants[t].sub_queued));
  return Status::Ok();
}

Status Core::check_spec(const JobSpec& s) const {
  const Topology& topo = *state_.topo;
  if (s.name.empty()) return Status::Invalid("job.name: must not be empty");
  // Built only for an error: every submit passes here.
  auto job = [&s] { return "job '" + s.name + "'"; };
  if (s.tenant >= state_.tenants.size()) return Status::Invalid(job() + ".tenant: unknown tenant");
  if (s.gpus < 1) return Status::Invalid(job() + ".gpus: must be at least 1");
  if (s.time_limit < 0) return Status::Invalid(job() + ".time_limit: must be >= 0 (0 = none)");
  if (topo.types().size() < 64 && (s.types >> topo.types().size()) != 0)
    return Status::Invalid(job() + ".gpu_type: unknown GPU type");
  if (topo.sites().size() < 64 && (s.sites >> topo.sites().size()) != 0)
    return Status::Invalid(job() + ".sites: unknown site");
  if (s.slice != 0) {
    const auto n = static_cast<int>(topo.slice_profiles().size());
    if (s.slice < 0 || s.slice > n)
      return Status::Invalid(job() + ".slice: unknown slice profile #" + std::to_string(s.slice) + "; must be 1.." +
                     std::to_string(n) + " (" + topo.slice_names() + ")");
    if (s.gpus != 1)
      return Status::Invalid(job() + ".gpus: a slice job asks for exactly 1 GPU (one slice of it), got " + std::to_string(s.gpus));
  }
  if (s.prefer != 0 && s.sites != 0 && (s.prefer & ~s.sites) != 0)
    return Status::Invalid(job() + ".prefer: " + topo.site_set_name(s.prefer & ~s.sites) +
                           " is not among its allowed sites (" + topo.site_set_name(s.sites) + ")");
  if (s.start_target < 0) return Status::Invalid(job() + ".start_target: must be >= 0 (0 = batch work)");
  if (s.deferrable && s.deadline == kNever)
    return Status::Invalid(job() + ".deadline: a deferrable job needs a deadline");
  if (sched_.policy().needs_oracle() && s.oracle_duration < 0)
    return Status::Invalid(job() + ": policy " + std::string(sched_.policy().name()) +
                           " is an oracle that needs the true duration (simulator only)");
  return Status::Ok();
}

std::string Core::never_fits(const JobSpec& s) const {
  const Topology& topo = *state_.topo;
  if (s.slice != 0) {  // any sliced GPU of an allowed site and type can host any profile
    for (const PoolInfo& p : state_.free.pools())
      if (p.sliced && allows(s.sites, p.site) && allows(s.types, p.type)) return {};
    std::string type = s.types == 0 ? "any type" : topo.type_set_name(s.types);
    return "can never run: needs a " + topo.slice_profile(s.slice).name + " slice (" + type + ") in " +
           topo.site_set_name(s.sites) + "; " +
           (topo.any_sliced() ? "no sliced node there offers that GPU type" : "no node offers GPU slices");
  }
  long largest = 0;
  std::string where;
  for (SiteId site = 0; site < topo.sites().size(); ++site) {
    if (!allows(s.sites, site)) continue;
    for (const PoolInfo& p : state_.free.pools()) {
      if (p.site != site || !allows(s.types, p.type)) continue;
      if (p.total >= s.gpus) return {};
      if (p.total > largest) largest = p.total, where = topo.site(site).name + " " + topo.types().name(p.type);
    }
  }
  std::string type = s.types == 0 ? "any type" : topo.type_set_name(s.types);
  std::string msg = "can never run: needs " + std::to_string(s.gpus) + " GPUs (" + type + ") in one site (" +
                    topo.site_set_name(s.sites) + ")";
  return largest == 0 ? msg + "; no site offers that GPU type"
                      : msg + "; the largest such pool has " + std::to_string(largest) + " (" + where + ")";
}

Result<Effects> Core::submit(const SubmitJob& c, TimeMs now) {
  if (Status st = check_spec(c.spec); !st.ok()) return st;
  if (Status st = check_queue_room(c.spec); !st.ok()) return st;
  if (Status st = check_credits(c.spec); !st.ok()) return st;
  Job j;
  j.spec = c.spec;
  j.id = static_cast<JobId>(state_.jobs.size());
  j.submit = now;
  j.queued_since = now;
  Effects fx;
  fx.list.push_back(JobAccepted{j.id});
  std::string why = never_fits(c.spec);
  if (why.empty()) why = never_within_quota(state_, c.spec);
  if (!why.empty()) {
    j.phase = JobPhase::kRejected;
    j.end = now;
    j.end_kind = EndKind::kRejected;
    j.end_reason = why;
    fx.list.push_back(JobRejected{j.id, why});
    ended_.push_back(j.id);
    state_.jobs.push_back(std::move(j));
  } else {
    state_.jobs.push_back(std::move(j));
    sched_.enqueue(state_, state_.jobs.back(), now);
  }
  return fx;
}

Result<Job*> Core::running_job(JobId id, const char* what, int segment) {
  if (id >= state_.jobs.size()) return Status::NotFound("job: no job " + std::to_string(id));
  if (!state_.jobs.contains(id)) return Status::Conflict("job " + std::to_string(id) + ": cannot " + what + ", it already ended");
  Job& j = state_.jobs[id];
  if (j.phase != JobPhase::kRunning)
    return Status::Conflict("job '" + j.spec.name + "': cannot " + what + ", it is " + phase_name(j.phase));
  if (segment >= 0 && segment != j.segment)
    return Status::Conflict("job '" + j.spec.name + "': stale report about run segment " + std::to_string(segment) +
                            "; segment " + std::to_string(j.segment) + " runs now");
  return &j;
}

namespace {

std::string end_text(const CompleteJob& c) {
  if (c.how == EndKind::kTimeout) return "timeout";
  if (c.how == EndKind::kCompleted) return "completed";
  if (c.signal != 0) return "failed: killed by signal " + std::to_string(c.signal);
  return "failed: exit code " + std::to_string(c.exit_code);
}

}  // namespace

Result<Effects> Core::complete(const CompleteJob& c, TimeMs now) {
  if (c.how != EndKind::kCompleted && c.how != EndKind::kFailed && c.how != EndKind::kTimeout)
    return Status::Invalid("complete.how: must be completed, failed or timeout");
  if (c.signal < 0 || c.signal > 64) return Status::Invalid("complete.signal: must be 0..64");
  auto found = running_job(c.job, "complete", c.segment);
  if (!found.ok()) return found.status();
  Job& j = **found;
  sched_.stop(state_, j, now, JobPhase::kFinished);
  j.end_kind = c.how;
  j.exit_code = c.exit_code;
  j.exit_signal = c.signal;
  j.end_reason = end_text(c);
  ended_.push_back(j.id);
  return Effects{{JobEnded{j.id, c.how, c.segment}}, kNever};
}

// The useful work done by now is what a failure keeps: work_since_checkpoint counts from here.
Result<Effects> Core::checkpoint(const Checkpoint& c, TimeMs now) {
  auto found = running_job(c.job, "checkpoint", c.segment);
  if (!found.ok()) return found.status();
  Job& j = **found;
  const DurationMs seg = now - j.last_start;
  j.saved_ms = j.useful_ms + (j.resumed() ? std::max<DurationMs>(0, seg - sched_.options().restart_overhead) : seg);
  return Effects{};
}

Result<Effects> Core::cancel(const CancelJob& c, TimeMs now) {
  if (c.job >= state_.jobs.size()) return Status::NotFound("job: no job " + std::to_string(c.job));
  if (!state_.jobs.contains(c.job)) return Status::Conflict("job " + std::to_string(c.job) + ": cannot cancel, it already ended");
  Job& j = state_.jobs[c.job];
  const int segment = j.phase == JobPhase::kRunning ? j.segment : 0;
  if (j.phase == JobPhase::kRunning) {
    sched_.stop(state_, j, now, JobPhase::kCancelled);
  } else if (j.phase == JobPhase::kPending) {
    sched_.dequeue(state_, j);
    j.phase = JobPhase::kCancelled;
    j.end = now;
  } else {
    return Status::Conflict("job '" + j.spec.name + "': cannot cancel, it is already " + phase_name(j.phase));
  }
  j.end_kind = EndKind::kCancelled;
  j.end_reason = "cancelled";
  ended_.push_back(j.id);
  return Effects{{JobEnded{j.id, EndKind::kCancelled, segment}}, kNever};
}

// As a preemption by priority: the segment's work counts as kept (a graceful stop lets the job
// checkpoint), it waits in the queue again and runs as a new segment.
Result<Effects> Core::requeue(const RequeueJob& c, TimeMs now) {
  auto found = running_job(c.job, "requeue", c.segment);
  if (!found.ok()) return found.status();
  Job& j = **found;
  sched_.stop(state_, j, now, JobPhase::kPending);
  return Effects{{JobPreempted{j.id, c.segment}}, kNever};
}

Result<Effects> Core::set_price(const SetPrice& c, TimeMs now) {
  if (!state_.topo->find_type(c.gpu_type))
    return Status::Invalid("price.gpu_type: no site offers GPU type '" + c.gpu_type + "'");
  if (!state_.topo->find_site(c.site)) return Status::Invalid("price.site: unknown site '" + c.site + "'");
  if (Status st = ledger_.prices().set(c.gpu_type, c.site, c.priority, c.price); !st.ok()) return st;
  if (!credits_on_) sched_.set_admission(&credits_);
  credits_on_ = true;
  sched_.unpark_all(state_, now, /*all=*/true);  // what each held-back job needs has changed
  return Effects{};
}

// A money command went through: the tenant's jobs held back for credits may now start.
Result<Effects> Core::money(const std::string& tenant, Result<OpOutcome> r, TimeMs now) {
  if (!r.ok()) return r.status();
  if (auto t = tenant_names_.find(tenant)) sched_.unpark(state_, *t, now);
  return Effects{};
}

Result<Effects> Core::set_budget(const SetBudget& c, TimeMs now) {
  Status st = c.budget ? ledger_.set_budget(c.tenant, *c.budget, now) : ledger_.clear_budget(c.tenant);
  if (!st.ok()) return st;
  TenantId t = *tenant_names_.find(c.tenant);  // the ledger knows it: so does the core
  if (c.budget && c.budget->hard)
    hard_budgets_[t] = c.budget->origin + (period_of(*c.budget, now) + 1) * c.budget->period;
  else
    hard_budgets_.erase(t);
  return money(c.tenant, OpOutcome::kApplied, now);  // a new budget may allow more
}

Result<Effects> Core::set_refunds(const SetRefundPolicy& c) {
  for (int pct : {c.policy.preemption_pct, c.policy.failure_pct})
    if (pct < 0 || pct > 100) return Status::Invalid("refund policy: percentages must be between 0 and 100");
  credits_.set_refunds(c.policy);
  return Effects{};
}

void Core::note_money_time(TimeMs t) {
  if (t > last_now_) money_times_.insert(t);
}

// Held-back jobs are looked at again when a grant starts (all tenants: grants are few) and
// when a hard budget's period turns (its tenant).
void Core::wake_parked(TimeMs now) {
  bool grant_started = false;
  while (!money_times_.empty() && *money_times_.begin() <= now) {
    money_times_.erase(money_times_.begin());
    grant_started = true;
  }
  if (grant_started) sched_.unpark_all(state_, now);
  for (auto& [t, next] : hard_budgets_) {
    if (next > now) continue;
    const Budget& b = *ledger_.find_tenant(state_.tenants[t].name)->budget;
    next = b.origin + (period_of(b, now) + 1) * b.period;
    sched_.unpark(state_, t, now);
  }
}

TimeMs Core::next_money_wake(TimeMs now) const {
  if (sched_.parked() == 0) return kNever;
  TimeMs at = money_times_.empty() ? kNever : *money_times_.begin();
  for (const auto& [t, next] : hard_budgets_) {
    auto need = sched_.least_parked_need(t);
    if (!need || next >= at) continue;
    auto spendable = ledger_.spendable(state_.tenants[t].name, now);
    if (spendable.ok() && *spendable >= *need) at = next;
  }
  return at;
}

// With credits on, a job needs a time limit (its hold covers it) and a price where it may run.
Status Core::check_credits(const JobSpec& spec) const {
  if (!credits_on_) return Status::Ok();
  auto job = [&spec] { return "job '" + spec.name + "'"; };  // only for an error
  if (spec.time_limit <= 0)
    return Status::Invalid(job() + ".time_limit: required when credits are on (the admission hold covers it)");
  std::string first_error;
  for (const PoolInfo& p : state_.free.pools()) {
    if (!allows(spec.sites, p.site) || !allows(spec.types, p.type)) continue;
    auto rate = ledger_.prices().rate(state_.topo->types().name(p.type), state_.topo->site(p.site).name,
                                      spec.priority, spec.preemptible);
    if (rate.ok()) return Status::Ok();
    if (first_error.empty()) first_error = rate.status().message();
  }
  return Status::Invalid(job() + ": " + (first_error.empty() ? "no price where it may run" : first_error));
}

Effects Core::schedule(TimeMs now) {
  Effects fx;
  retire_ended();
  if (auto swept = ledger_.expire_until(now); !swept.ok())
    fx.list.push_back(LedgerFault{"grant expiry at " + std::to_string(now) + ": " + swept.status().message()});
  stop_at_limits(now, fx);
  if (credits_on_) wake_parked(now);
  PassResult r = sched_.pass(state_, now);
  for (JobId id : r.preempted) fx.list.push_back(JobPreempted{id, state_.jobs[id].segment});
  for (JobId id : r.started) {
    const Job& j = state_.jobs[id];
    fx.list.push_back(JobStarted{id, j.segment, j.alloc});
    if (TimeMs end = latest_end(j, sched_.options().restart_overhead); end != kNever) push_limit(end, id);
  }
  fx.wake_at = std::min({fx.wake_at, r.wake_at, next_limit()});
  if (credits_on_) fx.wake_at = std::min(fx.wake_at, next_money_wake(now));  // jobs parked in this pass
  return fx;
}

// A job's limit bounds its useful run time (engine/reservation.h, latest_end): the core stops
// it then, for every host alike, and the host kills what still runs (JobEnded, kTimeout).
void Core::stop_at_limits(TimeMs now, Effects& fx) {
  const DurationMs overhead = sched_.options().restart_overhead;
  while (!limits_.empty() && limits_.front().first <= now) {
    const auto [end, id] = limits_.front();
    pop_limit();
    if (!state_.jobs.contains(id)) continue;
    Job& j = state_.jobs[id];
    if (j.phase != JobPhase::kRunning || latest_end(j, overhead) != end) continue;  // stopped, or runs again since
    const int segment = j.segment;
    sched_.stop(state_, j, now, JobPhase::kFinished);
    j.end_kind = EndKind::kTimeout;
    j.end_reason = "timeout";
    ended_.push_back(id);
    fx.list.push_back(JobEnded{id, EndKind::kTimeout, segment});
  }
}

TimeMs Core::next_limit() {
  const DurationMs overhead = sched_.options().restart_overhead;
  while (!limits_.empty()) {  // drop entries of jobs that stopped since
    const auto [end, id] = limits_.front();
    if (state_.jobs.contains(id) && state_.jobs[id].phase == JobPhase::kRunning &&
        latest_end(state_.jobs[id], overhead) == end)
      return end;
    pop_limit();
  }
  return kNever;
}

void Core::push_limit(TimeMs end, JobId id) {
  limits_.push_back({end, id});
  std::push_heap(limits_.begin(), limits_.end(), std::greater<>{});
}

void Core::pop_limit() {
  std::pop_heap(limits_.begin(), limits_.end(), std::greater<>{});
  limits_.pop_back();
}

void Core::retire_ended() {
  if (co_.retire_ended)
    for (JobId id : ended_) state_.jobs.retire(id);
  ended_.clear();
}

Result<Effects> Core::add_reservation(const AddReservation& c, TimeMs now) {
  const Topology& topo = *state_.topo;
  const std::string me = "reservation '" + c.name + "'";
  AdvanceBook& book = sched_.reservations();
  if (c.name.empty()) return Status::Invalid("reservation.name: must not be empty");
  if (book.has(c.name)) return Status::Invalid(me + ": declared twice");
  auto tenant = tenant_names_.find(c.tenant);
  if (!tenant) return Status::Invalid(me + ".tenant: unknown tenant '" + c.tenant + "'");
  auto site = topo.find_site(c.site);
  if (!site) return Status::Invalid(me + ".site: unknown site '" + c.site + "'");
  auto type = topo.find_type(c.gpu_type);
  if (!type || topo.site_gpus(*site, bit(*type)) == 0)
    return Status::Invalid(me + ".gpu_type: site " + c.site + " has no GPU of type '" + c.gpu_type + "'");
  if (c.to <= now) return Status::Invalid(me + ": its window is already over");
  ReserveAsk ask{c.name, *tenant, *site, *type, c.gpus, 0, c.from, c.to};
  if (!c.slice.empty()) {
    auto slice = topo.find_slice(c.slice);
    if (!slice) return Status::Invalid(me + ".slice: unknown profile '" + c.slice + "'; known: " + topo.slice_names());
    ask.slice = *slice, ask.gpus = c.slices;
  } else if (c.slices != 0) {
    return Status::Invalid(me + ".slices: needs a slice profile (slice)");
  }
  auto r = book.reserve(topo, std::move(ask));
  if (!r.ok()) return r.status();
  return Effects{{}, book.next_boundary(now)};
}

DurationMs Core::work_since_checkpoint(const Job& j, TimeMs now) const {
  DurationMs seg = now - j.last_start;
  DurationMs useful = j.resumed() ? std::max<DurationMs>(0, seg - sched_.options().restart_overhead) : seg;
  DurationMs before = j.useful_ms, after = before + useful;
  DurationMs every = j.spec.checkpoint_every;
  // The segment began at a checkpoint (the start, or a graceful preemption); more were taken
  // every `every` ms of useful work.
  DurationMs kept = std::max({before, every > 0 ? after - after % every : 0, std::min(j.saved_ms, after)});
  return after - kept;
}

Result<NodeId> Core::find_node(const std::string& name) const {
  auto node = state_.topo->find_node(name);
  if (!node) return Status::NotFound("node: no node named '" + name + "' in the cluster");
  return *node;
}

// NodeUp: online; DrainNode / ResumeNode: the drain flag. Saying again what is already so is
// not an error (an agent registers again after a restart of the server).
Result<Effects> Core::set_node(const std::string& name, std::optional<bool> online, std::optional<bool> drain) {
  auto node = find_node(name);
  if (!node.ok()) return node.status();
  NodeStatus st = state_.nodes[*node];
  if (online) st.online = *online;
  if (drain) st.drain = *drain;
  sched_.set_node(state_, *node, st);
  return Effects{};
}

Result<Effects> Core::fail_node(const FailNode& c, TimeMs now) {
  auto node = find_node(c.node);
  if (!node.ok()) return node.status();
  if (!state_.nodes[*node].online) return Status::Conflict("node '" + c.node + "': already down");
  std::vector<JobId> hit;
  for (JobId id : state_.running)
    for (const NodeGpus& g : state_.jobs[id].alloc)
      if (g.node == *node) hit.push_back(id);
  std::sort(hit.begin(), hit.end());  // running is in no particular order; effects must be
  Effects fx;
  for (JobId id : hit) {
    Job& j = state_.jobs[id];
    DurationMs lost = work_since_checkpoint(j, now);
    sched_.stop(state_, j, now, JobPhase::kPending, /*requeue=*/false);
    j.useful_ms -= lost;
    j.lost_ms += lost;
    ++j.failures;
    if (credits_on_) credits_.lost_work(state_, j, lost, now);
    sched_.enqueue(state_, j, now);
    fx.list.push_back(JobFailed{id, lost, j.segment});
  }
  NodeStatus st = state_.nodes[*node];
  st.online = false;
  sched_.set_node(state_, *node, st);  // out until a NodeUp
  return fx;
}

}  // namespace hexa
