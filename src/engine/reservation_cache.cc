#include "engine/reservation_cache.h"

#include <algorithm>
#include <limits>

namespace hexa {

bool EasyPlanCache::same_request(const PlaceRequest& a, const PlaceRequest& b) {
  return a.gpus == b.gpus && a.types == b.types && a.sites == b.sites && a.prefer == b.prefer && a.slice == b.slice &&
         a.rank == b.rank;
}

bool EasyPlanCache::same_free(const FreeIndex& f, const Entry& e) {
  return e.fingerprint == f.masks_fingerprint() && e.free == f.free_masks();
}

Reservation EasyPlanCache::plan(ClusterState& s, const Placer& placer, const Job& head, TimeMs now,
                                const EndOrder& ends, std::uint64_t ends_version) {
  // plan_reservation's request for the head (reservation.cc).
  const PlaceRequest req{head.spec.gpus, head.spec.types, head.spec.sites, nullptr, head.spec.prefer};
  auto at_now = [now](Reservation r) {
    if (r.active) r.at = std::max(r.at, now);
    return r;
  };
  for (const Entry& e : entries_)
    if (e.head == head.id && e.ends_version == ends_version && same_request(e.req, req) && same_free(s.free, e)) {
      ++hits_;
      return at_now(e.plan);
    }
  // Planned as of the earliest time, so that `at` is when the head fits, whatever `now` is.
  Reservation r = plan_reservation(s, placer, head, std::numeric_limits<TimeMs>::min(), ends);
  Entry* e = nullptr;
  for (Entry& old : entries_)
    if (old.head == head.id) e = &old;
  if (!e && entries_.size() < kEntries) e = &entries_.emplace_back();
  if (!e) e = &entries_[next_++ % kEntries];
  e->head = head.id;
  e->req = req;
  e->ends_version = ends_version;
  e->fingerprint = s.free.masks_fingerprint();
  e->free = s.free.free_masks();
  e->plan = r;
  return at_now(std::move(r));
}

}  // namespace hexa
