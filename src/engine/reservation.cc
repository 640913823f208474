#include "engine/reservation.h"

#include <algorithm>

namespace hexa {

TimeMs latest_end(const Job& j, DurationMs overhead) {
  if (j.spec.time_limit <= 0) return kNever;
  return j.last_start + (j.resumed() ? overhead : 0) + (j.spec.time_limit - j.useful_ms);
}

EndGpus end_gpus(const FreeIndex& f, const Allocation& a) {
  if (a.size() != 1) return {};
  return {a.front().node, f.pool_of_block(f.topology().node(a.front().node).block), a.front().mask};
}

Reservation plan_reservation(ClusterState& s, const Placer& placer, const Job& head, TimeMs now,
                             const EndOrder& ends, Allocation* free_now_out) {
  Reservation r;
  PlaceRequest req{head.spec.gpus, head.spec.types, head.spec.sites, nullptr, head.spec.prefer};
  // A placement reads only the pools the request may use (Placer): GPUs free or freed
  // anywhere else change no answer, so they are neither listed, nor given back and taken again
  // (most running jobs of a big cluster are in pools a given head cannot use).
  std::vector<char> eligible(s.free.pools().size());
  for (PoolId p = 0; p < eligible.size(); ++p) eligible[p] = pool_eligible(s.free.pools()[p], req);
  auto touches = [&](const Allocation& a) {
    for (const NodeGpus& ng : a)
      if (eligible[s.free.pool_of_block(s.topo->node(ng.node).block)]) return true;
    return false;
  };

  // GPUs free now; the reservation avoids them when it can, to leave them for backfill.
  Allocation own;
  Allocation& free_now = free_now_out ? *free_now_out : own;
  free_now.clear();
  for (BlockId b = 0; b < s.topo->blocks().size(); ++b) {
    if (s.free.block_free(b) == 0 || !eligible[s.free.pool_of_block(b)]) continue;
    s.free.for_each_free_node(b, [&](NodeId n) { free_now.push_back({n, s.free.free_mask(n)}); });
  }

  // A gang is placed in one pool: until one pool it may use has enough GPUs free, no placement
  // can succeed (the common case when many short jobs end one by one).
  auto could_fit = [&] {
    for (PoolId p = 0; p < s.free.pools().size(); ++p)
      if (eligible[p] && s.free.pool_free(p) >= req.gpus) return true;
    return false;
  };
  // Everything given (and free_now taken) below is undone at the end by one restore. Whole
  // GPUs only, all a checkpoint covers: `ends` holds no slice job (Scheduler::start).
  thread_local FreeIndex::Checkpoint undo;
  s.free.checkpoint(&undo);
  auto give = [&](const Allocation& a) {
    for (const NodeGpus& ng : a) s.free.note(&undo, ng.node);
    s.free.give(a);
  };
  auto released = ends.begin();
  bool tried = false;
  while (released != ends.end()) {
    TimeMs t = released->first.first;
    bool more = false;
    for (; released != ends.end() && released->first.first == t; ++released) {  // all jobs ending at t
      const EndGpus& g = released->second;
      if (g.node != EndGpus::kManyNodes) {
        if (!eligible[g.pool]) continue;
        s.free.note(&undo, g.node);
        s.free.give(g.node, g.mask);
      } else if (const Allocation& a = s.jobs[released->first.second].alloc; touches(a)) {
        give(a);
      } else {
        continue;
      }
      more = true;
    }
    // Nothing the head could use came free at t: the same answer as the last try, a failure.
    // The first time is tried whatever ends there: the head may fit before any end.
    if (tried && !more) continue;
    tried = true;
    if (could_fit() && placer.place(s.free, req, &r.gpus, nullptr)) {
      r.active = true;
      r.head = head.id;
      r.at = std::max(t, now);
      break;
    }
  }
  if (r.active) {
    Allocation busy_only;
    for (const NodeGpus& ng : free_now) s.free.note(&undo, ng.node);
    s.free.take(free_now);
    if (placer.place(s.free, req, &busy_only, nullptr)) r.gpus = std::move(busy_only);
  }
  s.free.restore(undo);
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
