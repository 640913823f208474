// EasyPlanCache: the EASY reservation of a head job, kept across passes while nothing it is
// computed from has changed (the month's profile: planning again in every pass was a third of
// the France scheduler's work, most passes following an arrival that changed nothing).
//
// A plan (plan_reservation) reads only the pools the head may use (Placer): their nodes' free
// masks, and the running jobs with a time limit whose GPUs are in them, in end order (their
// allocations are fixed while they run). Ends elsewhere matter through one time alone: the
// head that fits before any end (a quota may have narrowed the types it was refused with)
// fits at the first end, whatever pool it frees. `now` matters only through max(fit time,
// now). So an entry keys on the head's id and request, the caller's version of the end order
// of each pool it may use (bumped when a job of that pool enters or leaves it), those pools'
// free masks compared exactly, and the first end, needed only when the head fits
// with nothing ended (asked once, when that first end moved). A hit returns what planning
// again would; a start, an end or a node change in another pool (a slice job, another GPU
// type or site) no longer turns it into a miss. The index's fingerprints of the pools
// (FreeIndex::pool_fingerprint) are compared first: most lookups that miss are ruled out
// without comparing the masks. The masks are kept for the nodes with GPUs free alone (some
// 50 of a France head's 3,000 nodes): the same masks there and as many GPUs free in the pools
// in all leave none free elsewhere. A copy of every node's mask was 1.5% of the month.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/reservation.h"

namespace hexa {

class EasyPlanCache {
 public:
  // What plan_reservation(s, placer, head, now, ends) returns, from a kept entry when one fits.
  // `ends_versions`, by PoolId (a pool past its end counts as version 0): a pool's version
  // changes whenever a job with GPUs in that pool enters or leaves `ends`.
  Reservation plan(ClusterState& s, const Placer& placer, const Job& head, TimeMs now, const EndOrder& ends,
                   const std::vector<std::uint64_t>& ends_versions);

  void clear() { entries_.clear(); }
  std::uint64_t hits() const { return hits_; }  // for tests and profiles

 private:
  enum class Fits : std::uint8_t { kUnknown, kYes, kNo };
  struct Entry {
    JobId head = 0;
    PlaceRequest req;
    bool shaped = false;                     // pools are those of req
    std::vector<PoolId> pools;               // those the head may use
    std::vector<std::uint64_t> versions;     // of their end orders, by pools' order
    std::uint64_t fingerprint = 0;           // the sum of their FreeIndex::pool_fingerprint
    long free_gpus = 0;                      // GPUs free in them, in all
    Allocation free;                         // their nodes with GPUs free, and those GPUs
    TimeMs first_end = kNever;               // the earliest end of all when planned
    Fits fits_now = Fits::kUnknown;          // whether the head fits with the masks above
    Reservation plan;                        // planned with the earliest time: `at` is the fit time
  };
  static bool same_request(const PlaceRequest& a, const PlaceRequest& b);
  static std::uint64_t version(const std::vector<std::uint64_t>& v, PoolId p) { return p < v.size() ? v[p] : 0; }
  // Whether the entry's pools have the same ends and free masks now.
  static bool same_pools(const FreeIndex& f, const std::vector<std::uint64_t>& ends_versions, const Entry& e);
  // Keeps what the entry's plan was made from; `free_now` as plan_reservation listed it
  // (swapped in: the entry's old list comes back in it, to be reused).
  static void fill(const FreeIndex& f, const std::vector<std::uint64_t>& ends_versions, Allocation& free_now,
                   Entry& e);

  // A few heads: a pass whose head cannot be planned (inactive) goes on to plan for the next.
  static constexpr std::size_t kEntries = 4;
  std::vector<Entry> entries_;
  std::size_t next_ = 0;  // the entry replaced next
  std::uint64_t hits_ = 0;
  Allocation scratch_;    // the placement that asks whether a head fits now
  Allocation free_now_;   // what a plan found free, swapped into the entry it fills
};

}  // namespace hexa
