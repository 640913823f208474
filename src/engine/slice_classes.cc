// Full slice classes (Scheduler::SliceClass): a pass does not look at slice jobs that cannot
// start. With the labs oversubscribed, thousands of sessions wait; looking at each of them in
// every pass (its quota, a placement, the reserved GPUs, a preemption) was most of a run.
#include <algorithm>
#include <bit>

#include "engine/scheduler.h"

namespace hexa {

std::uint32_t Scheduler::slice_class(const Job& j) {
  // A deferrable job may wait on the carbon, not on the room: it is looked at every time.
  if (!j.spec.slice || j.spec.deferrable) return 0;
  for (std::uint32_t c = 1; c < classes_.size(); ++c)
    if (classes_[c].slice == j.spec.slice && classes_[c].sites == j.spec.sites && classes_[c].types == j.spec.types)
      return c;
  classes_.push_back({j.spec.slice, j.spec.sites, j.spec.types, {}});
  return static_cast<std::uint32_t>(classes_.size() - 1);
}

// Whether no job of class c can start now, by any route consider() has: a free slot (in a pool
// it may use), preemption or reclaim (anything preemptible or borrowed there), a reserved GPU
// (an open window's, for its tenant's jobs, or a later window's, for jobs that end before it).
// Quotas only narrow the pools a job may use, so they cannot make a full class start.
bool Scheduler::class_full(const ClusterState& s, std::uint32_t c, TimeMs now) const {
  const SliceClass& cls = classes_[c];
  PlaceRequest req{1, cls.types, cls.sites};
  req.slice = cls.slice;
  const SliceIndex& si = s.free.slices();
  for (PoolId p = 0; p < s.free.pools().size(); ++p) {
    if (!pool_eligible(s.free.pools()[p], req)) continue;
    if (si.fitting(p, cls.slice) > 0 || victim_gpus_[p] > 0 || borrowed_gpus_[p] > 0) return false;
  }
  const TimeMs soonest_end = cls.left.empty() ? kNever : now + *cls.left.begin();
  for (std::size_t i : live_) {
    const AdvanceReservation& res = book_.all()[i];
    if (res.held.empty() || !res.could_serve(cls.sites, cls.types, cls.slice)) continue;
    const bool open = res.active(now) && res.tenant != kNoTenant;
    if (!open && res.from < soonest_end) continue;  // no job of the class ends before it begins
    for (const NodeGpus& g : res.held) {
      if (!s.topo->node(g.node).sliced) continue;
      for (std::uint64_t m = g.mask; m; m &= m - 1)
        if (si.first_start(cls.slice, si.used(si.gpu_of(g.node, std::countr_zero(m)))) >= 0) return false;
    }
  }
  return true;
}

void Scheduler::mark_full_classes(const ClusterState& s, TimeMs now) {
  victim_gpus_.resize(s.free.pools().size(), 0);
  borrowed_gpus_.resize(s.free.pools().size(), 0);
  full_.assign(classes_.size(), 0);
  seen_.assign(classes_.size(), 0);
  // Strict order stops at the first job that waits: a skipped one could be that job.
  if (policy_->skip() == Skip::kStrict || !opt_.skip_full_classes) return;
  for (std::uint32_t c = 1; c < classes_.size(); ++c) {
    full_[c] = class_full(s, c, now);
    seen_[c] = starts_ + 1;
  }
}

// After a job of j's class could not start: the class may have filled up in this pass. Worked
// out again only when something started since the last look (nothing else fills it).
void Scheduler::recheck_class(const ClusterState& s, const Job& j, TimeMs now) {
  if (!queue_.contains(j.id) || policy_->skip() == Skip::kStrict || !opt_.skip_full_classes) return;
  const std::uint32_t c = queue_.class_of(j.id);
  if (c == 0 || c >= full_.size() || seen_[c] == starts_ + 1) return;
  full_[c] = class_full(s, c, now);
  seen_[c] = starts_ + 1;
}

void Scheduler::count_freeable(const ClusterState& s, const Job& j, long sign) {
  victim_gpus_.resize(s.free.pools().size(), 0);
  borrowed_gpus_.resize(s.free.pools().size(), 0);
  const PoolId p = s.free.pool_of_block(s.topo->node(j.alloc.front().node).block);
  if (j.spec.preemptible) victim_gpus_[p] += sign * j.spec.gpus;
  if (j.borrowed_from != kNoTenant) borrowed_gpus_[p] += sign * j.spec.gpus;
}

}  // namespace hexa
