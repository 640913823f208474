#include "engine/start_estimate.h"

#include <algorithm>
#include <map>

#include "engine/quota.h"

namespace hexa {

std::string note_text(EstimateNote n, std::string_view policy) {
  switch (n) {
    case EstimateNote::kReservation: return "backfill reservation";
    case EstimateNote::kLimits: return "when running jobs reach their time limits";
    case EstimateNote::kDeferred: return "deferred to a lower-carbon hour";
    case EstimateNote::kNotLooked: return "unknown: not looked at by a scheduling pass yet";
    case EstimateNote::kCredits: return "unknown: waiting for credits";
    case EstimateNote::kBudget: return "unknown: waiting for its budget";
    case EstimateNote::kQuota: return "unknown: waiting for a quota";
    case EstimateNote::kNeverFits: return "unknown: no node that takes work can hold it";
    case EstimateNote::kNoLimit: return "unknown: waits for running jobs without a time limit";
    case EstimateNote::kBlocked: return "unknown: behind a job that has no estimate (fifo)";
    case EstimateNote::kPolicy:
      return "unknown: the " + std::string(policy) + " policy cannot promise a start (it reorders the queue as jobs run)";
    case EstimateNote::kSlice: return "unknown: slice jobs are not estimated";
    case EstimateNote::kTooDeep:
      return "unknown: more than " + std::to_string(StartEstimates::kMaxSimulated) + " jobs ahead of it";
  }
  return "unknown";
}

StartEstimate StartEstimates::of(const Job& j) const {
  if (auto it = by_job_.find(j.id); it != by_job_.end()) return it->second;
  // Not queued when the walk ran: held back by admission (out of the queue), or newer.
  if (j.wait.kind == WaitKind::kAdmission)
    return {kNever, j.admission_why.starts_with("budget:") ? EstimateNote::kBudget : EstimateNote::kCredits};
  if (j.wait.kind == WaitKind::kQuota) return {kNever, EstimateNote::kQuota};
  return {kNever, EstimateNote::kNotLooked};
}

namespace {

// The shadow-time walk: a copy of the free index, moved forward in time as running jobs (and
// the queued jobs the walk has started) reach their time limits.
class Shadow {
 public:
  Shadow(const ClusterState& s, const Scheduler& sched, TimeMs now)
      : s_(s), placer_(sched.placer()), free_(s.free), t_(now) {
    const DurationMs overhead = sched.options().restart_overhead;
    for (JobId id : s.running) {
      const Job& j = s.jobs[id];
      if (j.spec.slice) continue;  // on sliced GPUs, apart from whole-GPU jobs
      if (TimeMs end = latest_end(j, overhead); end != kNever)
        ends_.emplace(std::max(end, now), j.alloc);
      else
        no_limit_ = true;
    }
    for (const AdvanceReservation& r : sched.reservations().all())
      if (r.whole && r.to > now) {
        windows_.push_back(&r);
        ends_.emplace(r.to, Allocation{});  // its GPUs are free for all again: a time to look
      }
    free_downtimes(now);
    // What a job could ever get: the whole GPUs of nodes that take work, per pool.
    const Topology& topo = *s.topo;
    up_.assign(free_.pools().size(), 0);
    for (PoolId p = 0; p < up_.size(); ++p)
      for (BlockId b : free_.pools()[p].blocks)
        for (NodeId n : topo.block(b).nodes)
          if (s.nodes[n].takes_work()) up_[p] += topo.node(n).gpus;
  }

  bool no_limit() const { return no_limit_; }

  // Downtimes on now keep their GPUs out of the index (Scheduler::keep_down) until their
  // window ends: then they are free again. A GPU is out (not free, and no running job's), and
  // comes back, once: when two downtimes share it, at the later end.
  void free_downtimes(TimeMs now) {
    const Topology& topo = *s_.topo;
    std::vector<std::uint64_t> out(topo.nodes().size(), 0);
    for (NodeId n = 0; n < out.size(); ++n)
      if (!topo.node(n).sliced && s_.nodes[n].takes_work())
        out[n] = ~free_.free_mask(n) & (topo.node(n).gpus >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << topo.node(n).gpus) - 1);
    for (JobId id : s_.running)
      for (const NodeGpus& g : s_.jobs[id].alloc) out[g.node] &= ~g.mask;
    std::vector<const AdvanceReservation*> down;
    for (const AdvanceReservation* r : windows_)
      if (r->tenant == kNoTenant && r->active(now)) down.push_back(r);
    std::sort(down.begin(), down.end(), [](auto* a, auto* b) { return a->to > b->to; });
    for (const AdvanceReservation* r : down)
      for (const NodeGpus& g : r->gpus)
        if (std::uint64_t m = g.mask & out[g.node]) {
          out[g.node] &= ~m;
          ends_.emplace(r->to, Allocation{{g.node, m}});
        }
  }

  bool could_ever_fit(const PlaceRequest& req) const {
    for (PoolId p = 0; p < up_.size(); ++p)
      if (up_[p] >= req.gpus && pool_eligible(free_.pools()[p], req)) return true;
    return false;
  }

