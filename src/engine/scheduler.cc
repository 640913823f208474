#include "engine/scheduler.h"

#include <algorithm>

#include "engine/decay.h"

namespace hexa {

Result<Scheduler> Scheduler::make(const SchedulerOptions& opt) {
  auto policy = make_queue_policy(opt);
  if (!policy.ok()) return policy.status();
  auto placer = make_placer(opt.placement);
  if (!placer.ok()) return placer.status();
  return Scheduler(opt, std::move(policy).value(), std::move(placer).value());
}

void Scheduler::start(ClusterState& s, Job& j, const Allocation& alloc, TimeMs now) {
  s.free.take(alloc);
  j.alloc = alloc;
  j.phase = JobPhase::kRunning;
  j.last_start = now;
  if (j.first_start < 0) j.first_start = now;
  Tenant& t = s.tenants[j.spec.tenant];
  charge_usage(t, now, opt_.fair_half_life);
  t.running_gpus += j.spec.gpus;
  s.running.push_back(j.id);
}

void Scheduler::stop(ClusterState& s, Job& j, TimeMs now, JobPhase to) {
  DurationMs seg = now - j.last_start;
  j.run_ms += seg;
  j.useful_ms += j.resumed() ? std::max<DurationMs>(0, seg - opt_.restart_overhead) : seg;
  j.last_run_ms = seg;
  s.free.give(j.alloc);
  j.alloc.clear();
  Tenant& t = s.tenants[j.spec.tenant];
  charge_usage(t, now, opt_.fair_half_life);
  t.running_gpus -= j.spec.gpus;
  j.phase = to;
  if (to == JobPhase::kPending) {
    ++j.preemptions;
    j.queued_since = now;
    j.wait = {};
    s.pending.push_back(j.id);
  } else {
    j.end = now;
  }
}

void Scheduler::order_pending(ClusterState& s, TimeMs now) {
  // Drop ids that left the queue, and duplicates (a job preempted and queued again).
  std::erase_if(s.pending, [&](JobId id) {
    Job& j = s.jobs[id];
    if (j.phase != JobPhase::kPending || j.queue_mark == pass_id_) return true;
    j.queue_mark = pass_id_;
    return false;
  });
  s.compact_running();
  policy_->begin_pass(s, now);
  order_.clear();
  for (JobId id : s.pending) {
    const Job& j = s.jobs[id];
    order_.push_back({-j.spec.priority, policy_->key(s, j, now), id});
  }
  if (!std::is_sorted(order_.begin(), order_.end())) std::sort(order_.begin(), order_.end());
}

PassResult Scheduler::pass(ClusterState& s, TimeMs now) {
  ++pass_id_;
  PassResult r;
  has_blocker_ = false;
  victims_built_ = false;
  failed_preempts_.clear();
  res_ = {};
  order_pending(s, now);

  for (const Entry& e : order_) {
    Job& j = s.jobs[e.id];
    if (j.phase != JobPhase::kPending) continue;
    if (res_.active) {
      try_backfill(s, j, now, r);
      continue;
    }
    PlaceFailure why;
    PlaceRequest req{j.spec.gpus, j.spec.types, j.spec.sites};
    if (placer_->place(s.free, req, &alloc_, &why)) {
      start(s, j, alloc_, now);
      r.started.push_back(j.id);
      continue;
    }
    if (try_preempt(s, j, now, r)) continue;
    j.wait = {why.kind, pass_id_, why.best, 0, 0};
    if (policy_->skip() == Skip::kStrict) {
      blocker_ = j.id;
      has_blocker_ = true;
      break;
    }
    if (policy_->skip() == Skip::kEasy) {
      res_ = plan_reservation(s, *placer_, j, now, opt_.restart_overhead);
      if (res_.active) {
        hold(s, res_);
        j.wait = {WaitKind::kReserved, pass_id_, why.best, res_.at, j.id};
      }
    }
  }
  if (res_.active) unhold(s, res_);
  r.wake_at = policy_->next_wakeup(s, now);
  if (r.wake_at <= now) r.wake_at = now + 1;
  return r;
}

bool Scheduler::try_backfill(ClusterState& s, Job& j, TimeMs now, PassResult& r) {
  PlaceRequest req{j.spec.gpus, j.spec.types, j.spec.sites};
  PlaceFailure why;
  bool ok = placer_->place(s.free, req, &alloc_, &why);
  // A job sure to end (by its own time limit) before the reservation starts may also use the
  // reserved GPUs: it cannot delay the head job.
  DurationMs overhead = j.resumed() ? opt_.restart_overhead : 0;
  if (!ok && j.spec.time_limit > 0 && now + overhead + j.spec.time_limit - j.useful_ms <= res_.at) {
    unhold(s, res_);
    ok = placer_->place(s.free, req, &alloc_, nullptr);
    if (ok) start(s, j, alloc_, now);
    hold(s, res_);
  } else if (ok) {
    start(s, j, alloc_, now);
  }
  if (ok) {
    r.started.push_back(j.id);
    return true;
  }
  j.wait = {WaitKind::kWouldDelayHead, pass_id_, why.best, res_.at, res_.head};
  return false;
}

bool Scheduler::outranks(const Job& j, const Entry& v, TimeMs now, const ClusterState& s) const {
  if (j.spec.priority != -v.neg_priority) return j.spec.priority > -v.neg_priority;
  return policy_->preemptive() && policy_->key(s, j, now).level < v.key.level;
}

void Scheduler::build_victims(const ClusterState& s, TimeMs now) {
  victims_.clear();
  for (JobId id : s.running) {
    const Job& v = s.jobs[id];
    if (v.phase == JobPhase::kRunning && v.spec.preemptible)
      victims_.push_back({-v.spec.priority, policy_->key(s, v, now), id});
  }
  // Worst first: lowest priority, then highest level, then latest arrival.
  std::sort(victims_.begin(), victims_.end(), [](const Entry& a, const Entry& b) {
    if (a.neg_priority != b.neg_priority) return a.neg_priority > b.neg_priority;
    if (a.key.level != b.key.level) return a.key.level > b.key.level;
    return a.id > b.id;
  });
  victims_built_ = true;
}

bool Scheduler::try_preempt(ClusterState& s, Job& j, TimeMs now, PassResult& r) {
  for (const Failed& f : failed_preempts_)
    if (f.types == j.spec.types && f.sites == j.spec.sites && j.spec.gpus >= f.gpus) return false;
  if (!victims_built_) build_victims(s, now);
  PlaceRequest req{j.spec.gpus, j.spec.types, j.spec.sites};

  // Victims this job outranks, in a pool it may use; and whether they could make room at all.
  std::vector<JobId> cand;
  long room = 0;
  for (PoolId p = 0; p < s.free.pools().size(); ++p)
    if (pool_eligible(s.free.pools()[p], req)) room += s.free.pool_free(p);
  for (const Entry& v : victims_) {
    if (!outranks(j, v, now, s)) break;
    const Job& vj = s.jobs[v.id];
    if (vj.phase != JobPhase::kRunning) continue;
    const PoolInfo& pool = s.free.pools()[s.free.pool_of_block(s.topo->node(vj.alloc[0].node).block)];
    if (!pool_eligible(pool, req)) continue;
    cand.push_back(v.id);
    room += vj.spec.gpus;
  }
  if (cand.empty() || room < j.spec.gpus) {
    failed_preempts_.push_back({j.spec.types, j.spec.sites, j.spec.gpus});
    return false;
  }

  std::size_t released = 0;
  bool ok = false;
  while (released < cand.size() && !ok) {
    s.free.give(s.jobs[cand[released++]].alloc);
    ok = placer_->place(s.free, req, &alloc_, nullptr);
  }
  for (std::size_t i = 0; i < released; ++i) s.free.take(s.jobs[cand[i]].alloc);
  if (!ok) {
    failed_preempts_.push_back({j.spec.types, j.spec.sites, j.spec.gpus});
    return false;
  }
  // Preempt only the victims whose GPUs the new placement uses.
  for (std::size_t i = 0; i < released; ++i) {
    Job& v = s.jobs[cand[i]];
    bool used = std::any_of(v.alloc.begin(), v.alloc.end(), [&](const NodeGpus& a) {
      return std::any_of(alloc_.begin(), alloc_.end(),
                         [&](const NodeGpus& b) { return a.node == b.node && (a.mask & b.mask); });
    });
    if (!used) continue;
    stop(s, v, now, JobPhase::kPending);
    r.preempted.push_back(v.id);
  }
  start(s, j, alloc_, now);
  r.started.push_back(j.id);
  return true;
}

}  // namespace hexa
