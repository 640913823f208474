// Queue policy: the order in which pending jobs are considered, and whether a job may preempt
// running work of its own priority. One file pair per policy (fifo, backfill, las, srtf, fair).
//
// The engine sorts jobs by (priority descending, key ascending). Key field `level` is the part
// that preemption compares: a preemptive policy lets a job preempt a running job of the same
// priority whose level is strictly greater (a lower LAS queue, a longer remaining time).
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <string_view>

#include "engine/cluster_state.h"
#include "engine/options.h"
#include "model/status.h"

namespace hexa {

struct PolicyKey {
  std::int64_t level = 0;
  std::int64_t tie = 0;  // usually arrival order
  auto operator<=>(const PolicyKey&) const = default;
};

// What happens when the job at the front does not fit.
enum class Skip : std::uint8_t {
  kStrict,  // nothing behind it may start (fifo)
  kEasy,    // it gets a reservation; later jobs start only if they do not delay it
  kGreedy,  // later jobs that fit start (las, srtf)
};

class QueuePolicy {
 public:
  virtual ~QueuePolicy() = default;
  virtual std::string_view name() const = 0;
  virtual Skip skip() const = 0;
  virtual bool preemptive() const { return false; }
  // Called once at the start of each pass, before any key().
  virtual void begin_pass(ClusterState&, TimeMs /*now*/) {}
  virtual PolicyKey key(const ClusterState& s, const Job& j, TimeMs now) const = 0;
  // The next instant at which this policy's order may change with no other event; kNever if none.
  virtual TimeMs next_wakeup(const ClusterState&, TimeMs /*now*/) const { return kNever; }
  // True for oracle policies that read JobSpec::oracle_duration (simulation only).
  virtual bool needs_oracle() const { return false; }
};

Result<std::unique_ptr<QueuePolicy>> make_queue_policy(const SchedulerOptions& opt);

// Run time of a job that did useful work, excluding the restart overhead of its current segment.
DurationMs useful_run(const Job& j, TimeMs now, DurationMs overhead);

}  // namespace hexa
