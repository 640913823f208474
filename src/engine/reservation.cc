#include "engine/reservation.h"

#include <algorithm>

namespace hexa {

TimeMs latest_end(const Job& j, DurationMs overhead) {
  if (j.spec.time_limit <= 0) return kNever;
  return j.last_start + (j.resumed() ? overhead : 0) + (j.spec.time_limit - j.useful_ms);
}

Reservation plan_reservation(ClusterState& s, const Placer& placer, const Job& head, TimeMs now,
                             const EndOrder& ends) {
  // GPUs free now; the reservation avoids them when it can, to leave them for backfill.
  Allocation free_now;
  for (BlockId b = 0; b < s.topo->blocks().size(); ++b) {
    if (s.free.block_free(b) == 0) continue;
    for (NodeId n : s.topo->block(b).nodes)
      if (s.free.free_mask(n)) free_now.push_back({n, s.free.free_mask(n)});
  }

  Reservation r;
  PlaceRequest req{head.spec.gpus, head.spec.types, head.spec.sites, nullptr, head.spec.prefer};
  // A gang is placed in one pool: until one pool it may use has enough GPUs free, no placement
  // can succeed (the common case when many short jobs end one by one).
  auto could_fit = [&] {
    for (PoolId p = 0; p < s.free.pools().size(); ++p)
      if (s.free.pool_free(p) >= req.gpus && pool_eligible(s.free.pools()[p], req)) return true;
    return false;
  };
  auto released = ends.begin();
  while (released != ends.end()) {
    TimeMs t = released->first;
    for (; released != ends.end() && released->first == t; ++released)  // all jobs ending at t
      s.free.give(s.jobs[released->second].alloc);
    if (could_fit() && placer.place(s.free, req, &r.gpus, nullptr)) {
      r.active = true;
      r.head = head.id;
      r.at = std::max(t, now);
      break;
    }
  }
  if (r.active) {
    Allocation busy_only;
    s.free.take(free_now);
    if (placer.place(s.free, req, &busy_only, nullptr)) r.gpus = std::move(busy_only);
    s.free.give(free_now);
  }
  for (auto it = ends.begin(); it != released; ++it) s.free.take(s.jobs[it->second].alloc);
  if (!r.active) r.gpus.clear();
  return r;
}

void hold(ClusterState& s, Reservation& r) {
  for (const NodeGpus& ng : r.gpus) {
    std::uint64_t m = ng.mask & s.free.free_mask(ng.node);
    if (m == 0) continue;
    s.free.take(ng.node, m);
    r.held.push_back({ng.node, m});
  }
}

void unhold(ClusterState& s, Reservation& r) {
  s.free.give(r.held);
  r.held.clear();
}

}  // namespace hexa
