// Queue policy: the order in which pending jobs are considered, and whether a job may preempt
// running work of its own priority. One file per policy (fifo and backfill, las, srtf, fair, ftf).
//
// The engine orders jobs by priority (descending), then policy group (ranked each pass by
// order_groups), then key (ascending). Key field `level` is the part that preemption compares:
// a preemptive policy lets a job preempt a running job of the same priority whose level is
// strictly greater (a lower LAS queue, a longer remaining time).
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <string_view>

#include "engine/cluster_state.h"
#include "engine/options.h"
#include "engine/pending_queue.h"
#include "model/status.h"

namespace hexa {

class Reader;
class Writer;

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
  // True for oracle policies that read JobSpec::oracle_duration (simulation only).
  virtual bool needs_oracle() const { return false; }

  // The job's key now: computed when it enters the queue, and for running jobs when the engine
  // looks for preemption victims.
  virtual PolicyKey key(const ClusterState& s, const Job& j, TimeMs now) const = 0;
  // Jobs of one group keep key order among themselves; groups are ranked each pass.
  virtual std::uint32_t group(const Job&) const { return 0; }
  // Puts the groups of one priority in the order this pass visits them (default: by id): the
  // `first` best at the front, in order, the others after them in any order (like
  // std::partial_sort). A pass asks for a few at a time, and stops asking when the groups left
  // cannot start anything. GroupRef::at is the caller's: it travels with its group.
  struct GroupRef {
    std::uint32_t group;
    std::uint32_t at;
  };
  virtual void order_groups(ClusterState&, TimeMs /*now*/, std::vector<GroupRef>& groups, std::size_t first);

  virtual void on_started(const ClusterState&, const Job&, TimeMs /*now*/) {}
  virtual void on_stopped(const ClusterState&, const Job&, TimeMs /*now*/) {}
  // Appends waiting jobs whose key has changed since they were queued (the engine re-queues
  // them). May update the jobs' policy fields.
  virtual void changed_keys(ClusterState&, TimeMs /*now*/, std::vector<JobId>* /*out*/) {}
  // Running jobs' keys: false when they change only at the instants changed_running_keys
  // reports (las crosses a threshold); true when they drift all the time (srtf).
  virtual bool running_keys_drift() const { return false; }
  // Waiting jobs' keys: true when they move with the clock (ftf: rho grows while a job waits);
  // the engine then re-keys every waiting job at each pass, after changed_keys.
  virtual bool waiting_keys_drift() const { return false; }
  // Appends running jobs whose key has changed since they started or were last reported.
  virtual void changed_running_keys(const ClusterState&, TimeMs /*now*/, std::vector<JobId>* /*out*/) {}
  // The next instant at which this policy's order may change with no other event; kNever if
  // none. `jobs_wait`: whether any job is pending.
  virtual TimeMs next_wakeup(const ClusterState&, TimeMs /*now*/, bool /*jobs_wait*/) { return kNever; }

  // Snapshots: the policy's own state, if it keeps any across passes (las: its timers).
  virtual void save(Writer&) const {}
  virtual bool load(Reader&) { return true; }
};

Result<std::unique_ptr<QueuePolicy>> make_queue_policy(const SchedulerOptions& opt);

// Run time of a job that did useful work, excluding the restart overhead of its current segment.
DurationMs useful_run(const Job& j, TimeMs now, DurationMs overhead);

}  // namespace hexa
