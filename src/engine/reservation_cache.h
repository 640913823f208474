// EasyPlanCache: the EASY reservation of a head job, kept across passes while nothing it is
// computed from has changed (the month's profile: planning again in every pass was a third of
// the France scheduler's work, most passes following an arrival that changed nothing).
//
// A plan (plan_reservation) depends on the head's request, the whole-GPU free masks at the
// moment it is made, the running jobs with a time limit in end order (and their allocations,
// fixed while they run), and `now` only through max(fit time, now). The cache keys an entry
// on all of it: the head's id and request, the caller's version of the end order (bumped on
// every insert and erase), and a copy of every node's free mask, compared exactly. So a hit
// returns what planning again would. The index's fingerprint of the masks (FreeIndex::
// masks_fingerprint) is compared first: most lookups that miss are ruled out in O(1), and a
// hit costs one memcmp of the masks instead of a loop over the nodes (11% of the 3-day cut).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/reservation.h"

namespace hexa {

class EasyPlanCache {
 public:
  // What plan_reservation(s, placer, head, now, ends) returns, from a kept entry when one fits.
  // `ends_version` changes whenever `ends` does.
  Reservation plan(ClusterState& s, const Placer& placer, const Job& head, TimeMs now, const EndOrder& ends,
                   std::uint64_t ends_version);

  void clear() { entries_.clear(); }
  std::uint64_t hits() const { return hits_; }  // for tests and profiles

 private:
  struct Entry {
    JobId head = 0;
    PlaceRequest req;
    std::uint64_t ends_version = 0;
    std::uint64_t fingerprint = 0;    // of the masks below (FreeIndex::masks_fingerprint)
    std::vector<std::uint64_t> free;  // every node's free mask when planned
    Reservation plan;                 // planned with the earliest time: `at` is the fit time
  };
  static bool same_request(const PlaceRequest& a, const PlaceRequest& b);
  static bool same_free(const FreeIndex& f, const Entry& e);

  // A few heads: a pass whose head cannot be planned (inactive) goes on to plan for the next.
  static constexpr std::size_t kEntries = 4;
  std::vector<Entry> entries_;
  std::size_t next_ = 0;  // the entry replaced next
  std::uint64_t hits_ = 0;
};

}  // namespace hexa
