// Scheduler: one scheduling pass over a ClusterState. Pure: the caller passes `now`.
// It starts, preempts and reserves by changing the state, and reports what it did as data.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/cluster_state.h"
#include "engine/options.h"
#include "engine/placement.h"
#include "engine/queue_policy.h"
#include "engine/reservation.h"

namespace hexa {

struct PassResult {
  std::vector<JobId> started;
  std::vector<JobId> preempted;
  TimeMs wake_at = kNever;  // when the order may change with no new event (las thresholds)
};

class Scheduler {
 public:
  static Result<Scheduler> make(const SchedulerOptions& opt);

  PassResult pass(ClusterState& s, TimeMs now);

  // Moves a job to running on `alloc`. REQUIRES: pending; alloc free and of its size.
  void start(ClusterState& s, Job& j, const Allocation& alloc, TimeMs now);
  // Ends the running segment; the job goes to `to` (pending = preempted, or an end phase).
  void stop(ClusterState& s, Job& j, TimeMs now, JobPhase to);

  const SchedulerOptions& options() const { return opt_; }
  const QueuePolicy& policy() const { return *policy_; }
  const Placer& placer() const { return *placer_; }
  // Why a pending job waits, in words.
  std::string explain(const ClusterState& s, const Job& j) const;

 private:
  Scheduler(SchedulerOptions opt, std::unique_ptr<QueuePolicy> p, std::unique_ptr<Placer> pl)
      : opt_(std::move(opt)), policy_(std::move(p)), placer_(std::move(pl)) {}

  struct Entry {
    int neg_priority;
    PolicyKey key;
    JobId id;
    auto operator<=>(const Entry&) const = default;
  };

  void order_pending(ClusterState& s, TimeMs now);
  bool try_backfill(ClusterState& s, Job& j, TimeMs now, PassResult& r);
  bool try_preempt(ClusterState& s, Job& j, TimeMs now, PassResult& r);
  void build_victims(const ClusterState& s, TimeMs now);
  bool outranks(const Job& j, const Entry& victim, TimeMs now, const ClusterState& s) const;

  SchedulerOptions opt_;
  std::unique_ptr<QueuePolicy> policy_;
  std::unique_ptr<Placer> placer_;

  std::uint64_t pass_id_ = 0;
  JobId blocker_ = 0;
  bool has_blocker_ = false;
  Reservation res_;

  // Scratch, reused across passes to avoid allocation.
  std::vector<Entry> order_;
  std::vector<Entry> victims_;  // running preemptible jobs, the first one preempted first
  bool victims_built_ = false;
  struct Failed { TypeMask types; SiteMask sites; int gpus; };
  std::vector<Failed> failed_preempts_;
  Allocation alloc_;
};

}  // namespace hexa