  // The earliest time, from the walk's clock on, at which the job fits; it then holds its GPUs
  // for `run` (0: for ever). kNever: what the running jobs with a limit free is not enough.
  TimeMs fit(const Job& j, const PlaceRequest& req, DurationMs run) {
    for (;;) {
      release_due();
      const TimeMs until = run > 0 ? t_ + run : kNever;
      if (try_place(j.spec.tenant, req, until)) {
        free_.take(alloc_);
        if (until != kNever) ends_.emplace(until, alloc_);
        return t_;
      }
      if (ends_.empty()) return kNever;
      t_ = ends_.begin()->first;
    }
  }

 private:
  // Gives back the GPUs of every job that ends by now; a node that takes no work keeps them.
  void release_due() {
    for (auto it = ends_.begin(); it != ends_.end() && it->first <= t_; it = ends_.erase(it))
      for (const NodeGpus& g : it->second)
        if (s_.nodes[g.node].takes_work()) free_.give(g.node, g.mask);
  }

  // Places the request with the GPUs of others' reservations and downtimes whose window meets
  // [t_, until) kept out; the tenant's own reservations (or its ancestors') stay usable.
  bool try_place(TenantId tenant, const PlaceRequest& req, TimeMs until) {
    kept_.clear();
    for (const AdvanceReservation* r : windows_) {
      if (r->to <= t_ || r->from >= until) continue;
      if (r->tenant != kNoTenant && in_subtree(s_, tenant, r->tenant)) continue;
      for (const NodeGpus& g : r->gpus)
        if (std::uint64_t m = g.mask & free_.free_mask(g.node)) {
          free_.take(g.node, m);
          kept_.push_back({g.node, m});
        }
    }
    bool ok = could_fit_now(req) && placer_.place(free_, req, &alloc_, nullptr);
    for (const NodeGpus& g : kept_) free_.give(g.node, g.mask);
    return ok;
  }

  // A gang goes to one pool: until one it may use has enough free, no placement can succeed.
  bool could_fit_now(const PlaceRequest& req) const {
    for (PoolId p = 0; p < free_.pools().size(); ++p)
      if (free_.pool_free(p) >= req.gpus && pool_eligible(free_.pools()[p], req)) return true;
    return false;
  }

  const ClusterState& s_;
  const Placer& placer_;
  FreeIndex free_;
  TimeMs t_;
  std::multimap<TimeMs, Allocation> ends_;  // GPUs freed at a time limit
  bool no_limit_ = false;                   // some running whole-GPU job has no time limit
  std::vector<const AdvanceReservation*> windows_;
  std::vector<long> up_;
  Allocation alloc_, kept_;
};

// What the job's time limit leaves it to run once started, a restart's overhead included.
DurationMs run_left(const Job& j, DurationMs overhead) {
  if (j.spec.time_limit <= 0) return 0;
  return std::max<DurationMs>(1, (j.resumed() ? overhead : 0) + j.spec.time_limit - j.useful_ms);
}

}  // namespace

StartEstimates estimate_starts(const ClusterState& s, const Scheduler& sched, TimeMs now) {
  StartEstimates out;
  out.pass_ = sched.passes();
  out.policy_ = std::string(sched.policy().name());
  std::vector<JobId> order;
  sched.queued_in_order(&order);
  out.by_job_.reserve(order.size());
  const Reservation& res = sched.reservation();
  const bool is_head_of = res.active;
  // fifo and backfill keep arrival order within a priority; the others reorder (fair ranks
  // tenants by usage every pass) or preempt, so only a reservation's head gets a time.
  if (out.policy_ != "fifo" && out.policy_ != "backfill") {
    for (JobId id : order)
      out.by_job_[id] = is_head_of && res.head == id ? StartEstimate{res.at, EstimateNote::kReservation}
                                                     : StartEstimate{kNever, EstimateNote::kPolicy};
    return out;
  }
  Shadow shadow(s, sched, now);
  const bool strict = sched.policy().skip() == Skip::kStrict;
  const DurationMs overhead = sched.options().restart_overhead;
  std::size_t simulated = 0;
  bool blocked = false;
  for (JobId id : order) {
    const Job& j = s.jobs[id];
    StartEstimate& e = out.by_job_[id];
    const WaitReason w = sched.wait_of(j);
    PlaceRequest req{j.spec.gpus, j.spec.types, j.spec.sites, nullptr, j.spec.prefer};
    if (j.spec.slice) {
      e.note = EstimateNote::kSlice;
    } else if (w.kind == WaitKind::kQuota) {  // holds up no one behind it
      e.note = EstimateNote::kQuota;
    } else if (w.kind == WaitKind::kDeferred) {
      e = {w.at, EstimateNote::kDeferred};
    } else if (blocked) {
      e.note = EstimateNote::kBlocked;
    } else if (simulated++ >= StartEstimates::kMaxSimulated) {
      e.note = EstimateNote::kTooDeep;
    } else if (!shadow.could_ever_fit(req)) {
      e.note = EstimateNote::kNeverFits;
    } else if (TimeMs at = shadow.fit(j, req, run_left(j, overhead)); at == kNever) {
      e.note = shadow.no_limit() ? EstimateNote::kNoLimit : EstimateNote::kNeverFits;
      blocked = strict;  // fifo: nothing behind it starts either
    } else if (is_head_of && res.head == id && at <= res.at) {
      // What the scheduler holds GPUs for. It plans from time limits alone: where windows or
      // nodes that take no work push the walk later, the walk's time is the better one.
      e = {res.at, EstimateNote::kReservation};
    } else {
      e = {at, EstimateNote::kLimits};
    }
  }
  return out;
}

}  // namespace hexa
