// Estimated start times of pending jobs (issue 14): when each queued job is expected to start,
// worked out once for the whole queue after a scheduling pass, or why no time can be given.
//
// How: the head job of a backfill queue starts by its EASY reservation (engine/reservation.h).
// Every other whole-GPU job of a fifo or backfill queue gets a shadow-time simulation: the
// running jobs free their GPUs at their time limits (latest_end), and the queue, walked in the
// policy's order, takes the room as it frees, each job holding its GPUs to its own limit, so
// that jobs ahead of a job take their room first. Advance reservations of others and downtimes
// are kept out of a job's placement over the time it would run; nodes that take no work free
// nothing. The walk never goes back in time (a later job is not estimated before an earlier
// one): an upper bound where backfill could do better. Pure: no clock, `now` is a parameter.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "engine/cluster_state.h"
#include "engine/scheduler.h"

namespace hexa {

// How an estimate was made, or why there is none.
enum class EstimateNote : std::uint8_t {
  kReservation,   // the backfill reservation of the head job
  kLimits,        // when running jobs reach their time limits (shadow simulation)
  kDeferred,      // a deferrable job waiting for a lower-carbon hour: that hour
  kNotLooked,     // unknown: no scheduling pass has looked at it yet
  kCredits,       // unknown: admission holds it for credits
  kBudget,        // unknown: ... for a budget
  kQuota,         // unknown: a quota of its tenant holds it
  kNeverFits,     // unknown: no node that takes work can hold it
  kNoLimit,       // unknown: what it needs is held by running jobs without a time limit
  kBlocked,       // unknown: fifo, behind a job that has no estimate
  kPolicy,        // unknown: the policy reorders or preempts (las, srtf, fair)
  kSlice,         // unknown: slice jobs are not estimated
  kTooDeep,       // unknown: too far back in the queue (kMaxSimulated jobs ahead)
};

struct StartEstimate {
  TimeMs at = kNever;  // core time; kNever: unknown
  EstimateNote note = EstimateNote::kNotLooked;
  bool known() const { return at != kNever; }
};

// The note in words: "backfill reservation", "unknown: waiting for credits", ... `policy`
// names the policy for kPolicy.
std::string note_text(EstimateNote n, std::string_view policy);

class StartEstimates {
 public:
  // Whole-GPU jobs simulated at most, so that a queue of 100,000 costs a bounded time.
  static constexpr std::size_t kMaxSimulated = 20000;

  // The estimate of a pending job: from the queue's walk, or from why it waits (held for
  // credits, a budget or a quota; submitted after the walk).
  StartEstimate of(const Job& j) const;
  // The pass it was made after (Scheduler::passes()).
  std::uint64_t pass() const { return pass_; }
  const std::string& policy() const { return policy_; }
  std::size_t size() const { return by_job_.size(); }

 private:
  friend StartEstimates estimate_starts(const ClusterState& s, const Scheduler& sched, TimeMs now);
  std::unordered_map<JobId, StartEstimate> by_job_;
  std::uint64_t pass_ = 0;
  std::string policy_;
};

// Estimates for every queued job. REQUIRES: between passes (the index as a pass leaves it).
StartEstimates estimate_starts(const ClusterState& s, const Scheduler& sched, TimeMs now);

}  // namespace hexa
