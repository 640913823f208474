// Preemption: a waiting job that outranks running preemptible work takes its GPUs; a job within
// its tenant's guarantee reclaims GPUs that other tenants borrowed. Only the victims whose GPUs
// the new placement uses are preempted, the lowest ranked first.
#include <algorithm>

#include "engine/quota.h"
#include "engine/scheduler.h"

namespace hexa {

bool Scheduler::outranks(const ClusterState& s, const Job& j, const Victim& v, TimeMs now) const {
  if (j.spec.priority != v.priority) return j.spec.priority > v.priority;
  return policy_->preemptive() && policy_->key(s, j, now).level < v.key.level;
}

void Scheduler::add_victim(const ClusterState& s, const Job& j, TimeMs now) {
  if (!j.spec.preemptible || policy_->running_keys_drift()) return;
  if (victim_key_.size() <= j.id) victim_key_.resize(j.id + 1);
  victim_key_[j.id] = policy_->key(s, j, now);
  victims_.insert({j.spec.priority, victim_key_[j.id], j.id});
}

void Scheduler::remove_victim(const Job& j) {
  if (!j.spec.preemptible || policy_->running_keys_drift()) return;
  victims_.erase({j.spec.priority, victim_key_[j.id], j.id});
}

// Brings victims_ up to date at the start of a pass: re-files jobs whose key changed, or
// rebuilds it for policies whose running keys drift (only when preemption is possible).
void Scheduler::refresh_victims(const ClusterState& s, TimeMs now) {
  victims_fresh_ = false;
  changed_.clear();
  policy_->changed_running_keys(s, now, &changed_);
  for (JobId id : changed_) {
    remove_victim(s.jobs[id]);
    add_victim(s, s.jobs[id], now);
  }
}

// A sorted vector, not the set: rebuilt in every pass that preempts, it was most of an srtf
// run as tree nodes allocated and freed. Victim's order is total (the id breaks ties), so the
// order is the set's.
void Scheduler::rebuild_drifting_victims(const ClusterState& s, TimeMs now) {
  if (!policy_->running_keys_drift() || victims_fresh_) return;
  drifting_.clear();
  for (JobId id : s.running)
    if (s.jobs[id].spec.preemptible) drifting_.push_back({s.jobs[id].spec.priority, policy_->key(s, s.jobs[id], now), id});
  std::sort(drifting_.begin(), drifting_.end());
  victims_fresh_ = true;
}

// The victims in order, first preempted first: f(v) returns true to stop.
template <typename F>
void Scheduler::each_victim(F&& f) const {
  if (policy_->running_keys_drift()) {
    for (const Victim& v : drifting_)
      if (f(v)) return;
  } else {
    for (const Victim& v : victims_)
      if (f(v)) return;
  }
}

bool Scheduler::can_preempt_now(const ClusterState& s, const Job& j, TimeMs now) {
  if (!policy_->preemptive() && !priorities_vary_) return false;
  rebuild_drifting_victims(s, now);
  bool can = false;
  each_victim([&](const Victim& v) {  // with drifting keys, this pass's victims are still listed
    if (s.jobs[v.id].phase != JobPhase::kRunning) return false;
    can = outranks(s, j, v, now);
    return true;
  });
  return can;
}

bool Scheduler::try_preempt(ClusterState& s, Job& j, const PlaceRequest& req, TimeMs now, PassResult& r) {
  if (refused_now(j)) return false;  // admission refused it in this pass: parked once is enough
  if (!policy_->preemptive() && !priorities_vary_) return false;
  // A request no smaller than one that already failed in this pass, with a subset of its
  // victims (it ranks lower), fails too, but only while both are one-node gangs or both are
  // not in every pool it may use: a gang of one node's GPUs or fewer that found no node to
  // free can be smaller than a gang that spans nodes and fits (differential test seed 29).
  auto same_shape = [&](int a, int b) {
    for (const PoolInfo& p : s.free.pools())
      if (pool_eligible(p, req) && (a <= p.max_node) != (b <= p.max_node)) return false;
    return true;
  };
  for (const Failed& f : failed_preempts_)
    if (f.types == req.types && f.sites == req.sites && req.gpus >= f.gpus && f.slice == req.slice &&
        same_shape(f.gpus, req.gpus))
      return false;
  rebuild_drifting_victims(s, now);

  // Victims this job outranks, in a pool it may use; and whether they could make room at all.
  std::vector<JobId> cand;
  long room = 0, preemptible = 0;
  for (PoolId p = 0; p < s.free.pools().size(); ++p)
    if (pool_eligible(s.free.pools()[p], req)) room += s.free.pool_free(p), preemptible += victim_gpus_[p];
  // Nothing preemptible where it may run (a lab of sessions): no need to walk every victim.
  if (room + preemptible < req.gpus || preemptible == 0) {
    failed_preempts_.push_back({req.types, req.sites, req.gpus, req.slice});
    return false;
  }
  each_victim([&](const Victim& v) {
    if (!outranks(s, j, v, now)) return true;
    const Job& vj = s.jobs[v.id];
    if (vj.phase != JobPhase::kRunning || vj.last_start == now) return false;  // started in this very pass
    if (now - vj.last_start < opt_.exempt()) {  // not yet: look again when its exemption ends
      exempt_until_ = std::min(exempt_until_, vj.last_start + opt_.exempt());
      return false;
    }
    const PoolInfo& pool = s.free.pools()[s.free.pool_of_block(s.topo->node(vj.alloc[0].node).block)];
    if (!pool_eligible(pool, req)) return false;
    cand.push_back(v.id);
    room += vj.spec.gpus;
    return false;
  });
  if (room >= req.gpus && evict(s, j, req, cand, now, r)) return true;
  if (!refused_now(j)) failed_preempts_.push_back({req.types, req.sites, req.gpus, req.slice});  // no room at all
  return false;
}

bool Scheduler::try_reclaim(ClusterState& s, Job& j, const PlaceRequest& req, TimeMs now, PassResult& r) {
  if (refused_now(j)) return false;  // as in try_preempt
  if (borrowed_.empty() || !within_guarantee(s, j, req.types ? req.types : ~TypeMask{0})) return false;
  std::vector<JobId> cand;
  for (auto it = borrowed_.rbegin(); it != borrowed_.rend(); ++it) {  // the latest arrivals first
    const Job& v = s.jobs[*it];
    if (in_subtree(s, j.spec.tenant, v.borrowed_from)) continue;  // borrowed from j's own share
    // Not one started in this very pass (its start and preemption would cross in the effects),
    // nor one still exempt.
    if (v.last_start == now || now - v.last_start < opt_.exempt()) continue;
    const PoolInfo& pool = s.free.pools()[s.free.pool_of_block(s.topo->node(v.alloc[0].node).block)];
    if (pool_eligible(pool, req)) cand.push_back(*it);
  }
  return evict(s, j, req, cand, now, r);
}

bool Scheduler::evict(ClusterState& s, Job& j, const PlaceRequest& req, const std::vector<JobId>& all_cand,
                      TimeMs now, PassResult& r) {
  std::vector<JobId> cand;
  for (JobId id : all_cand)
    if (may_evict(s, j, s.jobs[id])) cand.push_back(id);
  // What a victim frees on a node that takes no work (draining) stays out of the index when it
  // stops (stop(): take_offline): it is not offered to the placement, which would otherwise
  // start j on GPUs held offline and corrupt the index.
  auto freeable = [&](JobId id) {
    Allocation a;
    for (const NodeGpus& g : s.jobs[id].alloc)
      if (s.nodes[g.node].takes_work()) a.push_back(g);
    return a;
  };
  std::size_t released = 0;
  bool ok = false;
  while (released < cand.size() && !ok) {
    s.free.give(freeable(cand[released++]));
    ok = placer_->place(s.free, req, &alloc_, nullptr);
  }
  for (std::size_t i = 0; i < released; ++i) s.free.take(freeable(cand[i]));
  if (!ok || !admitted(s, j, alloc_, now)) return false;
  // Preempt only the candidates whose GPUs the new placement uses.
  for (std::size_t i = 0; i < released; ++i) {
    Job& v = s.jobs[cand[i]];
    bool used = std::any_of(v.alloc.begin(), v.alloc.end(), [&](const NodeGpus& a) {
      return std::any_of(alloc_.begin(), alloc_.end(), [&](const NodeGpus& b) { return overlaps(a, b); });
    });
    if (!used) continue;
    stop(s, v, now, JobPhase::kPending, /*requeue=*/false);
    requeue_.push_back(v.id);
    r.preempted.push_back(v.id);
  }
  start(s, j, alloc_, now);
  r.started.push_back(j.id);
  return true;
}

}  // namespace hexa
