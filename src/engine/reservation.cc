#include "engine/reservation.h"

#include <algorithm>

namespace hexa {

TimeMs latest_end(const Job& j, DurationMs overhead) {
  if (j.spec.time_limit <= 0) return kNever;
  return j.last_start + (j.resumed() ? overhead : 0) + (j.spec.time_limit - j.useful_ms);
}

Reservation plan_reservation(ClusterState& s, const Placer& placer, const Job& head, TimeMs now,
                             DurationMs overhead) {
  std::vector<std::pair<TimeMs, JobId>> ends;
  for (JobId id : s.running) {
    const Job& j = s.jobs[id];
    if (j.phase == JobPhase::kRunning && latest_end(j, overhead) != kNever) ends.push_back({latest_end(j, overhead), id});
  }
  std::sort(ends.begin(), ends.end());

  // GPUs free now; the reservation avoids them when it can, to leave them for backfill.
  Allocation free_now;
  for (BlockId b = 0; b < s.topo->blocks().size(); ++b) {
    if (s.free.block_free(b) == 0) continue;
    for (NodeId n : s.topo->block(b).nodes)
      if (s.free.free_mask(n)) free_now.push_back({n, s.free.free_mask(n)});
  }

  Reservation r;
  PlaceRequest req{head.spec.gpus, head.spec.types, head.spec.sites};
  std::size_t released = 0;
  while (released < ends.size()) {
    TimeMs t = ends[released].first;
    while (released < ends.size() && ends[released].first == t)  // all jobs ending at t
      s.free.give(s.jobs[ends[released++].second].alloc);
    if (placer.place(s.free, req, &r.gpus, nullptr)) {
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
  for (std::size_t i = 0; i < released; ++i) s.free.take(s.jobs[ends[i].second].alloc);
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
