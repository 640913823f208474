#include "engine/reservation_cache.h"

#include <algorithm>
#include <limits>

namespace hexa {

bool EasyPlanCache::same_request(const PlaceRequest& a, const PlaceRequest& b) {
  return a.gpus == b.gpus && a.types == b.types && a.sites == b.sites && a.prefer == b.prefer && a.slice == b.slice &&
         a.rank == b.rank;
}

bool EasyPlanCache::same_pools(const FreeIndex& f, const std::vector<std::uint64_t>& ends_versions, const Entry& e) {
  std::uint64_t fp = 0;
  for (std::size_t i = 0; i < e.pools.size(); ++i) {
    if (version(ends_versions, e.pools[i]) != e.versions[i]) return false;
    fp += f.pool_fingerprint(e.pools[i]);
  }
  if (fp != e.fingerprint) return false;
  long free_gpus = 0;
  for (PoolId p : e.pools) free_gpus += f.pool_free(p);
  if (free_gpus != e.free_gpus) return false;
  for (const NodeGpus& g : e.free)
    if (f.free_mask(g.node) != g.mask) return false;
  return true;  // the listed masks hold all e.free_gpus: every other node has none free
}

void EasyPlanCache::fill(const FreeIndex& f, const std::vector<std::uint64_t>& ends_versions, Allocation& free_now,
                         Entry& e) {
  if (!e.shaped) {  // the pools follow from the request: kept while it stays
    e.pools.clear();
    for (PoolId p = 0; p < f.pools().size(); ++p)
      if (pool_eligible(f.pools()[p], e.req)) e.pools.push_back(p);
    e.shaped = true;
  }
  e.versions.clear();
  e.fingerprint = 0;
  e.free_gpus = 0;
  for (PoolId p : e.pools) {
    e.versions.push_back(version(ends_versions, p));
    e.fingerprint += f.pool_fingerprint(p);
    e.free_gpus += f.pool_free(p);
  }
  // The plan listed them as they are now, the same nodes in the same order: walking the
  // blocks again read every node's mask a second time, an eighth of a plan's cache misses.
  std::swap(e.free, free_now);
}

Reservation EasyPlanCache::plan(ClusterState& s, const Placer& placer, const Job& head, TimeMs now,
                                const EndOrder& ends, const std::vector<std::uint64_t>& ends_versions) {
  // plan_reservation's request for the head (reservation.cc).
  const PlaceRequest req{head.spec.gpus, head.spec.types, head.spec.sites, nullptr, head.spec.prefer};
  const TimeMs first_end = ends.empty() ? kNever : ends.begin()->first.first;
  auto at_now = [now](Reservation r) {
    if (r.active) r.at = std::max(r.at, now);
    return r;
  };
  for (Entry& e : entries_) {
    if (e.head != head.id || !same_request(e.req, req) || !same_pools(s.free, ends_versions, e)) continue;
    // The first end moved (it ended, or a job that ends sooner started, maybe in another
    // pool): it is the fit time only for a head that fits with nothing ended. Asked once: the
    // masks it depends on are the entry's.
    if (first_end != e.first_end) {
      if (e.fits_now == Fits::kUnknown)
        e.fits_now = placer.place(s.free, req, &scratch_, nullptr) ? Fits::kYes : Fits::kNo;
      if (e.fits_now == Fits::kYes) continue;
    }
    ++hits_;
    return at_now(e.plan);
  }
  // Planned as of the earliest time, so that `at` is when the head fits, whatever `now` is.
  Reservation r = plan_reservation(s, placer, head, std::numeric_limits<TimeMs>::min(), ends, &free_now_);
  Entry* e = nullptr;
  for (Entry& old : entries_)
    if (old.head == head.id) e = &old;
  if (!e && entries_.size() < kEntries) e = &entries_.emplace_back();
  if (!e) e = &entries_[next_++ % kEntries];
  e->shaped = e->shaped && same_request(e->req, req);
  e->head = head.id;
  e->req = req;
  fill(s.free, ends_versions, free_now_, *e);
  e->first_end = first_end;
  e->fits_now = Fits::kUnknown;
  e->plan = r;
  return at_now(std::move(r));
}

}  // namespace hexa
