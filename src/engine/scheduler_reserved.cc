// The scheduler's side of advance reservations (engine/advance_reservations.h) and of
// carbon-aware deferral: both decide when a job may use which GPUs, by time.
#include <algorithm>
#include <bit>
#include <unordered_map>

#include "engine/quota.h"
#include "engine/scheduler.h"

namespace hexa {
namespace {

// Whether tenant t is `owner` or below it (a cohort's learners use the cohort's workshop).
bool within(const ClusterState& s, TenantId t, TenantId owner) { return in_subtree(s, t, owner); }

// Takes the reservation's GPUs that can be held now out of placement: whole GPUs that are free
// (what a GPU shared with an earlier window holds, or a job uses, stays where it is), sliced
// GPUs that no earlier window set aside, with whatever slices run on them.
void hold_free(ClusterState& s, AdvanceReservation& res) {
  res.held.clear();
  res.held_count = 0;
  for (const NodeGpus& g : res.gpus) {
    std::uint64_t m = g.mask & s.free.holdable(g.node);
    if (m == 0) continue;
    res.held.push_back({g.node, m});
    res.held_count += std::popcount(m);
  }
  s.free.hold(res.held);
}

bool eligible(const AdvanceReservation& r, const PlaceRequest& req) {
  return r.could_serve(req.sites, req.types, req.slice);
}

// Among the reservation's held sliced GPUs, one with room for the profile that keeps fewer
// compute units free than *best_left (best fit), at its lowest start; true when it found one
// (then *out and *best_left are its). Start *best_left at kSliceCompute + 1.
bool fit_slice(const SliceIndex& si, const AdvanceReservation& res, int slice, NodeGpus* out, int* best_left) {
  bool found = false;
  for (const NodeGpus& g : res.held) {
    if (!si.topology().node(g.node).sliced) continue;  // a downtime may hold whole GPUs too
    for (std::uint64_t m = g.mask; m; m &= m - 1) {
      const int i = std::countr_zero(m);
      const SlotMask used = si.used(si.gpu_of(g.node, i));
      const int at = si.first_start(slice, used);
      if (at < 0) continue;
      const auto slots = si.topology().slice_profile(slice).slots_at(at);
      const int left = free_units_of(static_cast<SlotMask>(used | slots));
      if (left >= *best_left) continue;
      *best_left = left;
      *out = {g.node, std::uint64_t{1} << i, slots, static_cast<std::uint8_t>(slice)};
      found = true;
    }
  }
  return found;
}

}  // namespace

void Scheduler::begin_windows(ClusterState& s, TimeMs now, PassResult& r) {
  live_.clear();
  std::unordered_map<NodeId, std::uint64_t> begun;  // GPUs of windows beginning now
  auto& all = book_.all();
  for (std::size_t i = 0; i < all.size(); ++i) {
    AdvanceReservation& res = all[i];
    if (res.to <= now) continue;
    live_.push_back(i);
    if (res.begun || res.from > now) continue;
    res.begun = true;
    for (const NodeGpus& g : res.gpus) begun[g.node] |= g.mask;
  }
  // By window start, so that a GPU reserved by several windows is held by the earliest: the
  // active one, or the next one. Short work let onto a later window then never reaches into an
  // earlier one (try_before_windows).
  std::stable_sort(live_.begin(), live_.end(), [&](std::size_t a, std::size_t b) { return all[a].from < all[b].from; });
  if (begun.empty()) return;
  // Whatever runs there and is not the reservation's own work leaves: work started before the
  // reservation was made, or without a time limit. Preempted like any other (it checkpoints).
  std::vector<JobId> out;
  for (JobId id : s.running) {
    const Job& j = s.jobs[id];
    for (const NodeGpus& g : j.alloc) {
      auto it = begun.find(g.node);
      std::uint64_t foreign = it == begun.end() ? 0 : it->second & g.mask;
      for (std::size_t k : live_) {  // less what active reservations of its own tenant hold
        const AdvanceReservation& res = all[k];
        if (foreign == 0) break;
        if (!res.active(now) || res.tenant == kNoTenant || !within(s, j.spec.tenant, res.tenant)) continue;
        for (const NodeGpus& rg : res.gpus)
          if (rg.node == g.node) foreign &= ~rg.mask;
      }
      if (foreign == 0) continue;
      out.push_back(id);
      break;
    }
  }
  std::sort(out.begin(), out.end());  // running is in no particular order; effects must be
  for (JobId id : out) {
    stop(s, s.jobs[id], now, JobPhase::kPending, /*requeue=*/false);
    requeue_.push_back(id);
    r.preempted.push_back(id);
  }
}

void Scheduler::keep_down(ClusterState& s, TimeMs now) {
  std::vector<std::size_t> on;
  for (std::size_t i : live_)
    if (!held_by_pass(book_.all()[i], now)) on.push_back(i);
  if (on == down_on_ && !down_dirty_) return;
  down_dirty_ = false;
  s.free.release(down_);
  down_.clear();
  for (std::size_t i : on) {
    AdvanceReservation& res = book_.all()[i];
    res.held_count = 0;
    for (const NodeGpus& g : res.gpus) {
      std::uint64_t m = g.mask & s.free.holdable(g.node);
      res.held_count += std::popcount(g.mask);  // for the wait reason: all of it is out
      if (m == 0) continue;
      Allocation one{{g.node, m}};
      s.free.hold(one);  // one node at a time: two downtimes may share a node
      down_.push_back(one.front());
    }
  }
  down_on_ = std::move(on);
  for (NodeId n = 0; n < s.nodes.size(); ++n)  // what came back from downtimes on a node that is out
    if (!s.nodes[n].takes_work()) take_offline(s, n);
}

void Scheduler::set_node(ClusterState& s, NodeId n, NodeStatus st) {
  const bool before = s.nodes[n].takes_work();
  s.nodes[n] = st;
  if (before == st.takes_work()) return;
  if (st.takes_work())
    put_online(s, n);
  else
    take_offline(s, n);
}

void Scheduler::take_offline(ClusterState& s, NodeId n) {
  if (offline_.size() < s.nodes.size()) offline_.resize(s.nodes.size(), 0);
  const std::uint64_t m = s.free.holdable(n);
  if (m == 0) return;
  s.free.hold({{n, m}});
  offline_[n] |= m;
}

void Scheduler::put_online(ClusterState& s, NodeId n) {
  if (n < offline_.size() && offline_[n] != 0) {
    s.free.release({{n, offline_[n]}});
    offline_[n] = 0;
  }
  // A downtime on now may cover the node: its GPUs were not holdable while the node was out.
  down_dirty_ = true;
}

void Scheduler::hold_reserved(ClusterState& s, TimeMs now) {
  held_[0] = held_[1] = 0;
  slice_miss_.clear();
  whole_miss_.clear();
  open_.clear();
  keep_down(s, now);
  for (std::size_t i : live_) {  // by window start: see begin_windows
    AdvanceReservation& res = book_.all()[i];
    if (!held_by_pass(res, now)) continue;
    hold_free(s, res);
    count_held(res, +1);
    if (!res.active(now) || res.tenant == kNoTenant) continue;
    open_.push_back(i);
    if (open_owner_.size() <= res.tenant) open_owner_.resize(res.tenant + 1, 0);
    open_owner_[res.tenant] = 1;
  }
}

bool Scheduler::owns_open(const ClusterState& s, TenantId t) const {
  for (; t != kNoTenant; t = s.tenants[t].parent)
    if (t < open_owner_.size() && open_owner_[t]) return true;
  return false;
}

void Scheduler::unhold_reserved(ClusterState& s) {
  for (std::size_t i : live_) {
    AdvanceReservation& res = book_.all()[i];
    if (!held_by_pass(res, pass_time_)) continue;
    s.free.release(res.held);
    res.held.clear();
    res.held_count = 0;
  }
  held_[0] = held_[1] = 0;
  for (std::size_t i : open_) open_owner_[book_.all()[i].tenant] = 0;
  open_.clear();
}

bool Scheduler::try_reserved(ClusterState& s, Job& j, const PlaceRequest& req, TimeMs now, PassResult& r) {
  // Most waiting jobs belong to no tenant with an open window: one walk up the tree, not one
  // subtree test per window (25,000 start-ups and their queues at ten times France).
  if (!owns_open(s, j.spec.tenant)) return false;
  for (std::size_t i : open_) {  // active now, of a tenant
    AdvanceReservation& res = book_.all()[i];
    if (res.held_count < j.spec.gpus || !eligible(res, req) || !within(s, j.spec.tenant, res.tenant)) continue;
    if (!req.slice)
      reserved_gpus(s, res, j.spec.gpus);
    else if (!reserved_slice(s, res, req.slice))
      continue;
    if (!admitted(s, j, alloc_, now)) {
      if (!req.slice) s.free.hold(alloc_);
      return false;
    }
    if (!req.slice) {
      for (const NodeGpus& a : alloc_)
        for (NodeGpus& h : res.held)
          if (h.node == a.node) h.mask &= ~a.mask;
      count_held(res, -1);
      res.held_count -= j.spec.gpus;
      count_held(res, +1);
    }
    start(s, j, alloc_, now);  // a slice on a GPU the reservation keeps aside: it stays aside
    j.reservation = static_cast<int>(i);
    r.started.push_back(j.id);
    return true;
  }
  return false;
}

void Scheduler::reserved_gpus(ClusterState& s, const AdvanceReservation& res, int gpus) {
  // The fullest nodes first: a gang stays on as few nodes as the reservation allows.
  Allocation held = res.held;
  std::stable_sort(held.begin(), held.end(),
                   [](const NodeGpus& a, const NodeGpus& b) { return std::popcount(a.mask) > std::popcount(b.mask); });
  alloc_.clear();
  int need = gpus;
  for (const NodeGpus& g : held) {
    std::uint64_t m = 0;
    for (std::uint64_t left = g.mask; need > 0 && left; --need) {
      std::uint64_t b = left & (~left + 1);
      m |= b;
      left &= ~b;
    }
    if (m) alloc_.push_back({g.node, m});
    if (need == 0) break;
  }
  s.free.release(alloc_);  // out of the reservation's hold, so that start() takes them
}

bool Scheduler::reserved_slice(const ClusterState& s, const AdvanceReservation& res, int slice) {
  NodeGpus g;
  int left = kSliceCompute + 1;
  if (!fit_slice(s.free.slices(), res, slice, &g, &left)) return false;
  alloc_.assign(1, g);
  return true;
}

bool Scheduler::try_before_windows(ClusterState& s, Job& j, const PlaceRequest& req, TimeMs now, PassResult& r) {
  if (j.spec.time_limit <= 0 || held_[req.slice ? 1 : 0] == 0) return false;
  DurationMs overhead = j.resumed() ? opt_.restart_overhead : 0;
  TimeMs end = now + overhead + j.spec.time_limit - j.useful_ms;
  if (req.slice) return slice_before_windows(s, j, req, end, now, r);
  // Even with every held GPU given back, too few in all: the same answer as below, sooner.
  if (s.free.total_free() + held_[0] < req.gpus) return false;
  // live_ is by window start: the windows that begin after j's end are its tail from `first`.
  const auto after = std::lower_bound(live_.begin(), live_.end(), end,
                                      [&](std::size_t i, TimeMs e) { return book_.all()[i].from < e; });
  const auto first = static_cast<std::size_t>(after - live_.begin());
  for (const WholeMiss& m : whole_miss_)  // a shorter tail of windows: no more room
    if (m.gpus == req.gpus && m.sites == req.sites && m.types == req.types && first >= m.first) return false;
  std::vector<std::size_t> open;  // windows that begin after j is sure to have ended
  long more = 0;
  for (auto it = after; it != live_.end(); ++it) {
    const AdvanceReservation& res = book_.all()[*it];
    if (!res.held.empty() && eligible(res, req)) open.push_back(*it), more += res.held_count;
  }
  // Even with them, too few GPUs free in all for a whole-GPU gang: nothing to try.
  if (open.empty() || (req.slice == 0 && s.free.total_free() + more < req.gpus)) return false;
  for (std::size_t i : open) s.free.release(book_.all()[i].held);
  const bool placed = placer_->place(s.free, req, &alloc_, nullptr);
  if (!placed) note_whole_miss(req, first);
  bool ok = placed && admitted(s, j, alloc_, now);
  if (ok) start(s, j, alloc_, now);
  for (std::size_t i : open) {  // hold again what is still free
    AdvanceReservation& res = book_.all()[i];
    count_held(res, -1);
    hold_free(s, res);
    count_held(res, +1);
  }
  if (ok) r.started.push_back(j.id);
  return ok;
}

void Scheduler::note_whole_miss(const PlaceRequest& req, std::size_t first) {
  for (WholeMiss& m : whole_miss_)
    if (m.gpus == req.gpus && m.sites == req.sites && m.types == req.types) {
      m.first = std::min(m.first, first);  // more windows given back, still no room
      return;
    }
  whole_miss_.push_back({req.gpus, req.sites, req.types, first});
}

// A slice goes straight onto a held sliced GPU, which stays aside: no give-and-take of every
// reserved GPU for each slice job that did not fit (with a full lab and the workshops of a
// month booked, that was most of a pass).
bool Scheduler::slice_before_windows(ClusterState& s, Job& j, const PlaceRequest& req, TimeMs end, TimeMs now,
                                     PassResult& r) {
  // Reserved GPUs only fill up during a pass (stop() forgets these): when no window after an
  // end had room for the profile, none after a later end has.
  SliceMiss* miss = nullptr;
  for (SliceMiss& m : slice_miss_)
    if (m.slice == req.slice && m.sites == req.sites && m.types == req.types) miss = &m;
  if (miss && end >= miss->end) return false;
  NodeGpus best;
  int left = kSliceCompute + 1;
  bool found = false;
  for (std::size_t i : live_) {
    const AdvanceReservation& res = book_.all()[i];
    if (res.from >= end && !res.held.empty() && eligible(res, req))
      found |= fit_slice(s.free.slices(), res, req.slice, &best, &left);
  }
  if (!found) {
    if (miss) miss->end = end;  // earlier than it was
    else slice_miss_.push_back({req.slice, req.sites, req.types, end});
    return false;
  }
  alloc_.assign(1, best);
  if (!admitted(s, j, alloc_, now)) return false;
  start(s, j, alloc_, now);
  r.started.push_back(j.id);
  return true;
}

bool Scheduler::may_evict(const ClusterState& s, const Job& j, const Job& victim) const {
  return victim.reservation < 0 ||
         within(s, j.spec.tenant, book_.all()[static_cast<std::size_t>(victim.reservation)].tenant);
}

long Scheduler::reserved_for(const PlaceRequest& req) const {
  long n = 0;
  for (std::size_t i : live_)
    if (eligible(book_.all()[i], req)) n += book_.all()[i].held_count;
  return n;
}

// Carbon intensity of a pool at an hour: grid gCO2e/kWh x PUE x the GPU type's power (a type
// of unknown power counts as 1 W, so that sites still compare by grid and PUE).
bool Scheduler::defer(const ClusterState& s, Job& j, const PlaceRequest& req, TimeMs now) {
  DurationMs overhead = j.resumed() ? opt_.restart_overhead : 0;
  TimeMs latest = j.spec.deadline - (j.spec.time_limit > 0 ? overhead + j.spec.time_limit - j.useful_ms : 0);
  TimeMs next_hour = (now / kHour + 1) * kHour;
  if (latest < next_hour) return false;  // no later hour it could wait for
  const Topology& topo = *s.topo;
  auto best_at = [&](TimeMs t, std::int64_t* grid) {
    std::int64_t best = -1;
    auto h = static_cast<std::size_t>(t / kHour % 24);
    for (const PoolInfo& p : s.free.pools()) {
      if (!pool_eligible(p, req)) continue;
      const SiteProfile& site = topo.site(p.site).profile;
      std::int64_t v = std::int64_t{site.carbon[h]} * site.pue_milli * std::max(1, topo.type_watts(p.type));
      if (best < 0 || v < best) best = v, *grid = std::int64_t{site.carbon[h]} * site.pue_milli / 1000;
    }
    return best;
  };
  std::int64_t grid_now = 0, grid_then = 0, grid = 0;
  std::int64_t now_best = best_at(now, &grid_now), then_best = now_best;
  TimeMs then = now;
  // The profile repeats daily: the next 24 hours hold every hour there is.
  for (TimeMs t = next_hour; t <= latest && t < next_hour + 24 * kHour; t += kHour)
    if (std::int64_t v = best_at(t, &grid); v < then_best) then_best = v, then = t, grid_then = grid;
  if (then == now) return false;
  j.wait = WaitReason::of(WaitKind::kDeferred, pass_id_, static_cast<long>(grid_now), then);
  j.wait.b = static_cast<long>(grid_then);
  defer_wake_ = std::min(defer_wake_, next_hour);
  return true;
}

}  // namespace hexa
