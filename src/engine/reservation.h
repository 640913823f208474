// EASY backfill reservation: the GPUs the front job will get, and the latest time it gets
// them, computed from the running jobs' time limits. While a reservation is held, its free
// GPUs are taken out of the FreeIndex so that later jobs cannot use them, except jobs that
// will end (by their own time limit) before the reservation starts.
#pragma once

#include <map>
#include <utility>

#include "engine/cluster_state.h"
#include "engine/placement.h"

namespace hexa {

struct Reservation {
  bool active = false;
  JobId head = 0;
  TimeMs at = 0;      // the head job starts at the latest then
  Allocation gpus;    // what it will get
  Allocation held;    // the part of `gpus` free now, taken out of the index
};

// What a plan reads of a running job that it gives back, kept beside the job's end: a plan
// walks some 60 ends, and reading each job and then its allocation (to find the pools it is
// in) were two cache misses an end, the plan's largest cost in the France month. A job on one
// node is all here; one on several nodes has `node` kManyNodes and is read from the job.
struct EndGpus {
  static constexpr NodeId kManyNodes = ~NodeId{0};
  NodeId node = kManyNodes;
  PoolId pool = 0;
  std::uint64_t mask = 0;
  bool operator==(const EndGpus&) const = default;
};
EndGpus end_gpus(const FreeIndex& f, const Allocation& a);

// Plans the head job's reservation. Leaves the index as it found it. Inactive when no
// reservation can be planned (running jobs without time limits hold what it needs).
// `ends`: the running whole-GPU jobs with a time limit, by latest_end(), each with
// end_gpus(its allocation). REQUIRES: the head asks for whole GPUs (a slice job holds no
// reservation: Scheduler::consider). `free_now`, when given, receives the GPUs free now in
// the pools the head may use, by block and node: the plan lists them anyway, and a cache of
// plans keeps them (EasyPlanCache).
using EndOrder = std::map<std::pair<TimeMs, JobId>, EndGpus>;
Reservation plan_reservation(ClusterState& s, const Placer& placer, const Job& head, TimeMs now,
                             const EndOrder& ends, Allocation* free_now = nullptr);

// Takes the reservation's GPUs that are free now out of the index / gives them back.
void hold(ClusterState& s, Reservation& r);
void unhold(ClusterState& s, Reservation& r);

// When a running job ends, by its time limit at the latest. The limit bounds useful run time:
// a resumed job's restart overhead is the system's cost, not the user's.
TimeMs latest_end(const Job& j, DurationMs overhead);

}  // namespace hexa
